"""The `xinyong` command: thin commands over the Workspace façade; rendering in cli/render.py."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from xinyong.cli import calendar as calendar_cli
from xinyong.cli import dueprocess as dueprocess_cli
from xinyong.cli import render
from xinyong.cli import scorecard as scorecard_cli
from xinyong.cli.errors import configure_logging, error_handler
from xinyong.domain.access import Role
from xinyong.domain.decision import Audience
from xinyong.domain.identifiers import default_registry
from xinyong.ingest.read import InputFormat
from xinyong.policy import load_pack
from xinyong.service import Workspace, pack_folder

EXIT_CODES = (
    "Exit codes: 0 success; 1 error (bad input, settings, keys); 2 usage error; 3 tampering "
    "detected (verify failed, or a command refused a ledger, checkpoint, key or decision index "
    "that fails a check, or whose last verification failed, or a pack folder that is not the "
    "pack in force); 4 data loss (a committed batch is "
    "missing, e.g. a damaged write-ahead log); 5 `records ingest` rejected some rows (the valid "
    "ones appended)."
)

app = typer.Typer(
    name="xinyong",
    help="xinyong (信用): an accountable public credit information platform.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
id_app = typer.Typer(help="Identifiers: check a USCC or a resident identity number.")
pack_app = typer.Typer(
    help="Policy packs: validate a folder; propose, approve (two people) and show the pack in "
    "force."
)
records_app = typer.Typer(help="Records: ingest files of credit records into the ledger.")
subject_app = typer.Typer(help="Subjects: show what the ledger holds about one.")
app.add_typer(id_app, name="id")
app.add_typer(pack_app, name="pack")
app.add_typer(records_app, name="records")
app.add_typer(subject_app, name="subject")
keys_app = typer.Typer(help="API keys: create (the token is shown once), list, revoke.")
app.add_typer(keys_app, name="keys")
app.add_typer(scorecard_cli.app, name="scorecard")
app.add_typer(dueprocess_cli.notice_app, name="notice")
app.add_typer(dueprocess_cli.objection_app, name="objection")
app.add_typer(dueprocess_cli.restoration_app, name="restoration")
app.command("calendar")(calendar_cli.calendar)
db_app = typer.Typer(help="The PostgreSQL ledger's schema: upgrade it to the newest migration.")
app.add_typer(db_app, name="db")

#: `records ingest` when some rows were rejected and the valid ones appended (a file refused
#: whole is an error like any other: 1). 3 and 4 are taken (tampering, data loss).
EXIT_ROWS_REJECTED = 5

WorkspaceOpt = Annotated[
    Path,
    typer.Option(
        "--workspace", "-w", envvar="XINYONG_WORKSPACE", help="Workspace folder.", show_default=True
    ),
]


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Log progress to stderr.")] = False,
) -> None:
    """xinyong (信用): an accountable public credit information platform."""
    # --debug is read by cli.errors.error_handler from argv; logs go to stderr, and only
    # warnings unless asked, so stdout carries the command's output alone.
    configure_logging(verbose=verbose or debug)


@app.command()
def init(  # noqa: PLR0917 - typer maps parameters to options
    directory: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")] = Path(
        "."
    ),
    pack: Annotated[
        Path | None,
        typer.Option(help="Pack folder, or a shipped pack's name, to copy in (default: national)."),
    ] = None,
    keys: Annotated[
        Path | None,
        typer.Option(
            "--keys",
            metavar="DIR",
            help="Folder for the keys, outside the workspace (default: DIRECTORY.keys).",
        ),
    ] = None,
    postgres: Annotated[
        bool,
        typer.Option(
            "--postgres", help="Keep the ledger in PostgreSQL (--postgres-url) instead of DuckDB."
        ),
    ] = False,
    postgres_url: Annotated[
        str | None,
        typer.Option(
            "--postgres-url",
            metavar="URL",
            envvar="XINYONG_POSTGRES_URL",
            help="The PostgreSQL server of --postgres (libpq URL).",
        ),
    ] = None,
    schema: Annotated[
        str,
        typer.Option(help="Schema of the PostgreSQL ledger; must not hold a ledger yet."),
    ] = "xinyong",
) -> None:
    """Create a workspace: settings file, keys, ledger, checkpoint folder, pack.

    The ledger is a DuckDB file in the workspace, or with --postgres a schema on a PostgreSQL
    server (made by the schema's migrations; the decision index stays a DuckDB file). The
    secret keys go outside the workspace folder. The log's public key is written to ledger.pub
    beside them and printed with its fingerprint: publish them, and give them to
    `xinyong verify --key`.
    """
    if postgres and postgres_url is None:
        raise typer.BadParameter("--postgres needs --postgres-url (or XINYONG_POSTGRES_URL)")
    workspace = Workspace.init(
        directory,
        pack=pack,
        keys_dir=keys,
        postgres=postgres_url if postgres else None,
        schema=schema,
    )
    render.workspace_created(workspace)


@db_app.command("upgrade")
def db_upgrade(workspace: WorkspaceOpt = Path(".")) -> None:
    """Bring the PostgreSQL ledger's schema to the newest migration (Alembic); a no-op when it
    is there. The DuckDB ledger needs none: it is migrated when opened for writing."""
    from xinyong.settings import Settings
    from xinyong.storage import migrate

    settings = Settings.for_workspace(workspace)
    if settings.ledger_store != "postgres":
        render.say("the DuckDB ledger is migrated when opened for writing; nothing to do")
        return
    if settings.postgres_url is None:
        raise typer.BadParameter("ledger_store is postgres but postgres_url is not set")
    migrate.upgrade(settings.postgres_url, settings.ledger_schema)
    render.say(f"schema {settings.ledger_schema} is at migration {migrate.HEAD}")


@app.command()
def demo(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Keep the demo workspace here (default: temp).")
    ] = None,
    records: Annotated[int, typer.Option(help="Sample records to generate.")] = 20_000,
    subjects: Annotated[int, typer.Option(help="Sample subjects to generate.")] = 2_000,
    seed: Annotated[int, typer.Option(help="Seed of the sample generator.")] = 7,
) -> None:
    """Run the demo: a throwaway workspace, the shipped pack, sample data, ingest, verify."""
    from xinyong.demo import run_demo

    with tempfile.TemporaryDirectory(prefix="xinyong-demo-") as tmp:
        target = directory or Path(tmp) / "workspace"
        with render.progress() as progress:
            run = run_demo(target, records=records, subjects=subjects, seed=seed, progress=progress)
        render.demo(run)


@app.command(epilog=EXIT_CODES)
def verify(
    workspace: WorkspaceOpt = Path("."),
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            metavar="FILE|KEY",
            help="The log's pinned public key: the ledger.pub file init wrote, or the verifier "
            "key it printed (default: XINYONG_VERIFY_KEY). Never read from the workspace.",
        ),
    ] = None,
    against: Annotated[
        list[Path] | None,
        typer.Option(
            "--against",
            metavar="DIR",
            help="A witness folder of checkpoints kept apart; the ledger must extend every one "
            "(repeatable; witness_dirs are checked too).",
        ),
    ] = None,
) -> None:
    """Recompute the ledger's Merkle tree and check it against every signed checkpoint, the
    witnesses' and the decision index, with the pinned public key. Exit 3 when anything fails.
    """
    ws = Workspace.open(workspace)
    report = ws.verify(key=key, against=against or ())
    render.verify(report)
    calendar_cli.warn(ws)
    if not report.ok:
        raise typer.Exit(3)


@id_app.command("check")
def id_check(
    scheme: Annotated[str, typer.Argument(help="Scheme: uscc or resident_id.")],
    value: Annotated[str, typer.Argument(help="The identifier to check.")],
) -> None:
    """Check an identifier: exit 0 when valid, 1 with the reason when not."""
    found = default_registry().get(scheme)
    problem = found.problem(found.normalise(value))
    warning = found.warning(value) if problem is None else None
    render.id_check(found.name, value, problem, warning)
    if problem is not None:
        raise typer.Exit(1)


@pack_app.command("validate")
def pack_validate(
    path: Annotated[
        Path,
        typer.Argument(help="The pack folder (holding pack.yaml), or a shipped pack's name."),
    ],
) -> None:
    """Validate a policy pack: exit 0 when valid, 1 listing every problem with file and line."""
    render.pack_valid(load_pack(pack_folder(path)))


@pack_app.command("propose")
def pack_propose(
    path: Annotated[
        Path,
        typer.Argument(help="The pack folder (holding pack.yaml), or a shipped pack's name."),
    ],
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Hold a valid pack in the workspace (its pack-proposals folder) for approval; prints the
    version (content hash) two authorities then approve, by CLI or API."""
    ws = Workspace.open(workspace)
    render.pack_proposed(ws.propose_pack(path))


@pack_app.command("approve")
def pack_approve(
    pack: Annotated[
        str,
        typer.Argument(
            help="The version to approve (sha256:…, as `pack status` shows it), or a pack "
            "folder or shipped pack's name (proposed first, then its version approved)."
        ),
    ],
    operator: Annotated[
        str,
        typer.Option(
            "--as",
            help="Who approves: the operator's name, recorded in the ledger as "
            "operator:NAME. Two different names are needed; the same name twice counts once.",
        ),
    ],
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Approve a pack's version. The second approval by a different approver activates it: a
    pack.activation entry is written and the pack becomes the workspace's pack folder."""
    ws = Workspace.open(workspace)
    version = pack if pack.startswith("sha256:") else ws.propose_pack(Path(pack)).version
    render.pack_approved(ws.approve_pack(version, f"operator:{operator}"))


@pack_app.command("status")
def pack_status(workspace: WorkspaceOpt = Path(".")) -> None:
    """Show the pack in force (its activation, who approved it), whether the pack folder is
    that pack, and the proposed packs with their approvals."""
    render.pack_status(Workspace.open(workspace).pack_status())


@records_app.command("ingest")
def records_ingest(
    file: Annotated[Path, typer.Argument(help="CSV, JSON Lines or Parquet file of records.")],
    workspace: WorkspaceOpt = Path("."),
    rejects: Annotated[
        Path | None, typer.Option(help="Rejects file (default: FILE.rejects.csv).")
    ] = None,
    fmt: Annotated[
        InputFormat | None, typer.Option("--format", help="Input format (default: from suffix).")
    ] = None,
) -> None:
    """Validate a file of records and append the valid ones; rejected rows go to a rejects file.

    Exit codes: 0 every row accepted (or already in the ledger); 5 some rows rejected (the valid
    ones appended, the others in the rejects file); 1 the file refused whole (not found, a
    directory, not UTF-8, wrong columns: nothing appended) or any other error; 3 and 4 as for
    every command (tampering, data loss).
    """
    ws = Workspace.open(workspace)
    with render.progress() as progress:
        report = ws.ingest(file, rejects=rejects, fmt=fmt, progress=progress)
    render.ingest(report)
    if report.rejected:
        raise typer.Exit(EXIT_ROWS_REJECTED)


@subject_app.command("show")
def subject_show(
    identifier: Annotated[str, typer.Argument(help="USCC or resident identity number.")],
    workspace: WorkspaceOpt = Path("."),
    scheme: Annotated[
        str | None, typer.Option(help="Identifier scheme (default: the one it fits).")
    ] = None,
) -> None:
    """Show a subject's entries in the ledger with their provenance, and its due process:
    notices, objections (open ones flagged), restoration status of displayed records."""
    ws = Workspace.open(workspace)
    render.subject(ws.subject(identifier, scheme), ws.pack)
    dueprocess_cli.subject_process(ws.dueprocess.subject(identifier, scheme), ws.today())


@app.command()
def evaluate(
    workspace: WorkspaceOpt = Path("."),
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of", formats=["%Y-%m-%d"], help="Evaluate as of this date (default: today)."
        ),
    ] = None,
    engine: Annotated[
        str, typer.Option(help="Engine: duckdb (embedded), postgres or spark.")
    ] = "duckdb",
) -> None:
    """Evaluate the pack over the ledger: list memberships, scores and decisions as of a date.

    The result becomes the decision index that `xinyong check` reads.
    """
    ws = Workspace.open(workspace)
    calendar_cli.warn(ws)
    results = ws.evaluate(as_of=as_of.date() if as_of else None, engine=engine)
    render.evaluation(results, ws.pack)


