"""Due process end to end, on real dates: notices before listing, objections, corrections that
reach every past decision and its relying parties, credit restoration, display ending at the
maximum period, deadlines on the working-day calendar."""

from __future__ import annotations

import email
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from xinyong.domain.dueprocess import ObjectionState, RestorationState
from xinyong.domain.results import ENTRY_COLUMNS
from xinyong.engines import reference
from xinyong.engines.duckdb import DuckDBEngine
from xinyong.errors import Refused
from xinyong.service import Workspace, shipped_pack

TODAY = date(2026, 11, 22)
PERSON = "11010519491231002X"
OTHER = "110105198001010032"  # another valid resident ID
FIRM = "91350100M000100Y43"
COURT = "北京市朝阳区人民法院"


def _line(
    record_type: str,
    decided: str,
    ref: str,
    attributes: dict[str, object],
    *,
    subject: str = PERSON,
    scheme: str = "resident_id",
    kind: str = "individual",
    provider: str = "court.example",
) -> str:
    return json.dumps(
        {
            "provider": provider,
            "record_type": record_type,
            "subject_scheme": scheme,
            "subject_id": subject,
            "subject_kind": kind,
            "decision_date": decided,
            "document_ref": ref,
            "attributes": attributes,
        },
        ensure_ascii=False,
    )


def _ingest(ws: Workspace, tmp: Path, *lines: str) -> None:
    n = 0
    while (path := tmp / f"in-{n}.jsonl").exists():
        n += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ws.ingest(path)
    assert report.rejected == 0, report


def _debtor(
    case: str, decided: str, *, subject: str = PERSON, notice: str | None = None
) -> list[str]:
    """An item-(1) dishonesty decision (with the court's enforcement notice before it)."""
    out = []
    if notice is not None:
        out.append(
            _line(
                "court.enforcement.notice",
                notice,
                f"{case}通知",
                {
                    "case_number": case,
                    "court": COURT,
                    "performance_deadline": notice,
                    "listing_risk_warning": True,
                },
                subject=subject,
            )
        )
    out.append(
        _line(
            "court.enforcement.dishonesty_decision",
            decided,
            f"{case}决定",
            {"case_number": case, "court": COURT, "ground": "refuses_despite_ability"},
            subject=subject,
        )
    )
    return out


def _seq(ws: Workspace, identifier: str, record_type: str) -> int:
    return next(e.seq for e in ws.subject(identifier).entries if e.record_type == record_type)


def _outcome(ws: Workspace, identifier: str, day: date, by: str | None = None) -> str:
    return ws.check(
        identifier, "air_travel.book", as_of=day, asked_by=by, purpose="ticket sale"
    ).outcome


def _variant(tmp: Path, *, notice: bool = False, suspends: bool = False) -> Path:
    """The national pack with the dishonest list's notice served through the workflow (10 days
    to object), or with objections suspending measures: test packs, not shipped rules."""
    pack = tmp / "pack"
    shutil.copytree(shipped_pack("national"), pack)
    lists = pack / "lists" / "dishonest_judgment_debtors.yaml"
    text = lists.read_text(encoding="utf-8")
    if notice:
        start = text.index("notice:\n")
        end = text.index("objection:\n")
        text = (
            text[:start]
            + "notice:\n  before_listing: true\n  workflow: true\n  objection_days: 10\n"
            "  legal_basis:\n    - {source: sc-2020-49, article: para 8}\n" + text[end:]
        )
        lists.write_text(text, encoding="utf-8")
    if suspends:
        p = pack / "pack.yaml"
        p.write_text(
            p.read_text(encoding="utf-8").replace("    suspends: false\n", "    suspends: true\n"),
            encoding="utf-8",
        )
    return pack


# --- notice → objection within the period → the listing never takes effect -----------------------


