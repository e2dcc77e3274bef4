"""A batch check's answer as JSON bytes, in either form, from either path.

`items` (the default) is `BatchCheckOut`: an item per subject, each with its outcome, codes
and reasons. `compact` is `BatchCheckTable`: each distinct answer once (`answers`, in the order
of the first subject that got it) and per subject only its index there (`answer`), `null` for
an invalid identifier, whose problem is in `errors`. A compact answer says exactly what the
items say (a test expands one into the other), in a tenth of the bytes or less when many
subjects are restricted: a restricted item repeats its measures and their legal basis.

From the hot file (`BatchAnswers`) both are rendered here once per distinct answer and joined: a
model per item would cost more than the check. A distinct answer's JSON is kept for as long as
the hot path keeps its `Verdict` (one object per verdict of a file), so a server renders each
once. From the slow path (a `Decision` or an `IdentifierError` per subject) the models render
them. Tests hold each form's bytes from the hot file to the models' JSON of the same answers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from pydantic import TypeAdapter

from xinyong.api.projections import codes, reasons
from xinyong.api.schemas import (
    BatchAnswer,
    BatchCheckOut,
    BatchCheckTable,
    BatchForm,
    BatchItem,
    FieldProblem,
)
from xinyong.domain.decision import Audience, Decision
from xinyong.errors import IdentifierError

if TYPE_CHECKING:
    from xinyong.checker import BatchAnswers
    from xinyong.hotpath import Verdict

_PROBLEMS = TypeAdapter(list[FieldProblem])
_STRING = TypeAdapter(str)
_OPEN = b'{"subject":"'
_NEXT = b',{"subject":"'
# a plain allow: no verdict in the file
_ALLOW = BatchAnswer(outcome="allow", codes=["no_measure_applies"], reasons=[])


class _Rendered:
    """The JSON of each distinct answer a hot file gives, by the identity of its `Verdict`
    (the hot path keeps one object per verdict of a file; the object is held here, so its id
    is not reused while its entry lives). Bounded: emptied when a new file's verdicts fill it."""

    LIMIT = 65_536

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[int, tuple[Verdict, BatchAnswer, str, bytes]] = {}

    def get(self, v: Verdict) -> tuple[BatchAnswer, str, bytes]:
        """The answer, its JSON as a `BatchAnswer`, and what follows the subject in an item."""
        found = self._by_id.get(id(v))
        if found is None or found[0] is not v:
            answer = _answer(v)
            found = (v, answer, answer.model_dump_json(), _item_tail(answer))
            with self._lock:
                if len(self._by_id) >= self.LIMIT:
                    self._by_id.clear()
                self._by_id[id(v)] = found
        return found[1], found[2], found[3]


_RENDERED = _Rendered()
_ALLOW_JSON = _ALLOW.model_dump_json()


def _answer(v: Verdict) -> BatchAnswer:
    # the relying party's projection of the decision the verdict makes (`projections`)
    d = Decision(
        "", "", v.outcome, date.min, "", "", v.measures, v.objection, v.reasons,
        Audience.relying_party,
    )  # fmt: skip
    return BatchAnswer(outcome=v.outcome, codes=codes(d), reasons=reasons(d))


def _item_tail(answer: BatchAnswer) -> bytes:
    """What follows the subject in a `BatchItem` of this answer: `",` and the item's other
    fields, closed."""
    item = BatchItem(subject="", outcome=answer.outcome, codes=answer.codes, reasons=answer.reasons)
    text = item.model_dump_json()
    assert text.startswith('{"subject":"",')
    return text[len('{"subject":"') :].encode()


_ALLOW_ITEM = _item_tail(_ALLOW)


def _head(action: str, as_of: date | None, pack_version: str) -> str:
    head = {"action": action, "as_of": as_of.isoformat() if as_of else None}
    # as the models render it: no spaces, no escapes
    found = {**head, "pack_version": pack_version}
    return json.dumps(found, ensure_ascii=False, separators=(",", ":"))[:-1]


def _problems(errors: dict[int, IdentifierError]) -> list[FieldProblem]:
    return [
        FieldProblem(field=f"body.subjects.{i}", reason=errors[i].reason) for i in sorted(errors)
    ]


def hot_json(form: BatchForm, subjects: Sequence[str], action: str, found: BatchAnswers) -> bytes:
    """The answer to a batch the hot file answered, in `form`."""
    if form == "compact":
        return _hot_table(subjects, action, found)
    return _hot_items(subjects, action, found)