@app.command()
def check(  # noqa: PLR0917 - typer maps parameters to options
    subject: Annotated[str, typer.Argument(help="USCC or resident identity number.")],
    action: Annotated[str, typer.Argument(help="Action, e.g. air_travel.book.")],
    workspace: WorkspaceOpt = Path("."),
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of", formats=["%Y-%m-%d"], help="Decide as of this date (default: the index's)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False,
    purpose: Annotated[
        str | None, typer.Option(help="Why you ask (logged with the check).")
    ] = None,
    asked_by: Annotated[str | None, typer.Option("--by", help="Who asks (logged).")] = None,
    scheme: Annotated[
        str | None, typer.Option(help="Identifier scheme (default: the one it fits).")
    ] = None,
    audience: Annotated[
        Audience,
        typer.Option(
            help="Whom the answer is for: a relying_party sees the outcome and the measures to "
            "apply; the subject and an auditor every reason (logged).",
        ),
    ] = Audience.auditor,
) -> None:
    """May SUBJECT do ACTION? allow / restrict / reward, with the reasons: measures, rules,
    records, legal basis and remedies, and for an allow why nothing applies. Exit code 0
    whatever the outcome; the check is logged with the audience served.

    The default audience is auditor: whoever runs this holds the workspace (its ledger and keys)
    and can read every record anyway. A relying party's service passes --audience relying_party
    (the HTTP API binds the audience to the caller's role instead)."""
    ws = Workspace.open(workspace)
    decision = ws.check(
        subject,
        action,
        as_of=as_of.date() if as_of else None,
        scheme=scheme,
        asked_by=asked_by,
        purpose=purpose,
        audience=audience,
    )
    if as_json:
        render.decision_json(decision)
    else:
        render.decision(decision)


@app.command()
def serve(
    workspace: WorkspaceOpt = Path("."),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the HTTP API (/v1, OpenAPI at /docs) over the workspace, in one process."""
    import uvicorn

    from xinyong.api import create_app

    ws = Workspace.open(workspace)
    calendar_cli.warn(ws)
    # access_log off: request lines carry subjects' identifiers (/v1/subjects/{identifier});
    # uvicorn picks httptools and uvloop (dependencies) by itself where they are installed
    # freeze_gc: the collector's full passes over the startup objects were the p99 (api/app.py)
    app = create_app(ws.settings, freeze_gc=True)
    uvicorn.run(app, host=host, port=port, access_log=False, workers=1)


@keys_app.command("create")
def keys_create(  # noqa: PLR0917 - typer maps parameters to options
    role: Annotated[Role, typer.Option(help="The key's role.")],
    name: Annotated[str, typer.Option(help="Who holds the key (shown in logs).")],
    workspace: WorkspaceOpt = Path("."),
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days until it expires.")] = 90,
    authority: Annotated[
        str | None,
        typer.Option(
            help="provider: the authority it submits for; authority (optional): the authority "
            "whose due-process cases it acts on."
        ),
    ] = None,
    record_types: Annotated[
        list[str] | None,
        typer.Option("--record-type", help="provider: a record type it may submit."),
    ] = None,
    actions: Annotated[
        list[str] | None, typer.Option("--actions", help="relying_party: an action it may check.")
    ] = None,
    purpose: Annotated[
        str | None, typer.Option(help="relying_party: the purpose it declares.")
    ] = None,
    subject: Annotated[str | None, typer.Option(help="subject: its own identifier.")] = None,
) -> None:
    """Create an API key bound to a role and scope; prints the token once (it is not stored)."""
    from datetime import UTC, timedelta

    ws = Workspace.open(workspace)
    key, token = ws.create_api_key(
        name=name,
        role=role,
        expires_at=datetime.now(UTC) + timedelta(days=days),
        authority=authority,
        record_types=record_types or (),
        actions=actions or (),
        purpose=purpose,
        subject=subject,
    )
    render.key_created(key, token)


@keys_app.command("list")
def keys_list(workspace: WorkspaceOpt = Path(".")) -> None:
    """List the API keys: id, role, scope, expiry, revocation (never a secret)."""
    render.keys(Workspace.open(workspace).api_keys.list_keys())


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (the token's middle part).")],
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Revoke an API key: it stops working at the server's next request."""
    from datetime import UTC

    key = Workspace.open(workspace).revoke_api_key(key_id, datetime.now(UTC))
    render.keys([key])


@keys_app.command("reset")
def keys_reset(
    workspace: WorkspaceOpt = Path("."),
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: every API key is removed.")] = False,
) -> None:
    """Start a new, empty key file: after the old one was refused as rolled back or missing.
    Every key is gone (create them again); the new file's generation is anchored in the ledger."""
    if not yes:
        raise typer.BadParameter("every API key would be removed: confirm with --yes")
    ws = Workspace.open(workspace)
    with ws.held():  # the ledger's anchor must be read: refused while a server holds it
        generation = ws.api_keys.reset()
        ws.key_anchor.flush()
    typer.echo(f"new key file: generation {generation.number}, no keys")


def main() -> None:
    with error_handler():
        app()