def test_notice_objection_within_the_period_and_the_listing_never_takes_effect(
    tmp_path: Path,
) -> None:
    ws = Workspace.init(tmp_path / "ws", pack=_variant(tmp_path, notice=True), today=TODAY)
    _ingest(
        ws,
        tmp_path,
        *_debtor("(2026)京0105执7号", "2026-09-01", notice="2026-08-03"),
        *_debtor("(2026)京0105执8号", "2026-09-01", notice="2026-08-03", subject=OTHER),
    )
    ws.evaluate(as_of=date(2026, 9, 2))
    dp = ws.dueprocess
    for who in (PERSON, OTHER):
        seq = _seq(ws, who, "court.enforcement.dishonesty_decision")
        served = dp.issue_notice(
            who,
            seq,
            "dishonest_judgment_debtors",
            actor=COURT,
            reasons="able to perform the judgment but refuses",
            to=f"{who}@example.invalid",
            on=date(2026, 9, 25),
        )
        # 10 days from 25 September end on 5 October, in the National Day holiday (1-7
        # October 2026): the period runs until Thursday 8 October
        assert served.notice is not None and served.notice.objection_by.on == date(2026, 10, 8)
    # PERSON objects on the last day; OTHER does not
    filed = dp.file_objection(
        PERSON,
        _seq(ws, PERSON, "court.enforcement.dishonesty_decision"),
        grounds="paid in full",
        on=date(2026, 10, 8),
    )
    dp.decide(filed.case, actor=COURT, upheld=True, reasons="payment proved", on=date(2026, 10, 20))
    for day in (date(2026, 9, 2), date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 19),
                date(2026, 10, 20), date(2026, 11, 20)):  # fmt: skip
        ws.evaluate(as_of=day)
        assert _outcome(ws, PERSON, day) == "allow", day  # never took effect
        expected = "restrict" if day >= date(2026, 10, 9) else "allow"
        assert _outcome(ws, OTHER, day) == expected, day
    # before the notice's period, the subject is told why the listing is held
    ws.evaluate(as_of=date(2026, 10, 8))
    held = ws.check(OTHER, "air_travel.book", audience="subject")
    assert "notice_pending" in {r.code.value for r in held.reasons}
    # with the day it takes effect, as the notice served says
    assert any(
        getattr(r, "held", "").startswith("held until 2026-10-09: notice NOT-2026-")
        for r in held.reasons
    )
    # the notices went through the outbox, with reasons, basis, rights and the deadline
    sent = sorted((ws.settings.path(ws.settings.outbox_dir)).glob("*.eml"))
    assert len(sent) == 2
    body = email.message_from_bytes(sent[0].read_bytes()).get_payload(decode=True)
    assert isinstance(body, bytes)
    text = body.decode("utf-8")
    assert "until 2026-10-08" in text and "Reasons: able to perform" in text and "para 8" in text


def test_engines_agree_on_a_workflow_notice_list_without_steps(tmp_path: Path) -> None:
    """Without steps, every engine holds a listing that needs a workflow notice."""
    ws = Workspace.init(tmp_path / "ws", pack=_variant(tmp_path, notice=True), today=TODAY)
    _ingest(ws, tmp_path, *_debtor("(2026)京0105执7号", "2026-09-01"))
    with ws.ledger(read_only=True) as store:
        con = store.connection  # type: ignore[attr-defined]
        sql = DuckDBEngine(con).evaluate(ws.pack, date(2026, 11, 1))
        rows = con.execute(f"SELECT {', '.join(ENTRY_COLUMNS)} FROM entries").fetchall()
    ref = reference.evaluate(ws.pack, rows, date(2026, 11, 1))
    assert sql.sorted() == ref.sorted()
    assert {r[7] for r in sql["listings"]} == {"notice_missing"}


# --- a disputed record: measures suspended or not, as the pack says -------------------------------


@pytest.mark.parametrize("suspends", [False, True])
def test_a_disputed_record_suspends_its_measures_only_where_the_pack_says(
    tmp_path: Path, suspends: bool
) -> None:
    pack = _variant(tmp_path, suspends=True) if suspends else shipped_pack("national")
    ws = Workspace.init(tmp_path / "ws", pack=pack, today=TODAY)
    _ingest(ws, tmp_path, *_debtor("(2026)京0105执9号", "2026-03-02", notice="2026-02-02"))
    seq = _seq(ws, PERSON, "court.enforcement.dishonesty_decision")
    filed = ws.dueprocess.file_objection(PERSON, seq, grounds="not me", on=date(2026, 3, 10))
    ws.dueprocess.decide(
        filed.case, actor=COURT, upheld=False, reasons="it is", on=date(2026, 3, 20)
    )
    during, after = date(2026, 3, 15), date(2026, 3, 21)
    ws.evaluate(as_of=during)
    # SPC Fa Shi [2017] No. 7: the listing stands while the objection is decided
    assert _outcome(ws, PERSON, during) == ("allow" if suspends else "restrict")
    if suspends:
        why = ws.check(PERSON, "air_travel.book", audience="subject")
        assert "disputed" in {r.code.value for r in why.reasons}
    ws.evaluate(as_of=after)
    assert _outcome(ws, PERSON, after) == "restrict"


