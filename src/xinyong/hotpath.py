"""The hot path: relying parties' checks answered from the hot decision file, without DuckDB.

`build` turns an evaluation's `decisions` and `listings` rows (from any engine: tuples in
`domain.results.RELATIONS` order) into the file `storage/hotfile.py` describes. Every distinct
answer a relying party can get is built once by `decide(..., audience=relying_party)` itself,
for one subject that gets it, and stored rendered (`render`); so the file's answers are the
slow path's by construction, and a test holds them equal for every subject and action of a
sample. A relying party's answer depends only on the decision rows of the subject and action
(measure, outcome, the entity and role through which it reaches the subject) and, for each
list-triggered measure, on whether the subject (or that entity) is listed on the list: that is
the key under which answers are shared (`_signature`).

`HotPath` answers from the newest file while it is *fresh*: signed by the log's key, its body
matching the signed digest, built for the pack in force and for the ledger's newest signed
checkpoint (size and root). Each check costs two `stat` calls to notice a new file or a new
checkpoint; anything else (another date, another audience, a stale or missing file) goes the
slow way, through the decision index in DuckDB (`checker.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from xinyong.domain.decision import (
    AppliedMeasure,
    Audience,
    Basis,
    Decision,
    MeasureApplies,
    NoMeasureApplies,
    OfficerReason,
    Reason,
)
from xinyong.domain.pseudonym import key64
from xinyong.domain.results import LISTED, Results, Row
from xinyong.errors import LedgerError, TamperDetected
from xinyong.storage import hotfile
from xinyong.storage.hotfile import HotBinding, HotFile
from xinyong.storage.sharedstat import stat

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from xinyong.policy.pack import Pack
    from xinyong.storage.checkpoints import CheckpointStore

log = structlog.get_logger(__name__)
NO_MEASURE: tuple[Reason, ...] = (NoMeasureApplies(),)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a relying party is told, apart from whom and what it asked about."""

    outcome: str
    measures: tuple[AppliedMeasure, ...]
    objection: tuple[str, ...]
    reasons: tuple[Reason, ...]


def _bases(items: Iterable[Basis]) -> list[list[str]]:
    return [[b.source, b.text, b.confidence] for b in items]


def render(decision: Decision) -> bytes:
    """A relying party's decision, less its subject, action, date and pack, as JSON."""
    if decision.audience is not Audience.relying_party:
        raise ValueError("only a relying party's decision is rendered for the hot file")
    measures = []
    for m in decision.measures:
        if m.listings or m.grade is not None or m.remedies:
            raise ValueError(f"measure {m.name}: a relying party is shown no listing or remedy")
        officer = None
        if m.officer is not None:
            if m.officer.record is not None:
                raise ValueError(f"measure {m.name}: a relying party is shown no record")
            o = m.officer
            officer = [o.entity_key, o.role, o.role_label, _bases(o.legal_basis)]
        measures.append(
            [m.name, m.kind, m.title, m.agency, m.outcome, _bases(m.legal_basis), officer]
        )
    reasons: list[list[str]] = []
    for r in decision.reasons:
        if isinstance(r, MeasureApplies):
            reasons.append([r.measure, r.outcome])
        elif not isinstance(r, NoMeasureApplies):
            raise ValueError(f"a relying party is not told reason {r.code}")
    body = [decision.outcome, measures, list(decision.objection), reasons]
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse(blob: bytes) -> Verdict:
    outcome, measures, objection, reasons = json.loads(blob)

    def bases(items: list[list[str]]) -> tuple[Basis, ...]:
        return tuple(Basis(s, t, c) for s, t, c in items)

    return Verdict(
        outcome=outcome,
        measures=tuple(
            AppliedMeasure(
                name,
                kind,
                title,
                agency,
                out,
                bases(basis),
                officer=None
                if officer is None
                else OfficerReason(officer[0], officer[1], officer[2], bases(officer[3])),
            )
            for name, kind, title, agency, out, basis, officer in measures
        ),
        objection=tuple(objection),
        reasons=tuple(MeasureApplies(measure=m, outcome=o) for m, o in reasons) or NO_MEASURE,
    )


