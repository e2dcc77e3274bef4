"""`xinyong notice|objection|restoration …`: the due-process workflows, for the subject and the
authority. Every step is a ledger entry with who (`--as`) and when (`--on`, default today); a
refused step exits 1 with its reasons and the next remedy, and records nothing."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from xinyong.dueprocess.workflows import Outcome, SubjectProcess, parse_attributes
from xinyong.service import Workspace

notice_app = typer.Typer(help="Notices before listing: issue one (sent through the channel).")
objection_app = typer.Typer(
    help="Objections to a record: file, review, uphold, reject, reconsider, decide, overdue."
)
restoration_app = typer.Typer(help="Credit restoration: apply, grant, refuse.")

WorkspaceOpt = Annotated[
    Path,
    typer.Option("--workspace", "-w", envvar="XINYONG_WORKSPACE", help="Workspace folder."),
]
OnOpt = Annotated[
    datetime | None,
    typer.Option("--on", formats=["%Y-%m-%d"], help="The day of the step (default: today)."),
]
ActorOpt = Annotated[
    str, typer.Option("--as", help="Who takes the step: the authority's name (recorded).")
]
SchemeOpt = Annotated[
    str | None, typer.Option(help="Identifier scheme (default: the one it fits).")
]


def _day(on: datetime | None) -> date | None:
    return on.date() if on else None


def show(out: Outcome) -> None:
    """A step's outcome: the case, its state, the steps recorded and what comes next."""
    typer.echo(f"{out.case}: {out.state}")
    for e in out.steps:
        typer.echo(f"  step #{e.seq} {e.type} by {e.actor} on {e.on}")
    o = out.objection
    if o is not None and o.state.value in ("filed", "under_review"):
        typer.echo(f"  review due by {o.review_by}")
    if o is not None and o.reasons:
        typer.echo(f"  reasons: {o.reasons}")
    if out.notice is not None and out.notice.objection_by is not None:
        typer.echo(
            f"  served through {out.notice.channel}; objections until {out.notice.objection_by}"
        )
    r = out.restoration
    if r is not None and r.reasons:
        typer.echo(f"  reasons: {r.reasons}")
    if out.reach is not None:
        n = len(out.reach.decisions)
        typer.echo(f"  record #{out.reach.record_seq}: {n} past decision(s) rested on it")
        for line in out.reach.decisions:
            typer.echo(
                f"    {line['asked_at']} {line['action']} -> {line['outcome']} "
                f"(asked by {line.get('asked_by')}, {line.get('audience')})"
            )
        for party, where in out.reach.notified:
            typer.echo(f"    notified {party}: outbox {where}")
    typer.echo(f"  next: {out.remedy}")


def subject_process(found: SubjectProcess, today: date) -> None:
    """The due-process part of `subject show`: notices, objections, restoration status."""
    if not (found.notices or found.objections or found.displays):
        return
    typer.echo("  due process:")
    for n, effective in found.notices:
        when = f"takes effect {effective}" if effective else "held (not in effect)"
        if n.objection_by is not None and n.objection_by.pending is not None:
            when = (
                f"held until the {n.objection_by.pending} working-day arrangement is loaded "
                "(the period's end cannot be computed before)"
            )
        typer.echo(
            f"    notice {n.case} on {n.list_name} for record #{n.record_seq}: served "
            f"{n.served_on}, objections until {n.objection_by}; {when}"
        )
    for o in found.objections:
        flag = " OPEN" if o.open else ""
        typer.echo(
            f"    objection {o.case} to record #{o.record_seq}:{flag} {o.state.value}; "
            f"next: {o.next_remedy()}"
        )
    for d in found.displays:
        r = d.restoration
        app = f"; application {r.case} {r.state.value}" if r is not None else ""
        typer.echo(f"    record #{d.record_seq} ({d.tier}): {d.state(today)}{app}")
    for late in found.overdue:
        typer.echo(f"    OVERDUE {late.case}: {late.what}")