def _hot_items(subjects: Sequence[str], action: str, found: BatchAnswers) -> bytes:
    a = found.answers
    n = len(subjects)
    # an item is `{"subject":"` (`,{"subject":"` after the first), the subject, then its
    # answer's tail: three pieces each, joined once into the answer's bytes
    tails = {-1: _ALLOW_ITEM}
    for i, v in a.verdicts.items():
        tails[i] = _RENDERED.get(v)[2]
    pieces: list[bytes] = [_NEXT] * (3 * n)
    pieces[0] = _OPEN
    pieces[1::3] = _subject_bytes(subjects)
    pieces[2::3] = map(tails.__getitem__, a.verdict.tolist())
    for i, error in found.errors.items():
        problem = FieldProblem(field=f"body.subjects.{i}", reason=error.reason)
        item = BatchItem(subject=subjects[i], error=problem).model_dump_json().encode()
        pieces[3 * i + 1], pieces[3 * i + 2] = item[len(_OPEN) :], b""
    head = _head(action, a.as_of, a.pack_version).encode()
    return b"".join((head, b',"results":[', *pieces, b"]}"))


def _subject_bytes(subjects: Sequence[str]) -> list[bytes]:
    """Each subject as it stands inside a JSON string: an ASCII letter-and-digit identifier
    as it is (encoded all at once), anything else escaped as the models escape it."""
    joined = "\n".join(subjects)
    if joined.isascii() and joined.replace("\n", "").isalnum():
        found = joined.encode("ascii").split(b"\n")
        if len(found) == len(subjects):
            return found
    return [
        s.encode("ascii") if s.isascii() and s.isalnum() else _STRING.dump_json(s)[1:-1]
        for s in subjects
    ]


def _hot_table(subjects: Sequence[str], action: str, found: BatchAnswers) -> bytes:
    import numpy as np

    a = found.answers
    # the file's verdict per subject (-1 a plain allow), -2 where the identifier is invalid
    mark = a.verdict
    if found.errors:
        mark = mark.copy()
        mark[np.fromiter(found.errors, dtype=np.int64, count=len(found.errors))] = -2
    distinct, first, inverse = np.unique(mark, return_index=True, return_inverse=True)
    # each distinct answer's place in the table, by first subject; two verdicts of the file
    # that a relying party is told alike (they differ in what it is not shown) share a place
    place = np.empty(len(distinct), dtype=np.int64)
    table: dict[str, int] = {}
    for u in np.argsort(first, kind="stable").tolist():
        v = int(distinct[u])
        if v == -2:
            place[u] = -1
            continue
        text = _ALLOW_JSON if v == -1 else _RENDERED.get(a.verdicts[v])[1]
        place[u] = table.setdefault(text, len(table))
    names = [str(k) for k in range(len(table))]
    names.append("null")  # index -1
    answer = ",".join(map(names.__getitem__, place[inverse.ravel()].tolist()))
    errors = _PROBLEMS.dump_json(_problems(found.errors)).decode("utf-8")
    head = _head(action, a.as_of, a.pack_version)
    return (
        f'{head},"answers":[{",".join(table)}],"answer":[{answer}],"errors":{errors}}}'
    ).encode()


def slow_json(
    form: BatchForm,
    subjects: Sequence[str],
    action: str,
    found: Sequence[Decision | IdentifierError],
    pack_version: str,
) -> bytes:
    """The answer to a batch answered the slow way (a decision or an error per subject)."""
    as_of = None
    items: list[BatchItem] = []
    for i, (subject, d) in enumerate(zip(subjects, found, strict=True)):
        if isinstance(d, IdentifierError):
            problem = FieldProblem(field=f"body.subjects.{i}", reason=d.reason)
            items.append(BatchItem(subject=subject, error=problem))
            continue
        as_of = d.as_of
        items.append(
            BatchItem(subject=subject, outcome=d.outcome, codes=codes(d), reasons=reasons(d))
        )
    if form == "items":
        out = BatchCheckOut(action=action, as_of=as_of, pack_version=pack_version, results=items)
        return out.model_dump_json().encode("utf-8")
    answers: list[BatchAnswer] = []
    table: dict[str, int] = {}
    answer: list[int | None] = []
    errors: list[FieldProblem] = []
    for item in items:
        if item.error is not None:
            errors.append(item.error)
            answer.append(None)
            continue
        assert item.outcome is not None
        one = BatchAnswer(outcome=item.outcome, codes=item.codes, reasons=item.reasons)
        text = one.model_dump_json()
        if text not in table:
            table[text] = len(answers)
            answers.append(one)
        answer.append(table[text])
    compact = BatchCheckTable(
        action=action,
        as_of=as_of,
        pack_version=pack_version,
        answers=answers,
        answer=answer,
        errors=errors,
    )
    return compact.model_dump_json().encode("utf-8")