# --- objection upheld → record corrected → past decisions listed, relying parties told ------------


@pytest.mark.parametrize("correct", [False, True])
def test_upheld_objection_reaches_every_past_decision_and_its_relying_parties(
    tmp_path: Path, correct: bool
) -> None:
    ws = Workspace.init(tmp_path / "ws", today=TODAY)
    _ingest(
        ws,
        tmp_path,
        *_debtor("(2026)京0105执1号", "2026-03-02", notice="2026-02-02"),
        *_debtor("(2026)京0105执2号", "2026-03-02", notice="2026-02-02", subject=OTHER),
    )
    ws.evaluate(as_of=date(2026, 3, 4))
    for by in ("airline 3U", "railway 12306", "airline 3U"):
        assert (
            ws.check(PERSON, "air_travel.book", asked_by=by, purpose="sale").outcome == "restrict"
        )
    ws.check(OTHER, "air_travel.book", asked_by="airline CA", purpose="sale")  # not about PERSON
    ws.check(PERSON, "air_travel.book", audience="subject")  # the subject's own look
    seq = _seq(ws, PERSON, "court.enforcement.dishonesty_decision")
    dp = ws.dueprocess
    filed = dp.file_objection(PERSON, seq, grounds="the debt was paid", on=date(2026, 3, 4))
    assert filed.objection is not None and filed.objection.review_by.on == date(2026, 3, 19)
    dp.review(filed.case, actor=COURT, on=date(2026, 3, 5))
    values = {
        "case_number": "(2026)京0105执1号",
        "court": COURT,
        "ground": "refuses_despite_ability",
        "amount_unperformed": "0.00",
    }
    done = dp.decide(
        filed.case,
        actor=COURT,
        upheld=True,
        reasons="payment proved",
        on=date(2026, 3, 6),
        correct=values if correct else None,
    )
    assert done.objection is not None and done.objection.state is ObjectionState.upheld
    assert done.objection.correct_by.on == date(2026, 3, 11)  # 3 working days: Mon 9 to Wed 11
    # every past decision that rested on the record, and only those, is listed
    assert done.reach is not None
    assert [line["asked_by"] for line in done.reach.decisions] == [
        "airline 3U",
        "railway 12306",
        "airline 3U",
        None,
    ]
    # its relying parties (not the subject, not the party asking about someone else) are told
    assert [party for party, _ in done.reach.notified] == ["airline 3U", "railway 12306"]
    box = ws.settings.path(ws.settings.outbox_dir)
    assert len(list(box.glob("*.eml"))) == 2
    # the act is in the ledger, with the step, and the subject re-evaluated at once
    kinds = [(e.entry_kind.value, e.refers_to) for e in ws.subject(PERSON).entries]
    assert ("correction" if correct else "revocation", seq) in kinds
    later = date(2026, 3, 6)
    ws.evaluate(as_of=later)
    if not correct:
        assert _outcome(ws, PERSON, later) == "allow"
    # no decision after the correction uses the record as it was
    with ws.ledger(read_only=True) as store:
        con = store.connection  # type: ignore[attr-defined]
        listed = con.execute(
            "SELECT count(*) FROM index_listings WHERE anchor_seq = ?", [seq]
        ).fetchone()
    # corrected: its listings rest on the corrected record (the dishonest list and the
    # restriction resting on it); revoked: none
    assert listed is not None and listed[0] == (2 if correct else 0)


