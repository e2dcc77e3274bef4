"""Workflow steps through the façade: appended as one signed batch, read back by subject, by the
entry acted on and by type, never evaluated (DuckDB and the reference), refused from files."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import BOOTSTRAP
from xinyong.domain.results import ENTRY_COLUMNS, Results
from xinyong.domain.subject import SubjectKind
from xinyong.domain.workflow import NewStep, StepSubject, StepType
from xinyong.engines import reference
from xinyong.engines.duckdb import DuckDBEngine
from xinyong.errors import InvalidInput
from xinyong.sample.generate import write_csv
from xinyong.service import Workspace
from xinyong.storage import index

AS_OF = date(2025, 6, 30)


@pytest.fixture(scope="module")
def sampled(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("steps")
    ws = Workspace.init(root / "ws", today=AS_OF)
    sample = write_csv(
        root / "records.csv",
        ws.pack.catalogue,
        rows=1_500,
        subjects=120,
        seed=11,
        today=AS_OF,
        cases=list(ws.pack.cases.values()),
        story_share=0.5,
    )
    ws.ingest(sample.path)
    return ws


def _rows(ws: Workspace) -> list[tuple[object, ...]]:
    with ws.ledger(read_only=True) as store:
        con = store.connection  # type: ignore[attr-defined]
        return con.execute(f"SELECT {', '.join(ENTRY_COLUMNS)} FROM entries").fetchall()


def _both(ws: Workspace) -> tuple[Results, Results]:
    with ws.ledger(read_only=True) as store:
        sql = DuckDBEngine(store.connection).evaluate(ws.pack, AS_OF)  # type: ignore[attr-defined]
    return sql, reference.evaluate(ws.pack, _rows(ws), AS_OF)


def _every_step(ws: Workspace) -> list[NewStep]:
    """A step of every type: about subjects that have records, about a subject that has none,
    acting on records, and subject-less."""
    rows = _rows(ws)
    records = [r for r in rows if r[1] == "record"][:20]
    out: list[NewStep] = []
    for i, t in enumerate(StepType):
        r = records[i % len(records)]
        subject = StepSubject("uscc", str(r[4]), SubjectKind(str(r[5])))
        if i % 4 == 3:  # a subject the ledger holds no record of
            subject = StepSubject("uscc", f"uscc:NOBODY{i}", SubjectKind.enterprise)
        out.append(
            NewStep(
                step_type=t,
                actor="authority.example",
                on=date(2024, 1, 2),
                document_ref=f"case-{i}",
                subject=subject if t.about_subject else None,
                refers_to=int(str(r[0])) if i % 2 else None,
                attributes={"reason": "test", "deadline": "2024-01-16"},
            )
        )
    return out


def test_steps_change_no_relation_on_duckdb_or_the_reference(sampled: Workspace) -> None:
    ws = sampled
    sql_before, ref_before = _both(ws)
    assert sql_before.hash() == ref_before.hash()
    assert sql_before.relations["decisions"], "the sample must restrict someone"
    ws.evaluate(as_of=AS_OF)  # the index, so that steps must keep it fresh
    size = _size(ws)
    stored = ws.record_step(*_every_step(ws))
    assert [s.seq for s in stored] == list(range(size, size + len(StepType)))
    sql_after, ref_after = _both(ws)
    assert sql_after.sorted() == sql_before.sorted()
    assert ref_after.sorted() == ref_before.sorted()
    # one subject alone, its steps among its entries
    subject = next(s.subject for s in stored if s.subject is not None)
    assert subject is not None
    rows = _rows(ws)
    own = [r for r in rows if r[4] == subject.key]
    assert any(r[1] == "step" for r in own)
    linked = reference.linked_entities(ws.pack, own)
    mine_rows = own + [r for r in rows if r[4] in linked]
    alone = reference.evaluate_subject(ws.pack, mine_rows, AS_OF, subject_key=subject.key)
    mine = {k: [r for r in v if r[0] == subject.key] for k, v in ref_before.sorted().items()}
    assert alone.sorted() == mine
    # the decision index was sealed again to the new size, its rows unchanged
    with ws.ledger(read_only=True) as store:
        con = store.connection  # type: ignore[attr-defined]
        found = index.meta(con)
        assert found is not None and found.ledger_size == store.size() == size + len(StepType)
        seal = index.open_seal(found, store)
        assert index.binding(seal, store, ws.pack.version) == "fresh"
    assert ws.verify().ok


def _size(ws: Workspace) -> int:
    with ws.ledger(read_only=True) as store:
        return store.size()


def test_steps_are_read_by_subject_refers_to_and_type(workspace: Workspace) -> None:
    ws = workspace
    subject = StepSubject("uscc", "uscc:91350100M000100Y43", SubjectKind.enterprise)
    (filed,) = ws.record_step(
        NewStep(StepType.objection_filed, "subject", date(2026, 1, 5), "obj-1", subject)
    )
    (review,) = ws.record_step(
        NewStep(
            StepType.objection_review,
            "authority.example",
            date(2026, 1, 6),
            "obj-1",
            subject,
            refers_to=filed.seq,
            attributes={"note": "材料已收到"},
        )
    )
    (approval,) = ws.record_step(
        NewStep(StepType.pack_approval, "key:k1", date(2026, 1, 7), "sha256:abc")
    )
    assert approval.subject is None
    assert [s.seq for s in ws.steps(subject_key=subject.key)] == [filed.seq, review.seq]
    assert ws.steps(refers_to=filed.seq) == [review]
    assert review.attributes == {"note": "材料已收到"}
    assert review.actor == "authority.example" and review.on == date(2026, 1, 6)
    assert [s.step_type for s in ws.steps(step_type="pack.approval")] == [StepType.pack_approval]
    with pytest.raises(InvalidInput, match=r"unknown step type 'pack\.aproval'"):
        ws.steps(step_type="pack.aproval")
    with pytest.raises(InvalidInput, match="not an earlier entry"):
        ws.record_step(
            NewStep(StepType.notice_served, "a", date(2026, 1, 8), "n", subject, refers_to=99)
        )
    assert ws.verify().ok


def test_a_step_is_checked_before_anything_is_written() -> None:
    subject = StepSubject("uscc", "k", SubjectKind.enterprise)
    with pytest.raises(ValueError, match="concerns a subject; none given"):
        NewStep(StepType.notice_issued, "a", date(2026, 1, 1), "n")
    with pytest.raises(ValueError, match="concerns no subject"):
        NewStep(StepType.pack_activation, "a", date(2026, 1, 1), "v", subject)
    with pytest.raises(ValueError, match="the actor must be named"):
        NewStep(StepType.notice_issued, " ", date(2026, 1, 1), "n", subject)


def test_ingest_refuses_step_entries(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "steps.csv"
    header = [
        "provider",
        "record_type",
        "subject_scheme",
        "subject_id",
        "subject_kind",
        "decision_date",
        "document_ref",
        "entry_kind",
        "attributes",
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerow(
            [
                "court.example",
                "objection.upheld",
                "uscc",
                "91350100M000100Y43",
                "enterprise",
                "2024-03-01",
                "x-1",
                "step",
                "{}",
            ]
        )
    report = workspace.ingest(path)
    assert report.accepted == 0
    assert report.rejects_path is not None
    with report.rejects_path.open(encoding="utf-8", newline="") as fh:
        rejects = list(csv.DictReader(fh))
    assert len(rejects) == 1
    assert "entry_kind" in rejects[0]["field"].split("; ")
    assert "entry_kind: step entries are workflow steps" in rejects[0]["reason"]
    assert "only the service writes; a file cannot submit them" in rejects[0]["reason"]
    assert _size(workspace) == BOOTSTRAP  # init's activation only


def test_a_pack_cannot_name_step_entries() -> None:
    from pydantic import TypeAdapter, ValidationError

    from xinyong.policy.spec.common import RecordKind

    with pytest.raises(ValidationError, match="workflow steps, not records"):
        TypeAdapter(RecordKind).validate_python("step")
    assert TypeAdapter(RecordKind).validate_python("fulfilment") == "fulfilment"
