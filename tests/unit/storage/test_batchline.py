"""A batch's decision log line written by compiled loops straight into the buffer that is
appended (`decisionlog.render_batch_into`, `checker.batch_line`) is, byte for byte, the line
`render_batch` / `checker.batch_entry` write from Python and numpy; and the log appends it as
it appends bytes."""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain import idbatch
from xinyong.domain.decision import AppliedMeasure
from xinyong.domain.identifiers import default_registry, generate_resident_id, generate_uscc
from xinyong.storage.decisionlog import DecisionLog, render_batch, render_batch_into

AT = datetime(2026, 11, 22, 8, 0, 1, 123456, tzinfo=UTC)
KEY = bytes(range(32))
SCHEMES = default_registry(as_of=date(2026, 11, 22))
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
ANSWERS = st.lists(st.tuples(TEXT, st.lists(TEXT, max_size=3)), min_size=1, max_size=6)


def _compiled() -> None:
    if idbatch._compiled_pass() is None:
        reason = "numba (the `batch` extra) or libcrypto.so.3 is missing: the compiled pass"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
        pytest.skip(reason)


def _common(asked_by: str | None, purpose: str | None) -> dict[str, object]:
    return {
        "at": AT,
        "action": "air_travel.book",
        "as_of": date(2026, 11, 22),
        "pack_version": "sha256:ab",
        "asked_by": asked_by,
        "purpose": purpose,
        "audience": "relying_party",
    }


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    answers=ANSWERS,
    size=st.integers(0, 3_000),
    asked_by=st.none() | TEXT,
    purpose=st.none() | TEXT,
)
def test_the_line_written_in_place_is_render_batchs(
    data: st.DataObject,
    answers: list[tuple[str, list[str]]],
    size: int,
    asked_by: str | None,
    purpose: str | None,
) -> None:
    _compiled()
    n = data.draw(st.integers(0, 1_200))
    # mostly allow (-1), as in a batch; sometimes every position adverse
    share = data.draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    verdict = np.array(
        [rng.randrange(len(answers)) if rng.random() < share else -1 for _ in range(n)],
        dtype=np.int64,
    )
    keys = ("[" + ",".join(f'"k{i}"' for i in range(size)) + "]").encode()
    room = len(keys) + data.draw(st.integers(0, 100))
    groups = [
        (answers[v][0], answers[v][1], np.flatnonzero(verdict == v).tolist())
        for v in sorted(set(verdict[verdict >= 0].tolist()))
    ]

    def write_keys(out: np.ndarray) -> int:
        out[:room] = ord("!")  # what a writer may leave after the array: overwritten after
        out[: len(keys)] = np.frombuffer(keys, dtype=np.uint8)
        return len(keys)

    want = render_batch(
        **_common(asked_by, purpose),  # type: ignore[arg-type]
        subject_keys=keys,
        answers=groups,
    )
    found = render_batch_into(
        **_common(asked_by, purpose),  # type: ignore[arg-type]
        verdict=verdict,
        answer=lambda v: (answers[v][0], tuple(answers[v][1])),
        keys_size=len(keys),
        keys_room=room,
        write_keys=write_keys,
    )
    assert bytes(found) == want


def _identifiers(rng: random.Random, n: int) -> list[str]:
    out: list[str] = []
    for _ in range(n):
        pick = rng.random()
        if pick < 0.6:
            out.append(generate_resident_id(rng, date(1950 + rng.randrange(60), 3, 1)))
        elif pick < 0.9:
            out.append(generate_uscc(rng))
        elif pick < 0.95:
            out.append("not-an-id")
        else:
            out.append(generate_uscc(rng).lower())
    return out


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    n=st.integers(1, 400),
    answers=ANSWERS,
    share=st.sampled_from([0.0, 0.1, 1.0]),
)
def test_check_manys_line_is_batch_entrys(
    seed: int, n: int, answers: list[tuple[str, list[str]]], share: float
) -> None:
    """`batch_line` (check_many's) against `batch_entry` (the numpy grouping, the keys'
    array rendered apart and concatenated), for keys of both kinds, invalid identifiers
    among them, and any answers."""
    from xinyong.checker import batch_entry, batch_line
    from xinyong.hotpath import Batch, Verdict

    _compiled()
    rng = random.Random(seed)
    keyed = idbatch.subject_keys(SCHEMES, _identifiers(rng, n), KEY)
    verdict = np.array(
        [rng.randrange(len(answers)) if rng.random() < share else -1 for _ in range(n)],
        dtype=np.int64,
    )
    verdict[[i for i in range(n) if keyed.keys[i] is None]] = -1
    verdicts = {
        v: Verdict(
            outcome,
            tuple(AppliedMeasure(m, "k", "t", "a", outcome, ()) for m in measures),
            (),
            (),
        )
        for v, (outcome, measures) in enumerate(answers)
    }
    batch = Batch(np.zeros(n, dtype=np.uint8), verdict, verdicts, date(2026, 11, 22), "sha256:x")
    want = batch_entry(keyed.keys, "air_travel.book", batch, "bank", "loan", at=AT)
    found = batch_line(keyed.keys, "air_travel.book", batch, "bank", "loan", at=AT)
    assert bytes(found) == want
    if any(k is not None for k in keyed.keys):
        assert isinstance(found, memoryview)  # written in place, not by `batch_entry`


@pytest.mark.parametrize("mode", ["group", "line"])
def test_a_line_in_a_buffer_is_appended_whole(tmp_path: Path, mode: str) -> None:
    log = DecisionLog(tmp_path / "log.jsonl", mode=mode)  # type: ignore[arg-type]
    buf = np.frombuffer(b'{"n":1}\n{"n":2}\n', dtype=np.uint8).copy()
    view = memoryview(buf)  # type: ignore[arg-type]
    log.append([view[:8]])
    log.append([b'{"n":0}\n', view[8:]])
    log.close()
    lines = (tmp_path / "log.jsonl").read_bytes().splitlines()
    assert [json.loads(x)["n"] for x in lines] == [1, 0, 2]
