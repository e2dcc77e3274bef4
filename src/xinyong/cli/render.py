"""Rich rendering of what the façade returns; no logic beyond presentation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xinyong.domain.decision import (
    Barred,
    Decision,
    Disputed,
    Excluded,
    GradeNotMet,
    ListingEnded,
    ListingReason,
    MeasureApplies,
    NoMeasureApplies,
    NoRecords,
    NoticePending,
    NotListed,
    Reason,
    RecordRef,
)
from xinyong.domain.governance import REQUIRED_APPROVALS

if TYPE_CHECKING:
    from xinyong.activation import ApprovalResult, PackState
    from xinyong.demo import DemoRun
    from xinyong.domain.access import ApiKey
    from xinyong.domain.results import Results
    from xinyong.ingest.pipeline import IngestReport
    from xinyong.ingest.pipeline import Progress as ProgressFn
    from xinyong.policy import Pack
    from xinyong.service import SubjectView, Workspace
    from xinyong.storage.base import VerifyReport

console = Console(highlight=False, soft_wrap=True)


def _say(text: str) -> None:
    console.print(text, markup=False)


def say(text: str) -> None:
    """One plain line of a command's output."""
    _say(text)


@contextmanager
def progress() -> Iterator[ProgressFn]:
    """A progress callback drawing one bar per phase (shown only on a terminal)."""
    bar = Progress(
        TextColumn("{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, int] = {}

    def report(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = int(bar.add_task(phase, total=max(total, 1)))
        bar.update(tasks[phase], completed=done, total=max(total, 1))  # type: ignore[arg-type]

    with bar:
        yield report


def workspace_created(workspace: Workspace) -> None:
    s = workspace.settings
    _say(f"Created workspace {s.workspace}")
    _say(f"  pack        {workspace.pack.name} {workspace.pack.version}")
    if s.ledger_store == "postgres":
        _say(f"  ledger      PostgreSQL schema {s.ledger_schema} (decision index {s.database})")
    else:
        _say(f"  ledger      {s.path(s.database)}")
    _say(f"  checkpoints {s.path(s.checkpoint_dir)}")
    _say(f"  keys        {s.keys_path()} (secret; outside the workspace)")
    pin = workspace.pinned_key()
    if pin is not None:
        _say(f"  public key  {workspace.public_key_file()}")
        _say(f"  verifier    {pin.verifier}")
        _say(f"  fingerprint {pin.fingerprint}")
        _say("Publish the verifier key (or the fingerprint) where the ledger's operator cannot")
        _say(
            f"change it; verify with: xinyong verify -w {s.workspace} "
            f"--key {workspace.public_key_file()}"
        )


def id_check(scheme: str, value: str, problem: str | None, warning: str | None = None) -> None:
    if problem is None:
        _say(f"{scheme} {value}: valid")
        if warning is not None:
            Console(stderr=True).print(f"warning: {warning}", markup=False, style="yellow")
    else:
        console.print(f"{scheme} {value}: invalid: {problem}", markup=False, style="red")


def pack_valid(pack: Pack) -> None:
    cat = pack.catalogue
    _say(f"{pack.path}: valid pack {pack.name} ({pack.version})")
    _say(
        f"  {len(cat.record_types)} record types, {len(pack.lists)} lists, "
        f"{len(pack.schemes)} schemes, {len(pack.measures)} measures, {len(pack.sources)} sources"
    )
    root = f"{pack.path}/"
    if pack.exceptions:
        # every waived screen finding is shown, so that an `allow:` is reviewed, never silent
        _say(f"  {len(pack.exceptions)} reviewed exception(s) to the meaning screen (allow:):")
        for p in pack.exceptions:
            _say(f"    {p.header().removeprefix(root)}")
    if pack.warnings:
        _say(f"  {len(pack.warnings)} warning(s):")
        for p in pack.warnings:
            _say(f"    {p.header().removeprefix(root)}")


def pack_proposed(pack: Pack) -> None:
    _say(f"proposed pack {pack.name} {pack.version}")
    _say("  it comes into force when two different authorities approve this version:")
    _say(f"  xinyong pack approve {pack.version} --as NAME")


def pack_approved(result: ApprovalResult) -> None:
    n = len(result.approvers)
    if result.activated:
        _say(f"pack {result.version} is now in force (approved by {', '.join(result.approvers)})")
        return
    repeat = "" if result.recorded else " (already approved by this approver: counted once)"
    count = f"{n} of {REQUIRED_APPROVALS} approvals"
    _say(f"approved {result.version}{repeat}: {count}, not in force yet")
    _say(f"  approved by: {', '.join(result.approvers)}")


def pack_status(state: PackState) -> None:
    gov = state.governance
    a = gov.in_force
    if a is None:
        _say("no pack is in force (no activation in the ledger)")
    else:
        who = ", ".join(a.approvers) if a.approvers else "bootstrap, by `xinyong init`"
        _say(f"in force: {a.version}")
        _say(f"  activated by entry #{a.seq} on {a.on.isoformat()} ({who})")
    if state.folder_version == gov.version:
        _say("  the pack folder is this pack")
    else:
        _say(f"  the pack folder is NOT the pack in force: it hashes to {state.folder_version}")
        _say("  evaluate and check refuse until it is restored or its version is approved")
    if gov.ignored:
        seqs = ", ".join(f"#{s}" for s in gov.ignored)
        _say(f"  activation entries not honoured (no two approvals behind them): {seqs}")
    versions = sorted({*state.proposals, *gov.pending} - {gov.version or ""})
    if versions:
        _say("proposed:")
    for v in versions:
        found = state.proposals.get(v)
        name = found.name if found else "(content not in this workspace)"
        approvers = [x.approver for x in gov.approvals(v)]
        count = f"{len(approvers)} of {REQUIRED_APPROVALS} approvals"
        _say(f"  {v} {name}: {count} {', '.join(approvers)}".rstrip())


def ingest(report: IngestReport) -> None:
    _say(f"Ingested {report.path} ({report.format}) in {report.seconds:.2f}s")
    table = Table(show_header=False, box=None, pad_edge=False)
    rows = [
        ("rows read", report.rows),
        ("accepted (appended)", report.accepted),
        ("already in the ledger", report.already_in_ledger),
        ("duplicates in the file", report.duplicates),
        ("rejected", report.rejected),
        ("batches committed", report.batches),
        ("ledger size", report.ledger_size),
    ]
    for label, value in rows:
        table.add_row(label, f"{value:,}")
    console.print(table)
    if report.rejects_path is not None:
        _say(f"Rejected rows with reasons: {report.rejects_path}")
    if report.root:
        _say(f"Ledger root: {report.root}")


def verify(report: VerifyReport) -> None:
    if report.key:
        _say(f"Pinned key {report.key}")
    if report.ok:
        _say(
            f"Ledger verified: {report.size:,} entries, root matches "
            f"{report.checkpoints} signed checkpoint(s)"
        )
        for note in report.notes:
            _say(f"  {note}")
        return
    console.print(f"Ledger verification FAILED ({len(report.problems)} problem(s)):", style="red")
    for problem in report.problems:
        _say(f"  - {problem}")


def subject(view: SubjectView, pack: Pack) -> None:
    _say(f"Subject {view.scheme} {view.identifier}")
    if view.subject_key != f"{view.scheme}:{view.identifier}":
        _say(f"  stored as pseudonym {view.subject_key} (the number itself is not stored)")
    if not view.entries:
        _say("  no entries in the ledger")
        return
    _say(f"  {len(view.entries)} entries (seq · decision date · kind · record type):")
    for e in view.entries:
        known = pack.catalogue.record_types.get(e.record_type)
        kind = e.entry_kind.value + (f" of #{e.refers_to}" if e.refers_to is not None else "")
        title = f" ({known.title})" if known else ""
        _say(f"  #{e.seq:<7} {e.decision_date.isoformat()}  {kind:<10} {e.record_type}{title}")
        _say(
            f"           document {e.document_ref} from {e.provider}, "
            f"received {e.received_at.strftime('%Y-%m-%d %H:%M:%SZ')}"
        )
        if e.attributes != "{}":
            _say(f"           {e.attributes}")


def demo(run: DemoRun) -> None:
    _say(f"Demo workspace: {run.workspace.settings.workspace}")
    _say(f"Pack: {run.workspace.pack.name} {run.workspace.pack.version}")
    _say(f"Sample: {run.sample.rows:,} rows about {len(run.sample.subjects):,} subjects")
    ingest(run.ingest)
    if run.rejects:
        _say("First rejected rows (line · reason):")
        for row in run.rejects:
            _say(f"  line {row['line']}: {row['reason']}")
    _say(
        f"Re-ingesting the same file appended {run.reingest.accepted} rows "
        f"({run.reingest.already_in_ledger:,} already in the ledger)."
    )
    verify(run.verify)
    for view in run.subjects:
        _say("")
        subject(view, run.workspace.pack)
    _say("")
    evaluation(run.evaluation, run.workspace.pack)
    for who, found in run.checks:
        _say("")
        _say(f"$ xinyong check {who.identifier} {found.action}")
        decision(found)


def evaluation(results: Results, pack: Pack) -> None:
    _say(f"Evaluated {pack.name} {pack.version} as of {results.as_of.isoformat()}")
    counts = results.counts()
    by_list: dict[str, int] = {}
    for row in results["memberships"]:
        by_list[row[1]] = by_list.get(row[1], 0) + 1
    table = Table("relation", "rows")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    held: dict[str, int] = {}
    for row in results["listings"]:
        if row[7] != "listed":
            held[row[1]] = held.get(row[1], 0) + 1
    for name in sorted(pack.lists):
        line = f"  {name}: {by_list.get(name, 0):,} subjects listed"
        if held.get(name):
            line += f" ({held[name]:,} listings held: no notice before listing)"
        _say(line)
    _say(f"result hash {results.hash()}")


def decision_json(decision: Decision) -> None:
    import json

    from pydantic import TypeAdapter

    from xinyong.domain.decision import Decision as D

    data = TypeAdapter(D).dump_python(decision, mode="json")
    print(json.dumps(data, ensure_ascii=False, indent=2))


def decision(decision: Decision) -> None:
    colour = {"restrict": "red", "reward": "green", "allow": "default"}[decision.outcome]
    console.print(
        f"[bold {colour}]{decision.outcome.upper()}[/] {decision.action} "
        f"as of {decision.as_of.isoformat()} ({decision.pack_name} {decision.pack_version[:19]})"
        f" for {decision.audience.value}"
    )
    for m in decision.measures:
        _say(f"  {m.kind} {m.name}: {m.title} — by {m.agency}")
        _say(f"    basis: {'; '.join(b.text for b in m.legal_basis)}")
        if m.officer is not None:
            _say(f"    {m.officer}")
            if m.officer.record is not None:
                r = m.officer.record
                _say(f"      role record #{r.seq} {r.title} of {r.decision_date} by {r.provider}")
        for lr in m.listings:
            until = lr.until.isoformat() if lr.until else "open"
            _say(f"    listed on {lr.list_name} ({lr.rule_name}) since {lr.since} until {until}")
            _say(f"      rule basis: {'; '.join(b.text for b in lr.legal_basis)}")
            if lr.record is not None:
                r = lr.record
                _say(
                    f"      record #{r.seq} {r.title} {r.document_ref} of {r.decision_date} "
                    f"by {r.provider}"
                )
        if m.grade is not None:
            g = m.grade
            _say(f"    grade {g.grade} ({g.points} points) on {g.scheme_name}")
            for item in g.items:
                _say(f"      {item.item_name}: {item.records} record(s), {item.points:+d}")
            for code in g.reasons:
                _say(f"      reason: {code.text}; {code.remedy}")
        for remedy in m.remedies:
            deadline = (
                f" (taken down within {remedy.deadline_working_days} working days)"
                if remedy.deadline_working_days is not None
                else ""
            )
            text = remedy.description or remedy.name
            _say(f"    remedy ({remedy.list_name}): {text}{deadline}")
    for reason in decision.reasons:
        for line in _reason(reason, decision):
            _say(line)
    for line in decision.objection:
        _say(f"  to object: {line}")


def _record_line(r: RecordRef | None, prefix: str = "      ") -> list[str]:
    if r is None:
        return []
    said = ", ".join(f"{k}: {v}" for k, v in r.attributes.items())
    line = (
        f"{prefix}record #{r.seq} {r.title} {r.document_ref} of {r.decision_date} by {r.provider}"
    )
    return [line, *([f"{' ' * 8}{said}"] if said else [])]


def _listing_line(lr: ListingReason) -> str:
    via = f", resting on its listing on {lr.via_list}" if lr.via_list else ""
    return f"{lr.list_name} ({lr.rule_name}) from {lr.since}{via}"


def _reason(reason: Reason, decision: Decision) -> list[str]:
    """Lines for one reason; `measure_applies` is the measure's own block above."""
    if isinstance(reason, MeasureApplies):
        return []
    if isinstance(reason, NoMeasureApplies):
        return [f"  no measure touching {decision.action} applies"]
    if isinstance(reason, NoRecords):
        return [
            f"  no_records: the ledger holds nothing about the subject decided by {decision.as_of}"
        ]
    if isinstance(reason, NotListed):
        return [
            f"  not_listed: not on {reason.list_name} ({reason.list_title}); not applied: "
            f"{', '.join(reason.measures)}"
        ]
    if isinstance(reason, NoticePending):
        until = reason.listing.until.isoformat() if reason.listing.until else "open"
        why = reason.held or "held: the subject was not notified before listing"
        return [
            f"  notice_pending: {_listing_line(reason.listing)} until {until} is {why} "
            f"({'; '.join(b.text for b in reason.notice_basis)})",
            *_record_line(reason.listing.record),
        ]
    if isinstance(reason, Disputed):
        return [
            f"  disputed: {_listing_line(reason.listing)} is held while an objection to its "
            f"record is decided ({'; '.join(b.text for b in reason.objection_basis)})",
            *_record_line(reason.listing.record),
        ]
    if isinstance(reason, Excluded):
        why = (
            f"younger than {reason.age_under} on {reason.listing.since}"
            if reason.age_under is not None
            else "the exclusion's conditions hold"
        )
        return [
            f"  excluded: not listed on {_listing_line(reason.listing)}: exclusion "
            f"{reason.exclusion}, {why} ({'; '.join(b.text for b in reason.legal_basis)})",
            *_record_line(reason.listing.record),
            *_record_line(reason.record, "      barred by "),
        ]
    if isinstance(reason, Barred):
        return [
            f"  barred: not listed on {_listing_line(reason.listing)}: a record bars the rule",
            *_record_line(reason.listing.record),
            *_record_line(reason.record, "      barred by "),
        ]
    if isinstance(reason, ListingEnded):
        if reason.exit is not None:
            how = f"{reason.exit.name}: {reason.exit.description or reason.exit.name}"
        elif reason.listing.via_list:
            how = "the listing it rests on ended"
        else:
            how = "its term ran out"
        return [
            f"  listing_ended: {_listing_line(reason.listing)} ended on {reason.ended_on} ({how})",
            *_record_line(reason.listing.record),
            *_record_line(reason.record, "      ended by "),
        ]
    if isinstance(reason, GradeNotMet):
        grade = reason.grade or "no grade"
        return [
            f"  grade_not_met: {grade} on {reason.scheme_name}; "
            f"{', '.join(reason.measures)} need {', '.join(reason.grades)}"
        ]
    return [f"  {reason.code}"]


def key_created(key: ApiKey, token: str) -> None:
    _say(f"Created API key {key.key_id} ({key.role.value}, {key.name})")
    _say(f"  expires {key.expires_at:%Y-%m-%d %H:%M} UTC")
    _say("The token is shown this once; it is not stored anywhere:")
    print(token)


def keys(found: list[ApiKey]) -> None:
    table = Table("id", "role", "name", "scope", "expires", "revoked")
    for k in found:
        s = k.scope
        scope = "; ".join(
            part
            for part in (
                f"authority {s.authority}" if s.authority else "",
                f"types {', '.join(s.record_types)}" if s.record_types else "",
                f"actions {', '.join(s.actions)}" if s.actions else "",
                f"purpose {s.purpose}" if s.purpose else "",
                f"subject {s.subject_key[:12]}…" if s.subject_key else "",
            )
            if part
        )
        revoked = f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else ""
        table.add_row(k.key_id, k.role.value, k.name, scope, f"{k.expires_at:%Y-%m-%d}", revoked)
    console.print(table)