def _trigger_lists(pack: Pack) -> dict[str, str | None]:
    from xinyong.domain.measures import ListTrigger

    return {
        name: m.trigger.list if isinstance(m.trigger, ListTrigger) else None
        for name, m in pack.measures.items()
    }


def _signature(
    subject: str,
    action: str,
    rows: list[Row],
    triggers: dict[str, str | None],
    listed: set[tuple[str, str]],
) -> tuple[object, ...]:
    """What a relying party's answer depends on (see the module docstring)."""
    return (
        action,
        tuple(
            sorted(
                (
                    str(r[2]),
                    str(r[3]),
                    r[4] or "",
                    r[5] or "",
                    (r[4] or subject, triggers.get(str(r[2])) or "") in listed,
                )
                for r in rows
            )
        ),
    )


def build(
    pack: Pack,
    decisions: Iterable[Row],
    listings: Iterable[Row],
    *,
    binding: HotBinding,
    signer: hotfile.Signer,
    path: Path,
) -> dict[str, int]:
    """Write the hot decision file for an evaluation's `decisions` and `listings` rows (any
    engine's; `RELATIONS` column order) bound to `binding`, signed by `signer`. Returns counts."""
    import numpy as np

    from xinyong.decide import decide
    from xinyong.domain.measures import ACTIONS

    actions = sorted(ACTIONS)
    column = {a: i for i, a in enumerate(actions)}
    width = len(actions)
    by_subject: dict[str, dict[str, list[Row]]] = {}
    for r in decisions:
        if r[1] in column:  # a row for an action nobody can ask about answers nothing
            by_subject.setdefault(str(r[0]), {}).setdefault(str(r[1]), []).append(tuple(r))
    of_subject: dict[str, list[Row]] = {}
    listed: set[tuple[str, str]] = set()
    for r in listings:
        of_subject.setdefault(str(r[0]), []).append(tuple(r))
        if r[7] == LISTED:
            listed.add((str(r[0]), str(r[1])))
    triggers = _trigger_lists(pack)
    subjects = list(by_subject)
    codes = np.zeros((len(subjects), width), dtype=np.uint8)
    cells: list[int] = []
    cell_verdicts: list[int] = []
    verdicts: dict[bytes, int] = {}
    shared: dict[tuple[object, ...], tuple[int, int]] = {}
    for i, subject in enumerate(subjects):
        for action, rows in by_subject[subject].items():
            signature = _signature(subject, action, rows, triggers, listed)
            found = shared.get(signature)
            if found is None:
                results = Results(binding.as_of, binding.pack_version)
                results.relations["decisions"] = rows
                near = {subject, *(str(r[4]) for r in rows if r[4] is not None)}
                results.relations["listings"] = [x for k in near for x in of_subject.get(k, [])]
                d = decide(pack, results, subject, action, {}, audience=Audience.relying_party)
                code = hotfile.CODES[d.outcome] or hotfile.ALLOW_WITH_ROWS
                found = shared[signature] = (code, verdicts.setdefault(render(d), len(verdicts)))
            c = column[action]
            codes[i, c] = found[0]
            cells.append(i * width + c)
            cell_verdicts.append(found[1])
    hotfile.write(
        path,
        binding=binding,
        actions=actions,
        subjects=subjects,
        codes=codes,
        cells=np.array(cells, dtype=np.uint64),
        cell_verdicts=np.array(cell_verdicts, dtype=np.uint32),
        verdicts=list(verdicts),
        signer=signer,
    )
    return {"subjects": len(subjects), "cells": len(cells), "verdicts": len(verdicts)}


@dataclass
class Batch:
    """Answers to one action for many subject keys: a code per key (`hotfile.CODES`; 0 allow
    with no measure) and, where it is not 0, the index of its verdict in `verdicts`."""

    codes: npt.NDArray[np.uint8]
    verdict: npt.NDArray[np.int64]
    verdicts: dict[int, Verdict]
    as_of: date
    pack_version: str


