"""The hot decision file answers a relying party exactly as the decision index does.

For every subject of a seeded sample (case life cycles, officers reached through an entity,
rewards) and every action it has a decision row for, plus random other pairs, the hot path's
`Decision` equals the one `decide(..., audience=relying_party)` builds from the index rows, after
a full evaluation and again after an incremental one. A file that was edited, signed by
another key, or left behind by an append is not used; two subjects sharing a 64-bit key are told
apart.
"""

from __future__ import annotations

import os
import random
import shutil
from datetime import date
from pathlib import Path

import pytest

from xinyong.decide import decide
from xinyong.domain.decision import Audience, Decision
from xinyong.domain.measures import ACTIONS
from xinyong.domain.pseudonym import key64
from xinyong.hotpath import HotPath
from xinyong.sample.generate import Sample, write_csv
from xinyong.service import Workspace
from xinyong.storage import hotfile, index
from xinyong.storage.decisionlog import LogFilter

AS_OF = date(2025, 6, 30)


def _workspace(root: Path, rows: int = 1_000, seed: int = 7) -> tuple[Workspace, Sample]:
    ws = Workspace.init(root / "ws", today=AS_OF)
    sample = write_csv(
        root / "all.csv",
        ws.pack.catalogue,
        rows=rows,
        subjects=rows // 10,
        seed=seed,
        today=AS_OF,
        cases=list(ws.pack.cases.values()),
        story_share=0.5,
    )
    return ws, sample


def _slow(ws: Workspace, pairs: list[tuple[str, str]]) -> list[Decision]:
    """What the decision index answers a relying party (the slow path's lookup and decide)."""
    with ws.ledger() as store:
        con = store.connection  # type: ignore[attr-defined]
        found = index.meta(con)
        assert found is not None
        return [
            decide(
                ws.pack,
                index.lookup(con, found, key, action),
                key,
                action,
                {},
                audience=Audience.relying_party,
            )
            for key, action in pairs
        ]


def _hot(ws: Workspace) -> HotPath:
    hot = ws.quick.hot()
    assert hot is not None
    return hot


def _assert_equal(ws: Workspace, keys: list[str], extra: int = 150) -> dict[str, int]:
    hot = _hot(ws)
    file = hot.current()
    assert file is not None, "the hot file is fresh after evaluate and ingest"
    with ws.ledger() as store:
        rows = index.rows(store.connection, "decisions")  # type: ignore[attr-defined]
    pairs = {(str(r[0]), str(r[1])) for r in rows}
    rng = random.Random(1)
    actions = sorted(ACTIONS)
    pairs |= {(rng.choice(keys), rng.choice(actions)) for _ in range(extra)}
    outcomes: dict[str, int] = {}
    asked = sorted(pairs)
    for (key, action), slow in zip(asked, _slow(ws, asked), strict=True):
        fast = hot.decide(file, key, action)
        assert fast == slow, (key, action)
        outcomes[slow.outcome] = outcomes.get(slow.outcome, 0) + 1
    return outcomes


def test_hot_file_equals_the_index(tmp_path: Path) -> None:
    ws, sample = _workspace(tmp_path)
    lines = sample.path.read_text(encoding="utf-8").splitlines()
    cut = len(lines) * 2 // 3
    first, rest = tmp_path / "first.csv", tmp_path / "rest.csv"
    first.write_text("\n".join(lines[:cut]) + "\n", encoding="utf-8")
    rest.write_text("\n".join([lines[0], *lines[cut:]]) + "\n", encoding="utf-8")
    ws.ingest(first)
    ws.evaluate(as_of=AS_OF)
    keys = [ws.subject_key(s.identifier, s.scheme) for s in sample.subjects]
    outcomes = _assert_equal(ws, keys)
    assert outcomes.get("restrict") and outcomes.get("allow"), outcomes
    with ws.ledger() as store:
        officers = [r for r in index.rows(store.connection, "decisions") if r[4]]  # type: ignore[attr-defined]
    assert officers, "the sample reaches officers through entities"
    before = hotfile.file_id(ws.hot_file().stat())
    ws.ingest(rest)  # re-evaluates the subjects touched, and writes the hot file again
    assert hotfile.file_id(ws.hot_file().stat()) != before
    _assert_equal(ws, keys)