@notice_app.command("issue")
def notice_issue(  # noqa: PLR0917 - typer maps parameters to options
    identifier: Annotated[str, typer.Argument(help="The subject's USCC or resident ID number.")],
    record: Annotated[int, typer.Option(help="Seq of the record the listing would rest on.")],
    list_name: Annotated[str, typer.Option("--list", help="The list it would start.")],
    reasons: Annotated[str, typer.Option(help="The reasons for the listing.")],
    to: Annotated[str, typer.Option(help="Where to send it: the subject's address.")],
    actor: ActorOpt,
    workspace: WorkspaceOpt = Path("."),
    on: OnOpt = None,
    scheme: SchemeOpt = None,
) -> None:
    """Notify the subject before listing (reasons, basis, rights, deadline to object), send it
    through the notice channel (outbox or SMTP) and record it issued and served. The listing
    takes effect only after the objection period, and not while an objection is decided."""
    ws = Workspace.open(workspace)
    show(
        ws.dueprocess.issue_notice(
            identifier,
            record,
            list_name,
            actor=actor,
            reasons=reasons,
            to=to,
            on=_day(on),
            scheme=scheme,
        )
    )


@objection_app.command("file")
def objection_file(  # noqa: PLR0917 - typer maps parameters to options
    identifier: Annotated[str, typer.Argument(help="Your USCC or resident ID number.")],
    record: Annotated[int, typer.Option(help="Seq of the record objected to.")],
    grounds: Annotated[str, typer.Option(help="Why the record (or its listing) is wrong.")],
    workspace: WorkspaceOpt = Path("."),
    on: OnOpt = None,
    scheme: SchemeOpt = None,
) -> None:
    """The subject objects to one of its records and the listings resting on it."""
    ws = Workspace.open(workspace)
    show(
        ws.dueprocess.file_objection(
            identifier, record, grounds=grounds, on=_day(on), scheme=scheme
        )
    )


@objection_app.command("review")
def objection_review(
    case: Annotated[str, typer.Argument(help="The objection's case number.")],
    actor: ActorOpt,
    workspace: WorkspaceOpt = Path("."),
    on: OnOpt = None,
) -> None:
    """The authority takes the objection under review."""
    show(Workspace.open(workspace).dueprocess.review(case, actor=actor, on=_day(on)))


@objection_app.command("uphold")
def objection_uphold(  # noqa: PLR0917 - typer maps parameters to options
    case: Annotated[str, typer.Argument(help="The objection's case number.")],
    actor: ActorOpt,
    reasons: Annotated[str, typer.Option(help="The reasons of the decision.")],
    correct: Annotated[
        str | None,
        typer.Option(help="Correct the record to these attributes (JSON); default: revoke it."),
    ] = None,
    workspace: WorkspaceOpt = Path("."),
    on: OnOpt = None,
) -> None:
    """Uphold the objection: the record is revoked (or corrected) in the same step, the subject
    re-evaluated at once, and every past decision that rested on it listed, its relying parties
    notified."""
    ws = Workspace.open(workspace)
    show(
        ws.dueprocess.decide(
            case,
            actor=actor,
            upheld=True,
            reasons=reasons,
            on=_day(on),
            correct=parse_attributes(correct),
        )
    )


@objection_app.command("reject")
def objection_reject(
    case: Annotated[str, typer.Argument(help="The objection's case number.")],
    actor: ActorOpt,
    reasons: Annotated[str, typer.Option(help="The reasons of the decision.")],
    workspace: WorkspaceOpt = Path("."),
    on: OnOpt = None,
) -> None:
    """Reject the objection, with reasons; the subject may ask for reconsideration."""
    ws = Workspace.open(workspace)
    show(ws.dueprocess.decide(case, actor=actor, upheld=False, reasons=reasons, on=_day(on)))