class HotPath:
    """Answers relying parties' checks from the newest fresh hot decision file, if any."""

    def __init__(self, path: Path, checkpoints: CheckpointStore, pack: Pack) -> None:
        self.path = path
        self.checkpoints = checkpoints
        self.pack = pack
        self._file: HotFile | None = None
        self._refused: hotfile.FileId | None = None
        self._tip_id: hotfile.FileId | None = None
        self._tip: tuple[int, bytes] | None = None
        self._verdicts: dict[int, Verdict] = {}

    def current(self) -> HotFile | None:
        """The hot file, if it is fresh: signed, whole, for this pack and the newest checkpoint."""
        try:
            st = stat(self.path)
        except FileNotFoundError:
            return None
        found = hotfile.file_id(st)
        if self._file is None or self._file.id != found:
            if found == self._refused:
                return None
            try:
                self._file = HotFile(self.path, self.checkpoints)
            except LedgerError as exc:
                # refused once per file: the slow path checks the index itself, and says why
                log.warning("hot_file_refused", path=str(self.path), reason=exc.message)
                self._refused, self._file = found, None
                return None
            self._verdicts = {}
        tip = self._checkpoint()
        b = self._file.header.binding
        if tip != (b.size, b.root) or b.pack_version != self.pack.version:
            return None
        return self._file

    def behind(self) -> bool:
        """Whether the file is for this pack and an earlier size of the ledger: a writer has
        appended and (in its own process) is about to write a new one."""
        file, tip = self._file, self._tip
        if file is None or tip is None:
            return False
        b = file.header.binding
        return b.pack_version == self.pack.version and b.size < tip[0]

    def _checkpoint(self) -> tuple[int, bytes] | None:
        # a new checkpoint (or pending note) changes the folder; only then is it read again
        found = hotfile.file_id(stat(self.checkpoints.directory))
        if found != self._tip_id:
            self._tip_id = found
            latest = self.checkpoints.latest()
            self._tip = (latest.size, latest.root) if latest is not None else None
        return self._tip

    def verdict(self, file: HotFile, index: int) -> Verdict:
        found = self._verdicts.get(index)
        if found is None:
            found = self._verdicts[index] = parse(file.verdict_bytes(index))
        return found

    def decide(self, file: HotFile, subject_key: str, action: str) -> Decision | None:
        """The relying party's decision, or None when the file does not cover `action`."""
        column = file.column.get(action)
        if column is None:
            return None
        b = file.header.binding
        code, row = file.find(key64(subject_key), subject_key, column)
        if code == hotfile.ALLOW:
            return Decision(
                subject_key,
                action,
                "allow",
                b.as_of,
                self.pack.name,
                b.pack_version,
                reasons=NO_MEASURE,
                audience=Audience.relying_party,
            )
        v = self.verdict(file, file.verdict_of(row, column))
        return Decision(
            subject_key,
            action,
            v.outcome,
            b.as_of,
            self.pack.name,
            b.pack_version,
            v.measures,
            v.objection,
            v.reasons,
            Audience.relying_party,
        )

    def decide_many(
        self,
        file: HotFile,
        keys64: npt.NDArray[np.uint64],
        subject_keys: Sequence[str | None],
        action: str,
    ) -> Batch | None:
        """Answers for many subjects at once: the rows found through the file's bucket
        directory and the codes gathered for the whole batch; only the keys found with a code
        other than 0 are looked at further (their verdicts, and the full key that tells a
        64-bit collision apart, compared for all of them at once)."""
        import numpy as np

        column = file.column.get(action)
        if column is None:
            return None
        keys = file.keys
        n = len(keys)
        codes = np.zeros(len(keys64), dtype=np.uint8)
        verdict = np.full(len(keys64), -1, dtype=np.int64)
        if n:
            verdicts: dict[int, Verdict] = {}
            # a collision run may hide a code behind a first allow: looked at one by one
            found = None if file.has_duplicates else file.answers_of(keys64, column)
            if found is not None:  # compiled: rows, codes and the cells' verdicts at once
                at, codes, verdict = found
                check = np.flatnonzero(codes)
                # the full key tells a 64-bit key shared with a subject not asked about apart
                other = check[~_same_keys(file, at[check], subject_keys, check)]
                codes[other], verdict[other] = 0, -1
            elif file.has_duplicates:
                at, codes = file.codes_of(keys64, column)
                # `at` is 0 where no row holds the key: row 0 holds it or nothing does
                hit = keys[at] == keys64
                for i in np.flatnonzero(hit).tolist():
                    code, row = file.find(int(keys64[i]), str(subject_keys[i]), column)
                    codes[i] = code
                    if code:
                        verdict[i] = file.verdict_of(row, column)
            else:
                at, codes = file.codes_of(keys64, column)
                check = np.flatnonzero(codes)
                rows = at[check]
                cells = rows.astype(np.uint64) * np.uint64(file.width) + np.uint64(column)
                # in order: each search starts where the last ended (the cells are many)
                order = np.argsort(cells)
                cell_at = np.empty(len(cells), dtype=np.int64)
                cell_at[order] = file.cells.searchsorted(cells[order])
                if len(cell_at) and (
                    cell_at.max() >= len(file.cells) or (file.cells[cell_at] != cells).any()
                ):
                    raise TamperDetected(f"hot decision file {file.path}: a cell has no verdict")
                verdict[check] = file.cell_verdicts[cell_at]
                # the full key tells a 64-bit key shared with a subject not asked about apart
                other = check[~_same_keys(file, rows, subject_keys, check)]
                codes[other], verdict[other] = 0, -1
            given = verdict[verdict >= 0]
            present = np.flatnonzero(np.bincount(given)) if len(given) else given
            for v in present.tolist():
                verdicts[v] = self.verdict(file, v)
        else:
            verdicts = {}
        b = file.header.binding
        return Batch(codes, verdict, verdicts, b.as_of, b.pack_version)