def test_a_batch_check_is_seen_by_its_subject_and_reached_by_a_correction(
    tmp_path: Path,
) -> None:
    """A batch is one decision log line; the subject still sees the check (who asked, why),
    an auditor's filter finds it, and an upheld objection tells the batch's relying party."""
    from xinyong.storage.decisionlog import LogFilter

    ws = Workspace.init(tmp_path / "ws", today=TODAY)
    _ingest(ws, tmp_path, *_debtor("(2026)京0105执1号", "2026-03-02", notice="2026-02-02"))
    ws.evaluate(as_of=date(2026, 3, 4))
    found = ws.quick.check_batch(
        [OTHER, PERSON, "not an id", FIRM], "air_travel.book", asked_by="bank 9", purpose="loan"
    )
    assert not isinstance(found, list), "answered from the hot file"
    log = ws.settings.path(ws.settings.decision_log).read_text(encoding="utf-8").splitlines()
    assert len(log) == 1, "one line for the batch"
    key = ws.subject_key(PERSON)
    seen = ws.decision_log(LogFilter(subject_key=key), offset=0, limit=10)
    assert [(x["asked_by"], x["purpose"], x["outcome"], x["audience"]) for x in seen] == [
        ("bank 9", "loan", "restrict", "relying_party")
    ]
    assert seen[0]["measures"] and seen[0]["action"] == "air_travel.book"
    # the auditor's view: every subject of the batch, each with its own answer
    every = ws.decision_log(LogFilter(asked_by="bank 9"), offset=0, limit=10)
    assert [x["subject_key"] for x in every] == [
        ws.subject_key(OTHER),
        key,
        ws.subject_key(FIRM),
    ]
    assert [x["outcome"] for x in every] == ["allow", "restrict", "allow"]
    assert ws.decision_log(LogFilter(outcome="restrict"), offset=0, limit=10) == seen
    assert ws.decision_log(LogFilter(asked_by="bank 9"), offset=1, limit=1) == [every[1]]
    seq = _seq(ws, PERSON, "court.enforcement.dishonesty_decision")
    dp = ws.dueprocess
    filed = dp.file_objection(PERSON, seq, grounds="the debt was paid", on=date(2026, 3, 4))
    dp.review(filed.case, actor=COURT, on=date(2026, 3, 5))
    done = dp.decide(filed.case, actor=COURT, upheld=True, reasons="paid", on=date(2026, 3, 6))
    assert done.reach is not None
    assert [(x["asked_by"], x["subject_key"]) for x in done.reach.decisions] == [("bank 9", key)]
    assert [party for party, _ in done.reach.notified] == ["bank 9"]


# --- credit restoration ---------------------------------------------------------------------------


def _penalty(severity: str, decided: str, ref: str, record_type: str = "admin.penalty.tax") -> str:
    return _line(
        record_type,
        decided,
        ref,
        {
            "decision_number": ref,
            "authority_name": "福州市税务局",
            "penalty_kind": "fine",
            "fine_amount": "20000.00",
            "severity": severity,
        },
        subject=FIRM,
        scheme="uscc",
        kind="enterprise",
        provider="tax.example",
    )