def test_an_edited_or_foreign_or_stale_file_is_not_used(tmp_path: Path) -> None:
    ws, sample = _workspace(tmp_path / "a", rows=400)
    ws.ingest(sample.path)
    ws.evaluate(as_of=AS_OF)
    who = sample.subjects[0]
    action = "air_travel.book"
    expected = ws.check(who.identifier, action, scheme=who.scheme)
    path = ws.hot_file()
    good = path.read_bytes()
    assert ws.quick.check(who.identifier, action, scheme=who.scheme) == expected

    def answer_with(data: bytes) -> None:
        path.write_bytes(data)
        # the hot path refuses the file; the slow path answers, the same
        assert ws.quick.check(who.identifier, action, scheme=who.scheme) is None
        assert ws.check(who.identifier, action, scheme=who.scheme) == expected

    edited = bytearray(good)
    edited[-1] ^= 1  # a byte of the body
    answer_with(bytes(edited))
    head = bytearray(good)
    at = good.index(b"\n", 16) + 1  # a byte of the header (the log's origin line)
    head[at] ^= 1
    answer_with(bytes(head))
    other, other_sample = _workspace(tmp_path / "b", rows=400, seed=8)
    other.ingest(other_sample.path)
    other.evaluate(as_of=AS_OF)
    answer_with(other.hot_file().read_bytes())  # signed, but by another log's key
    path.write_bytes(good)
    assert ws.quick.check(who.identifier, action, scheme=who.scheme) == expected
    # a file left behind by an append describes an older ledger: stale
    ws.quick.wait_for_writer = 0  # no writer is coming: do not wait for one
    kept = tmp_path / "kept.hot"
    shutil.copy(path, kept)
    ws.ingest(other_sample.path)
    shutil.copy(kept, path)
    assert ws.quick.check(who.identifier, action, scheme=who.scheme) is None


def test_subjects_sharing_a_64_bit_key_are_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xinyong.hotpath
    import xinyong.storage.hotfile

    def clash(key: str) -> int:
        return 42

    monkeypatch.setattr(xinyong.storage.hotfile, "key64", clash)
    monkeypatch.setattr(xinyong.hotpath, "key64", clash)
    ws, sample = _workspace(tmp_path, rows=400)
    ws.ingest(sample.path)
    ws.evaluate(as_of=AS_OF)
    file = _hot(ws).current()
    assert file is not None and file.has_duplicates
    keys = [ws.subject_key(s.identifier, s.scheme) for s in sample.subjects]
    _assert_equal(ws, [*keys, "uscc:91350100M000100Y43"], extra=60)
    # and in a batch
    answers = _slow(ws, [(k, "air_travel.book") for k in keys])
    restricted = [k for k, d in zip(keys, answers, strict=True) if d.outcome == "restrict"]
    assert restricted
    asked = [*keys[:20], *restricted[:5]]
    expected = _slow(ws, [(k, "air_travel.book") for k in asked])
    batch = _hot(ws).decide_many(
        file, __import__("numpy").full(len(asked), 42, dtype="uint64"), asked, "air_travel.book"
    )
    assert batch is not None
    for i, slow in enumerate(expected):
        assert hotfile.OUTCOMES[int(batch.codes[i])] == slow.outcome


def test_a_batch_equals_single_checks(tmp_path: Path) -> None:
    ws, sample = _workspace(tmp_path, rows=400)
    ws.ingest(sample.path)
    ws.evaluate(as_of=AS_OF)
    asked = [s.identifier for s in sample.subjects[:30]] + ["not-an-id"]
    found = ws.quick.check_batch(asked, "air_travel.book", asked_by="t", purpose="test")
    assert not isinstance(found, list), "answered from the hot file"
    assert set(found.errors) == {len(asked) - 1}
    for i, ident in enumerate(asked[:-1]):
        single = ws.check(ident, "air_travel.book")
        code = int(found.answers.codes[i])
        assert hotfile.OUTCOMES[code] == single.outcome
        v = int(found.answers.verdict[i])
        measures = found.answers.verdicts[v].measures if v >= 0 else ()
        assert measures == single.measures
    log = ws.settings.path(ws.settings.decision_log).read_text(encoding="utf-8").splitlines()
    assert len(log) == 1 + 30  # one line for the batch, then one per single check
    # read back, the batch is a check per valid identifier, as the single checks logged them
    lines = ws.decision_log(LogFilter(), offset=0, limit=100)
    batch, singles = lines[:30], lines[30:]
    skip = {"asked_at", "asked_by", "purpose"}
    assert [{k: v for k, v in x.items() if k not in skip} for x in batch] == [
        {k: v for k, v in x.items() if k not in skip} for x in singles
    ]
    assert {(x["asked_by"], x["purpose"]) for x in batch} == {("t", "test")}
    # a batch in which nobody is restricted, and one of invalid identifiers only
    allowed = [x for x, s in zip(asked, singles, strict=False) if s["outcome"] == "allow"]
    for idents in (allowed[:3], ["not-an-id"]):
        assert not isinstance(ws.quick.check_batch(idents, "air_travel.book"), list)
    found_lines = ws.decision_log(LogFilter(), offset=30 + 30, limit=100)
    assert [x["outcome"] for x in found_lines] == ["allow"] * 3