@objection_app.command("reconsider")
def objection_reconsider(
    case: Annotated[str, typer.Argument(help="The objection's case number.")],
    grounds: Annotated[str, typer.Option(help="Why the rejection is wrong.")],
    workspace: WorkspaceOpt = Path("."),
    on: OnOpt = None,
) -> None:
    """The subject takes a rejection to reconsideration (within the pack's days)."""
    show(Workspace.open(workspace).dueprocess.reconsider(case, grounds=grounds, on=_day(on)))


@objection_app.command("decide")
def objection_decide(  # noqa: PLR0917 - typer maps parameters to options
    case: Annotated[str, typer.Argument(help="The objection's case number.")],
    actor: ActorOpt,
    reasons: Annotated[str, typer.Option(help="The reasons of the decision.")],
    uphold: Annotated[
        bool, typer.Option("--uphold/--reject", help="Uphold the objection, or reject it.")
    ],
    correct: Annotated[
        str | None,
        typer.Option(help="Upheld: correct the record to these attributes (JSON); else revoke."),
    ] = None,
    workspace: WorkspaceOpt = Path("."),
    on: OnOpt = None,
) -> None:
    """The reconsidering authority decides; final in the workflow."""
    ws = Workspace.open(workspace)
    show(
        ws.dueprocess.decide(
            case,
            actor=actor,
            upheld=uphold,
            reasons=reasons,
            on=_day(on),
            correct=parse_attributes(correct),
            reconsideration=True,
        )
    )


@objection_app.command("overdue")
def objection_overdue(workspace: WorkspaceOpt = Path(".")) -> None:
    """Cases the authorities are late with today (objections and restorations)."""
    found = Workspace.open(workspace).dueprocess.overdue()
    if not found:
        typer.echo("no case is overdue")
    for o in found:
        typer.echo(f"{o.case} (subject {o.subject_key}): {o.what}")


@restoration_app.command("apply")
def restoration_apply(  # noqa: PLR0917 - typer maps parameters to options
    identifier: Annotated[str, typer.Argument(help="Your USCC or resident ID number.")],
    record: Annotated[int, typer.Option(help="Seq of the record whose display should end.")],
    attest: Annotated[
        list[str] | None,
        typer.Option(help="A condition of the pack you meet (repeatable)."),
    ] = None,
    commitment: Annotated[
        str, typer.Option(help="The text of your public credit commitment.")
    ] = "",
    workspace: WorkspaceOpt = Path("."),
    on: OnOpt = None,
    scheme: SchemeOpt = None,
) -> None:
    """Apply for credit restoration. Before the minimum display period, or without a condition,
    the application is recorded and refused at once, with the reasons and the next remedy."""
    ws = Workspace.open(workspace)
    show(
        ws.dueprocess.apply_restoration(
            identifier,
            record,
            attested=attest or [],
            commitment=commitment,
            on=_day(on),
            scheme=scheme,
        )
    )


@restoration_app.command("grant")
def restoration_grant(
    case: Annotated[str, typer.Argument(help="The application's case number.")],
    actor: ActorOpt,
    reasons: Annotated[str, typer.Option(help="The reasons of the decision.")],
    workspace: WorkspaceOpt = Path("."),
    on: OnOpt = None,
) -> None:
    """Grant: the record's display stops (within the pack's working days: at once)."""
    ws = Workspace.open(workspace)
    show(
        ws.dueprocess.decide_restoration(
            case, actor=actor, granted=True, reasons=reasons, on=_day(on)
        )
    )


@restoration_app.command("refuse")
def restoration_refuse(  # noqa: PLR0917 - typer maps parameters to options
    case: Annotated[str, typer.Argument(help="The application's case number.")],
    actor: ActorOpt,
    reasons: Annotated[str, typer.Option(help="The reasons of the decision.")],
    remedy: Annotated[str, typer.Option(help="What the applicant may do next.")] = "",
    workspace: WorkspaceOpt = Path("."),
    on: OnOpt = None,
) -> None:
    """Refuse, with reasons and the next remedy."""
    ws = Workspace.open(workspace)
    show(
        ws.dueprocess.decide_restoration(
            case, actor=actor, granted=False, reasons=reasons, on=_day(on), remedy=remedy
        )
    )