def test_restoration_refused_before_the_minimum_and_granted_after(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws", today=TODAY)
    _ingest(ws, tmp_path, _penalty("serious", "2025-03-03", "闽税罚〔2025〕12号"))
    seq = _seq(ws, FIRM, "admin.penalty.tax")
    dp = ws.dueprocess
    conditions = ["conduct_corrected", "public_credit_commitment"]
    early = dp.apply_restoration(
        FIRM, seq, attested=conditions, commitment="We keep the tax law.", on=date(2026, 2, 10)
    )
    # serious: at least 1 year from 3 March 2025; refused with the reasons and what to do next
    assert early.restoration is not None
    assert early.restoration.state is RestorationState.refused
    assert "possible from 2026-03-03" in early.restoration.reasons
    assert "apply again from 2026-03-03" in early.remedy and "2028-03-03" in early.remedy
    assert [e.actor for e in early.steps] == [f"uscc:{FIRM}", "system"]
    with pytest.raises(Refused) as missing:  # a condition unmet: refused, and said which
        dp.decide_restoration(early.case, actor="福州市税务局", granted=True, reasons="ok")
    assert missing.value.remedy
    applied = dp.apply_restoration(
        FIRM, seq, attested=conditions, commitment="We keep the tax law.", on=date(2026, 3, 3)
    )
    assert applied.state == "applied"
    granted = dp.decide_restoration(
        applied.case, actor="福州市税务局", granted=True, reasons="fine paid", on=date(2026, 3, 6)
    )
    assert granted.restoration is not None
    assert granted.restoration.effect_by.on == date(2026, 3, 11)  # Fri 6 + 3 working days
    shown = dp.subject(FIRM).displays[0]
    assert shown.restored_on == date(2026, 3, 6)
    assert shown.state(date(2026, 3, 6)).startswith("restored")
    with pytest.raises(Refused):  # nothing left to restore
        dp.apply_restoration(FIRM, seq, attested=conditions, commitment="x", on=date(2026, 4, 1))


def test_a_refused_application_without_a_condition_names_it(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws", today=TODAY)
    _ingest(ws, tmp_path, _penalty("general", "2025-06-30", "闽税罚〔2025〕30号"))
    seq = _seq(ws, FIRM, "admin.penalty.tax")
    out = ws.dueprocess.apply_restoration(
        FIRM, seq, attested=["conduct_corrected"], on=date(2025, 10, 8)
    )
    assert out.restoration is not None and out.restoration.state is RestorationState.refused
    assert "public_credit_commitment" in out.restoration.reasons


def test_display_ends_at_the_maximum_period_with_nobody_acting(tmp_path: Path) -> None:
    from tests.unit.engines.pack_builders import scored_pack

    ws = Workspace.init(tmp_path / "ws", today=TODAY)
    market = "admin.penalty.market_regulation"
    _ingest(ws, tmp_path, _penalty("general", "2025-06-30", "榕市监罚〔2025〕30号", market))
    size = len(ws.subject(FIRM).entries)
    shown = ws.dueprocess.subject(FIRM).displays[0]
    assert (shown.may_apply_from, shown.ends_on) == (date(2025, 9, 30), date(2026, 6, 30))
    assert "displayed until 2026-06-30" in shown.state(date(2026, 6, 29))
    assert shown.state(date(2026, 6, 30)) == "display ended on 2026-06-30 (maximum period)"
    # the engines stop counting it the same day, with no entry appended by anyone
    pack = scored_pack(ws.pack)
    rows = [
        (e.seq, e.entry_kind.value, e.refers_to, e.record_type, e.subject_key,
         e.subject_kind.value if e.subject_kind else None, e.subject_birth_date, e.decision_date,
         e.attributes)
        for e in ws.subject(FIRM).entries
    ]  # fmt: skip
    for day, live in ((date(2026, 6, 29), 1), (date(2026, 6, 30), 0)):
        items = reference.evaluate(pack, rows, day)["score_items"]
        counted = sum(int(r[3]) for r in items if r[2] == "penalties")
        assert counted == live, day
    assert len(ws.subject(FIRM).entries) == size


# --- deadlines on the working-day calendar ---------------------------------------------------


def test_spring_festival_deadline_and_the_swapped_saturday(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws", today=TODAY)
    _ingest(ws, tmp_path, *_debtor("(2026)京0105执3号", "2026-01-20", notice="2026-01-05"))
    seq = _seq(ws, PERSON, "court.enforcement.dishonesty_decision")
    dp = ws.dueprocess
    # filed 1 February 2026: 15 days end on 16 February, in the Spring Festival holiday
    # (15-23 February): review is due on Tuesday 24 February
    filed = dp.file_objection(PERSON, seq, grounds="wrong person", on=date(2026, 2, 1))
    assert filed.objection is not None and filed.objection.review_by.on == date(2026, 2, 24)
    # upheld Friday 13 February: Saturday 14 is a swapped working day and counts, the holiday
    # does not: corrected by Wednesday 25 February
    done = dp.decide(filed.case, actor=COURT, upheld=True, reasons="wrong", on=date(2026, 2, 13))
    assert done.objection is not None and done.objection.correct_by.on == date(2026, 2, 25)


def test_overdue_review_is_flagged_and_late_reconsideration_refused(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws", today=TODAY)
    _ingest(
        ws,
        tmp_path,
        *_debtor("(2026)京0105执4号", "2026-03-02", notice="2026-02-02"),
        *_debtor("(2026)京0105执5号", "2026-03-02", notice="2026-02-02", subject=OTHER),
    )
    dp = ws.dueprocess
    late = dp.file_objection(
        OTHER,
        _seq(ws, OTHER, "court.enforcement.dishonesty_decision"),
        grounds="x",
        on=date(2026, 6, 1),
    )
    assert [o.case for o in dp.overdue()] == [late.case]  # due 16 June, today 22 November
    seq = _seq(ws, PERSON, "court.enforcement.dishonesty_decision")
    filed = dp.file_objection(PERSON, seq, grounds="wrong", on=date(2026, 3, 2))
    dp.decide(filed.case, actor=COURT, upheld=False, reasons="right", on=date(2026, 3, 10))
    size = len(ws.subject(PERSON).entries)
    with pytest.raises(Refused) as refused:
        dp.reconsider(filed.case, grounds="still wrong", on=date(2026, 3, 23))
    assert "by 2026-03-20" in refused.value.reasons[0]
    assert refused.value.remedy
    assert len(ws.subject(PERSON).entries) == size  # nothing recorded
    with pytest.raises(Refused):  # one open objection per record
        dp.file_objection(OTHER, late.objection.record_seq if late.objection else 0, grounds="y",
                          on=date(2026, 6, 2))  # fmt: skip
    again = dp.reconsider(filed.case, grounds="new evidence", on=date(2026, 3, 20))
    assert again.objection is not None and again.objection.reconsideration_by.on == date(2026, 4, 7)