def test_a_batch_entry_is_synced_before_the_batch_returns(tmp_path: Path) -> None:
    from xinyong.storage.decisionlog import DecisionLog

    ws, sample = _workspace(tmp_path, rows=200)
    ws.ingest(sample.path)
    ws.evaluate(as_of=AS_OF)
    path = ws.settings.path(ws.settings.decision_log)
    synced: list[int] = []

    def fsync(fd: int) -> None:
        os.fdatasync(fd)
        synced.append(path.stat().st_size)

    ws.quick._log = DecisionLog(path, fsync=fsync)
    asked = [s.identifier for s in sample.subjects[:20]]
    found = ws.quick.check_batch(asked, "air_travel.book", asked_by="t", purpose="test")
    assert not isinstance(found, list)
    assert synced == [path.stat().st_size] and path.read_bytes().count(b"\n") == 1


def test_a_batch_tells_a_shared_64_bit_key_apart_by_the_full_key(tmp_path: Path) -> None:
    ws, sample = _workspace(tmp_path, rows=400)
    ws.ingest(sample.path)
    ws.evaluate(as_of=AS_OF)
    file = _hot(ws).current()
    assert file is not None and not file.has_duplicates
    keys = [ws.subject_key(s.identifier, s.scheme) for s in sample.subjects]
    answers = _slow(ws, [(k, "air_travel.book") for k in keys])
    restricted = [k for k, d in zip(keys, answers, strict=True) if d.outcome == "restrict"]
    assert restricted
    # asked: a restricted subject, and a key the file does not hold under the same 64-bit key
    asked = [restricted[0], restricted[0][:-1] + ("0" if restricted[0][-1] != "0" else "1")]
    k64 = __import__("numpy").array([key64(restricted[0])] * 2, dtype="uint64")
    batch = _hot(ws).decide_many(file, k64, asked, "air_travel.book")
    assert batch is not None
    assert [hotfile.OUTCOMES[int(c)] for c in batch.codes] == ["restrict", "allow"]
    assert batch.verdict.tolist()[1] == -1


def test_a_batch_line_is_the_same_with_or_without_the_compiled_loops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compiled keying, lookup and rendering (numba, the `batch` extra) write the decision
    log line byte for byte as the numpy forms do (but the time asked)."""
    import json

    from xinyong.domain import idbatch

    ws, sample = _workspace(tmp_path, rows=400)
    ws.ingest(sample.path)
    ws.evaluate(as_of=AS_OF)
    asked = [s.identifier for s in sample.subjects] + ["not-an-id", sample.subjects[0].identifier]
    asked += [s.identifier.lower() for s in sample.subjects[:5]]
    for _ in range(2):
        found = ws.quick.check_batch(asked, "air_travel.book", asked_by="t", purpose="test")
        assert not isinstance(found, list)
        monkeypatch.setattr(idbatch, "_compiled_pass", lambda: None)
        monkeypatch.setattr(hotfile, "_compiled_lookup", lambda: None)
        monkeypatch.setattr(hotfile, "_compiled_answers", lambda: None)
    path = ws.settings.path(ws.settings.decision_log)
    lines = path.read_bytes().splitlines()
    assert len(lines) == 2
    at = [json.loads(line)["asked_at"].encode() for line in lines]
    assert lines[0].replace(at[0], b"") == lines[1].replace(at[1], b"")
    keys = json.loads(lines[0])["batch"]["subject_keys"]
    assert len(keys) == len(asked) - 1
    assert {k.split(":")[0] for k in keys} == {"resident_id", "uscc"}