def _same_keys(
    file: HotFile,
    rows: npt.NDArray[np.int64],
    subject_keys: Sequence[str | None],
    asked: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """Whether the full key of each row of the file is the key asked at the same place."""
    import numpy as np

    from xinyong.domain.idbatch import SubjectKeys

    if isinstance(subject_keys, SubjectKeys):
        found = subject_keys.equal_to(file.key_bytes, file.key_off, rows, asked)
        if found is not None:
            return found
        mine, offsets = subject_keys.utf8(asked)
    else:
        encoded = [str(subject_keys[i]).encode("utf-8") for i in asked.tolist()]
        mine = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
    lo = file.key_off[rows].astype(np.int64)
    size = file.key_off[rows + 1].astype(np.int64) - lo
    same = size == np.diff(offsets)
    pick = np.flatnonzero(same & (size > 0))
    if len(pick):
        size = size[pick]
        first = np.cumsum(size) - size
        within = np.arange(int(size.sum())) - np.repeat(first, size)
        theirs = file.key_bytes[np.repeat(lo[pick], size) + within]
        ours = mine[np.repeat(offsets[pick], size) + within]
        differs = np.add.reduceat((theirs != ours).astype(np.int64), first) > 0
        same[pick[differs]] = False
    return np.asarray(same, dtype=bool)


def binding_of(origin: str, found: Any) -> HotBinding:
    """The binding of a sealed index's meta row (`storage.index.IndexMeta`)."""
    import base64

    return HotBinding(
        origin,
        int(found.ledger_size),
        base64.b64decode(found.ledger_root),
        str(found.pack_version),
        found.as_of,
        str(found.digest),
    )


def wait_fresh(hot: HotPath, seconds: float) -> HotFile | None:
    """The fresh hot file, waiting up to `seconds` while the ledger is ahead of it (a writer
    in another process appended and is re-evaluating); None if it stays stale."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        found = hot.current()
        if found is not None or time.monotonic() >= deadline or not hot.behind():
            return found
        time.sleep(0.01)


def rebuild(
    pack: Pack, store: Any, path: Path, origin: str, results: Results | None = None
) -> None:
    """Rebuild the hot decision file from the sealed decision index just written in the
    DuckDB ledger `store` (from `results` when they are at hand, else from the index's tables).
    A failure leaves the old file, which checks then find stale (bound to an older ledger size)
    and answer the slow way."""
    from xinyong.storage import index

    con = store.connection
    found = index.meta(con)
    if found is None:
        return
    try:
        decisions = results["decisions"] if results else index.rows(con, "decisions")
        listings = results["listings"] if results else index.rows(con, "listings")
        build(
            pack,
            decisions,
            listings,
            binding=binding_of(origin, found),
            signer=store,
            path=path,
        )
    except (OSError, ValueError) as exc:
        log.warning("hot_file_not_written", reason=str(exc))


@dataclass
class _Unsigned:
    """Signs and opens nothing: for a file built only to be compared, never published."""

    origin: str

    def sign_statement(self, body: str) -> str:
        return body

    def open_statement(self, text: str, source: str) -> str:
        return text


def _answers(file: HotFile) -> dict[tuple[str, str], tuple[int, bytes]]:
    """Every cell of `file` whose code is not 0: (full key, action) → (code, verdict bytes)."""
    import numpy as np

    out: dict[tuple[str, str], tuple[int, bytes]] = {}
    width = max(file.width, 1)
    actions = file.header.actions
    for cell, verdict in zip(file.cells.tolist(), file.cell_verdicts.tolist(), strict=True):
        row, column = divmod(int(cell), width)
        code = int(file.codes[row, column])
        out[(file.full_key(row), actions[column])] = (code, bytes(file.verdict_bytes(verdict)))
    rows_with_codes = int(np.count_nonzero(file.codes))
    if rows_with_codes != len(out):
        out[("", "")] = (rows_with_codes, b"cells and codes disagree")
    return out


def verify_hot(
    pack: Pack, con: Any, path: Path, opener: hotfile.Opener
) -> tuple[list[str], list[str]]:
    """Problems and notes about the hot decision file for `verify`: its signature under the
    pinned key and the digest of its body; when it is bound to the sealed decision index in
    `con`, that every answer it gives is the one the index gives (it is built again from the
    index's rows and compared cell by cell: a file signed with a stolen key but saying
    something else is caught too). A file bound to an older index is stale: readers do not
    use it, and it is only noted."""
    import tempfile

    from xinyong.storage import index

    if not path.exists():
        return [], ["no hot decision file"]
    try:
        found = HotFile(path, opener)
    except (TamperDetected, LedgerError) as exc:
        return [exc.message], []
    sealed = index.meta(con)
    binding = found.header.binding
    if sealed is None or binding != binding_of(opener.origin, sealed):
        return [], [
            f"hot decision file bound to ledger size {binding.size} and an index that is not "
            "the current one: stale, not used by checks"
        ]
    with tempfile.TemporaryDirectory(prefix="xinyong-hot-verify-") as tmp:
        again = Path(tmp) / "genuine.hot"
        unsigned = _Unsigned(opener.origin)
        build(
            pack,
            index.rows(con, "decisions"),
            index.rows(con, "listings"),
            binding=binding,
            signer=unsigned,
            path=again,
        )
        genuine = HotFile(again, unsigned)
        same_keys = sorted(map(found.full_key, range(found.header.subjects))) == sorted(
            map(genuine.full_key, range(genuine.header.subjects))
        )
        theirs, ours = _answers(found), _answers(genuine)
    if found.header.actions != genuine.header.actions or not same_keys or theirs != ours:
        differ = sorted(k for k in {*theirs, *ours} if theirs.get(k) != ours.get(k))
        return [
            f"hot decision file {path}: signed, but {len(differ)} of its answers differ from the "
            f"decision index's (e.g. action {differ[0][1]!r})"
            if differ
            else f"hot decision file {path}: signed, but its subjects or actions differ from "
            "the decision index's"
        ], []
    return [], [
        f"hot decision file: signature and {found.header.subjects} subjects' answers verified "
        "against the decision index"
    ]
