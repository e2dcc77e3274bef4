"""The Workspace façade: the one thing the CLI (and later the API, portal and lab) call.

A workspace is a folder with `xinyong.toml`, the ledger file, the checkpoint folder (outside the
database on purpose) and the policy pack in force. Its secret keys live outside it, in the keys
folder (`Settings.keys_path`) or the environment; `verify` needs neither, only the pinned public
key (`--key`, `XINYONG_VERIFY_KEY`), and records its result so that ingest, evaluate and check
refuse a ledger whose last verification failed.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from xinyong import activation, scorecards, verification
from xinyong.checker import Checker, Quick, audience_of
from xinyong.domain.access import ApiKey, Role, Scope
from xinyong.domain.identifiers import IdentifierScheme, SchemeRegistry, default_registry
from xinyong.domain.pseudonym import subject_key
from xinyong.domain.record import EntryKind
from xinyong.domain.workdays import WorkdayCalendar
from xinyong.dueprocess.holds import DUE_PROCESS_WORKFLOWS, with_holds
from xinyong.errors import (
    IdentifierError,
    NotFound,
    SettingsError,
    TamperDetected,
)
from xinyong.ingest.pipeline import IngestReport, Progress, ingest_file
from xinyong.ingest.read import InputFormat
from xinyong.officers import officers_of
from xinyong.policy import Pack, load_pack
from xinyong.settings import SETTINGS_FILE, Settings
from xinyong.storage import keys

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from xinyong.domain.decision import Audience, Decision
    from xinyong.domain.record import Entry
    from xinyong.domain.results import Results
    from xinyong.domain.workflow import NewStep, Step
    from xinyong.dueprocess import DueProcess
    from xinyong.keyanchor import LedgerKeyAnchor
    from xinyong.queries import Changes, SubjectFile
    from xinyong.storage.apikeys import ApiKeyStore
    from xinyong.storage.base import LedgerStore, VerifyReport
    from xinyong.storage.decisionlog import LogFilter

log = structlog.get_logger(__name__)

DEFAULT_PACK = "national"
# The packs shipped with xinyong, by folder name (docs/concepts/packs.md describes each, and what
# each leaves out).
SHIPPED_PACKS: tuple[str, ...] = (
    "national",
    "rongcheng",
    "fuzhou-jasmine",
    "suining",
    "german-credit",
)


def shipped_pack(name: str = DEFAULT_PACK) -> Path:
    """The folder of a pack shipped with xinyong (in the wheel, or in a source checkout); `name`
    is one of `SHIPPED_PACKS`."""
    candidates = [
        Path(str(resources.files("xinyong"))) / "packs" / name,
        Path(__file__).resolve().parents[2] / "packs" / name,
    ]
    for candidate in candidates:
        if (candidate / "pack.yaml").is_file():
            return candidate
    raise NotFound(f"no shipped pack named {name!r}")


def pack_folder(given: Path) -> Path:
    """The pack folder `given` names: a folder (holding pack.yaml) as it is, else a shipped pack
    by name (`national`), from whatever folder the command runs in.

    >>> pack_folder(Path("national")) == shipped_pack("national")
    True
    """
    if given.exists():
        return given
    if str(given) in SHIPPED_PACKS:
        return shipped_pack(str(given))
    raise NotFound(
        f"{given}: no such pack folder, and no shipped pack of that name "
        f"(shipped: {', '.join(SHIPPED_PACKS)})"
    )


@dataclass(frozen=True)
class SubjectView:
    """A subject's entries as the ledger holds them, with the identifier the caller gave."""

    scheme: str
    identifier: str
    subject_key: str
    entries: list[Entry]


class Workspace:
    """Operations on one workspace; every path comes from its `Settings`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._held: LedgerStore | None = None
        # (ledger size, pack version) last found in force: an activation grows the ledger
        self._in_force_at: tuple[int, str] | None = None
        # one operation at a time on the held ledger (`xinyong serve`); the hot path needs none
        self.serial = threading.Lock()

    @classmethod
    def open(cls, directory: Path, **overrides: object) -> Workspace:
        """The workspace in `directory`; `overrides` win over the environment and its file
        (e.g. `verify_key=` the pinned public key)."""
        if not (directory / SETTINGS_FILE).is_file():
            raise SettingsError(
                f"{directory}: not a xinyong workspace (no {SETTINGS_FILE})",
                details=["create one with `xinyong init DIR`"],
            )
        return cls(Settings.for_workspace(directory, **overrides))

    @classmethod
    def init(
        cls,
        directory: Path,
        *,
        pack: Path | None = None,
        today: date | None = None,
        keys_dir: Path | None = None,
        postgres: str | None = None,
        schema: str = "xinyong",
    ) -> Workspace:
        """Create a workspace: settings file, keys, pack copy, empty ledger and checkpoints;
        `today` pins the workspace's clock in its settings file (tests, replays). With
        `postgres` (a server's libpq URL) the ledger lives in schema `schema` there, which must
        not hold a ledger yet; the decision index stays in the DuckDB file `index.duckdb`.

        The keys go to `keys_dir` (default: the sibling folder `<directory>.keys`), outside the
        workspace, with the public key file `ledger.pub`. The workspace returned has that
        public key pinned (`settings.verify_key`): this process made it, so it may trust it.
        """
        if (directory / SETTINGS_FILE).exists():
            raise SettingsError(f"{directory}: already a workspace ({SETTINGS_FILE} exists)")
        source = pack_folder(pack) if pack is not None else shipped_pack()
        load_pack(source)  # refuse to start a workspace on an invalid pack
        directory.mkdir(parents=True, exist_ok=True)
        overrides: dict[str, object] = {"today": today} if today else {}
        if keys_dir is not None:
            overrides["keys_dir"] = keys_dir.absolute()
        if postgres is not None:
            from xinyong.storage.stores import refuse_used_schema

            refuse_used_schema(postgres, schema)
            overrides |= {
                "ledger_store": "postgres",
                "postgres_url": postgres,
                "ledger_schema": schema,
                "database": Path("index.duckdb"),
            }
        settings = Settings.for_workspace(directory, **overrides)
        settings = settings.model_copy(update={"keys_dir": settings.keys_path().absolute()})
        shutil.copytree(source, settings.path(settings.pack))
        signing = keys.create_signing_key(settings.key_path(settings.signing_key_file))
        keys.create_pseudonym_key(settings.key_path(settings.pseudonym_key_file))
        pin = keys.write_public_key(
            settings.keys_path() / keys.PUBLIC_KEY_FILE,
            settings.ledger_origin,
            signing.public_key(),
        )
        settings.path(settings.checkpoint_dir).mkdir(parents=True, exist_ok=True)
        (directory / SETTINGS_FILE).write_text(
            "# xinyong workspace settings; XINYONG_* environment variables override these.\n"
            f'pack = "{settings.pack}"\n'
            f'database = "{settings.database}"\n'
            f'checkpoint_dir = "{settings.checkpoint_dir}"\n'
            + (
                f'ledger_store = "postgres"\nledger_schema = "{schema}"\n'
                f"postgres_url = {json.dumps(postgres)}\n"
                if postgres is not None
                else ""
            )
            + "# The secret keys, outside the workspace folder. `xinyong verify` needs neither: "
            "it\n"
            f"# takes the public key {pin.verifier}\n"
            f"# (fingerprint {pin.fingerprint}) from --key or XINYONG_VERIFY_KEY.\n"
            f"keys_dir = {json.dumps(str(settings.keys_dir))}\n"
            f'signing_key_file = "{settings.signing_key_file}"\n'
            f'pseudonym_key_file = "{settings.pseudonym_key_file}"\n'
            + (f"today = {today.isoformat()}\n" if today else ""),
            encoding="utf-8",
        )
        workspace = cls(settings.model_copy(update={"verify_key": pin.verifier}))
        with workspace.ledger() as store:  # creates the database file and its tables
            # the ledger's first entry: the pack installed here is in force (activation.py)
            activation.record_bootstrap(store, workspace.pack, workspace.today(), datetime.now(UTC))
        return workspace

    def public_key_file(self) -> Path:
        """Where `init` wrote the log's verifier key (`ledger.pub`, in the keys folder)."""
        return self.settings.keys_path() / keys.PUBLIC_KEY_FILE

    def pinned_key(self) -> keys.PinnedKey | None:
        """The public key pinned in the settings (environment, or the caller), if any."""
        return keys.pinned_from(self.settings)

    @cached_property
    def pack(self) -> Pack:
        return load_pack(self.settings.path(self.settings.pack))

    @cached_property
    def calendar(self) -> WorkdayCalendar:
        """The working-day calendar every deadline is counted on (with the override file)."""
        from xinyong.policy.workdays import load_workday_overrides

        extra = self.settings.workday_overrides
        overrides = load_workday_overrides(self.settings.path(extra)) if extra else []
        return WorkdayCalendar.official(overrides)

    @cached_property
    def dueprocess(self) -> DueProcess:
        """Notices, objections and credit restoration (`xinyong.dueprocess`)."""
        from xinyong.dueprocess import DueProcess

        return DueProcess(self)

    @cached_property
    def schemes(self) -> SchemeRegistry:
        return default_registry(as_of=self.today())

    @contextmanager
    def ledger(
        self, *, read_only: bool = False, public_key: Ed25519PublicKey | None = None
    ) -> Iterator[LedgerStore]:
        """The ledger store: opened for this use and closed after, or the one `held` open."""
        from xinyong.storage.stores import open_store

        if self._held is not None:
            yield self._held
            return
        store = open_store(self.settings, read_only=read_only, public_key=public_key)
        try:
            yield store
        finally:
            store.close()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep one read-write ledger store open, and use it for every operation, until exit.

        For a process that owns the workspace and runs one operation at a time (`xinyong
        serve`): opening and closing the DuckDB file costs far more than a check (≈ 200 ms
        against well under 1 ms), and the process holds the file's write lock anyway."""
        from xinyong.storage.stores import open_store

        if self._held is not None:
            yield
            return
        self._held = open_store(self.settings)
        try:
            # the key file's anchor, read now: later reads happen where the ledger's lock may
            # not be taken (keyanchor.py)
            self.key_anchor.load(self._held)
            self.key_anchor.flush()
            yield
        finally:
            store, self._held = self._held, None
            store.close()
            self.quick.close()

    @contextmanager
    def serialised(self) -> Iterator[None]:
        """The `serial` lock, for the callers that do not hold it already (the server's
        concurrent routes, `api.app.CONCURRENT`); a process not serving has no contention."""
        if self._held is None:
            yield
            return
        with self.serial:
            yield

    def holds_ledger(self) -> bool:
        """Whether this process holds the ledger open (`held`): it is then the one writer."""
        return self._held is not None

    @cached_property
    def quick(self) -> Quick:
        """The hot path, the decision log and what checks keep for the workspace's life."""
        return Quick(self)

    def hot_file(self) -> Path:
        """The hot decision file, beside the ledger: `<database>.hot`."""
        db = self.settings.path(self.settings.database)
        return db.with_name(db.name + ".hot")

    def _write_hot(self, store: LedgerStore, results: Results | None = None) -> None:
        """Rebuild the hot decision file from the sealed index just written (`hotpath.rebuild`)."""
        from xinyong.hotpath import rebuild

        rebuild(self.pack, store, self.hot_file(), self.settings.ledger_origin, results)

    def ingest(
        self,
        path: Path,
        *,
        rejects: Path | None = None,
        fmt: InputFormat | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        s = self.settings
        self.refuse_if_verification_failed()
        with self.ledger() as store:
            before = store.size()
            report = ingest_file(
                path,
                store=store,
                catalogue=self.pack.catalogue,
                schemes=self.schemes,
                pseudonym_key=keys.pseudonym_key_from(s),
                batch_rows=s.ingest_batch_rows,
                rejects_path=rejects,
                fmt=fmt,
                today=self.today(),
                progress=progress,
            )
            self._reevaluate(store, before)
            return report

    def _reevaluate(self, store: LedgerStore, before: int) -> None:
        """Bring the decision index up to date for the subjects new entries are about: only
        they can change (evaluation is per subject), so only they are evaluated again."""
        from xinyong.domain.results import Results as ResultsType
        from xinyong.engines.duckdb import DuckDBEngine
        from xinyong.storage import index

        con = store.connection  # type: ignore[attr-defined]
        found = index.meta(con)
        after = store.size()
        if found is None or after == before or found.pack_version != self.pack.version:
            return
        # records, and the due-process steps (notices and objections hold listings back)
        touched = [
            row[0]
            for row in con.execute(
                "SELECT DISTINCT subject_key FROM entries WHERE seq >= ? AND subject_key IS NOT "
                "NULL AND (entry_kind <> ? OR list_contains(?, split_part(record_type, '.', 1)))",
                [before, EntryKind.step.value, list(DUE_PROCESS_WORKFLOWS)],
            ).fetchall()
        ]
        touched = sorted({*touched, *officers_of(self.pack, con, touched)})
        if touched:
            results = DuckDBEngine(con).evaluate(self.pack, found.as_of, subjects=touched)
            results = with_holds(self.pack, store, results, self.calendar, touched)
        else:  # only workflow steps: nothing to evaluate, the index is sealed to the new size
            results = ResultsType(found.as_of, found.pack_version)
        try:
            index.replace_subjects(con, results, touched, ledger=store)
        except TamperDetected as exc:
            # The batch is committed and signed; the index is left as it is, and checks refuse
            # it until `evaluate` rebuilds it.
            log.warning("index_not_updated", reason=exc.message)
            return
        self._write_hot(store)

    # -- the pack in force: the two-person rule (domain/governance.py, activation.py) --------

    def refuse_unless_pack_in_force(self, store: LedgerStore) -> None:
        """`PackNotInForce` unless the pack this workspace applies is the one the ledger's last
        activation names (checked again only when the ledger has grown)."""
        now = (store.size(), self.pack.version)
        if self._in_force_at != now:
            folder = self.settings.path(self.settings.pack)
            activation.refuse_unless_in_force(self.pack, store, folder)
            self._in_force_at = now

    def pack_status(self) -> activation.PackState:
        """The pack in force, its activations, the proposals and their approvals."""
        with self.ledger(read_only=True) as store:
            return activation.status(self.settings, store, self.pack)

    def propose_pack(self, folder: Path) -> Pack:
        """Hold a pack (validated) in the workspace so approvers can approve it by version."""
        return activation.propose(self.settings, pack_folder(folder))

    def approve_pack(self, version: str, approver: str) -> activation.ApprovalResult:
        """`approver` (`key:<id>` or `operator:<name>`) approves the pack of `version`; the
        second distinct approver activates it and installs it as the workspace's pack."""
        activation.check_approver(approver)
        self.refuse_if_verification_failed()
        with self.ledger() as store:
            result = activation.approve(
                self.settings, store, version, approver, on=self.today(), now=datetime.now(UTC)
            )
        if result.activated:
            self.__dict__.pop("pack", None)  # the cached pack is the old law
            self._in_force_at = None
            if "quick" in self.__dict__:
                self.quick.forget_hot()  # it holds the old pack too
        return result

    # -- workflow steps (domain/workflow.py; the logic is in steps.py) --------------------------

    def record_step(self, *steps: NewStep) -> list[Step]:
        """Append workflow steps as one batch (one signed checkpoint); the steps as stored.
        Written by the service only: ingest refuses `step` entries."""
        from xinyong.steps import append_steps

        self.refuse_if_verification_failed()
        with self.ledger() as store:
            before = store.size()
            stored = append_steps(store, steps, datetime.now(UTC))
            self._reevaluate(store, before)
            return stored

    def steps(
        self,
        *,
        subject_key: str | None = None,
        refers_to: int | None = None,
        step_type: str | None = None,
    ) -> list[Step]:
        """Workflow steps about a subject (its key), acting on an entry, or of one type."""
        from xinyong.steps import read_steps

        with self.ledger(read_only=True) as store:
            return read_steps(
                store, subject_key=subject_key, refers_to=refers_to, type_name=step_type
            )

    def verify(
        self, *, key: str | Path | None = None, against: Sequence[Path] = ()
    ) -> VerifyReport:
        """Verify the ledger with the pinned public key (`verification.verify`)."""
        return verification.verify(self, key=key, against=against)

    def _index_rebuilt(self) -> None:
        verification.index_rebuilt(self.settings)

    def refuse_if_verification_failed(self, *, rebuilding_index: bool = False) -> None:
        """`TamperDetected` while the last `verify` recorded a failure
        (`verification.refuse_if_failed`)."""
        verification.refuse_if_failed(self.settings, rebuilding_index=rebuilding_index)

    def find_scheme(self, identifier: str, scheme: str | None = None) -> IdentifierScheme:
        """The scheme `identifier` is valid in: the one named, or the only one it fits."""
        if scheme is not None:
            return self.schemes.get(scheme)
        fits = [s for s in self.schemes if s.fits(s.normalise(identifier))]
        if len(fits) == 1:
            return fits[0]
        if not fits:
            reasons = "; ".join(
                f"{s.name}: {s.problem(s.normalise(identifier))}" for s in self.schemes
            )
            raise IdentifierError("identifier", identifier, f"valid in no scheme ({reasons})")
        names = ", ".join(s.name for s in fits)
        raise IdentifierError("identifier", identifier, f"valid in several schemes ({names})")

    def subject(self, identifier: str, scheme: str | None = None) -> SubjectView:
        found = self.find_scheme(identifier, scheme)
        value = found.validate(identifier)
        key = subject_key(found, value, keys.pseudonym_key_from(self.settings))
        with self.ledger(read_only=True) as store:
            entries = store.entries(subject_key=key)
        return SubjectView(scheme=found.name, identifier=value, subject_key=key, entries=entries)

    # -- evaluation and checks ----------------------------------------------------------------

    def today(self) -> date:
        """The workspace's today: `settings.today` when pinned, else the system clock's UTC date."""
        return self.settings.today or datetime.now(UTC).date()

    def evaluate(
        self, *, as_of: date | None = None, keep: bool = True, engine: str = "duckdb"
    ) -> Results:
        """Evaluate the pack over the whole ledger as of a date (default today) on an engine
        (`ENGINES`); with `keep`, the results become the decision index checks read."""
        from xinyong.storage import index

        if engine not in ENGINES:
            from xinyong.domain.catalogue import did_you_mean

            hint = did_you_mean(engine, ENGINES)
            raise NotFound(
                f"unknown engine {engine!r}; one of {', '.join(ENGINES)}"
                + (f". {hint}" if hint else "")
            )
        day = as_of or self.today()
        self.refuse_if_verification_failed(rebuilding_index=keep)
        with self.ledger(read_only=not keep) as store:
            self.refuse_unless_pack_in_force(store)
            con = store.connection  # type: ignore[attr-defined]
            results = with_holds(self.pack, store, ENGINES[engine](self, con, day), self.calendar)
            if keep:
                index.replace(con, results, ledger=store, now=datetime.now(UTC))
                self._write_hot(store, results)
        if keep:
            self._index_rebuilt()
        return results

    def subject_key(self, identifier: str, scheme: str | None = None) -> str:
        found = self.find_scheme(identifier, scheme)
        value = found.validate(identifier)
        return subject_key(found, value, keys.pseudonym_key_from(self.settings))

    @contextmanager
    def checker(self) -> Iterator[Checker]:
        """A checker holding the ledger and the pseudonym key open, for many checks in a row
        (a relying party's service); `check` opens one for a single question."""
        self.refuse_if_verification_failed()
        with self.ledger() as store:
            self.refuse_unless_pack_in_force(store)
            checker = Checker(self, store)
            try:
                yield checker
            finally:
                checker.close()

    def check(
        self,
        identifier: str,
        action: str,
        *,
        as_of: date | None = None,
        scheme: str | None = None,
        asked_by: str | None = None,
        purpose: str | None = None,
        audience: Audience | str = "relying_party",
    ) -> Decision:
        """May the subject do `action` on `as_of` (default: the index's date)? See `Checker`;
        a relying party's check on the index's date is answered from the hot file (`Quick`)."""
        if audience_of(audience).value == "relying_party":
            found = self.quick.check(
                identifier, action, as_of=as_of, scheme=scheme, asked_by=asked_by, purpose=purpose
            )
            if found is not None:
                return found
        with self.serialised(), self.checker() as checker:
            return checker.check(
                identifier,
                action,
                as_of=as_of,
                scheme=scheme,
                asked_by=asked_by,
                purpose=purpose,
                audience=audience,
            )

    # -- what the HTTP API serves (api/ calls only these; the logic is in queries.py) --------

    @cached_property
    def api_keys(self) -> ApiKeyStore:
        """The API key store, sealed with the log's key: writes are signed with the signing key,
        reads checked with the pinned public key (else the signing key's own)."""
        from xinyong.domain.checkpoint import open_body, sign_body
        from xinyong.storage.apikeys import ApiKeyStore

        s = self.settings
        signing = keys.signing_key_from(s)
        pin = self.pinned_key()
        if pin is not None:
            pin.check_signing_key(signing)
        public = pin.public_key if pin is not None else signing.public_key()
        origin = s.ledger_origin
        return ApiKeyStore(
            s.path(s.api_keys_file),
            signer=lambda body: sign_body(body, signing, origin),
            opener=lambda text, source: open_body(text, public, origin, source),
            anchor=self.key_anchor,
        )

    @cached_property
    def key_anchor(self) -> LedgerKeyAnchor:
        """The key file's generations, anchored in the ledger (`keyanchor.py`)."""
        from xinyong.keyanchor import LedgerKeyAnchor

        return LedgerKeyAnchor(self)

    def revoke_api_key(self, key_id: str, now: datetime) -> ApiKey:
        """Revoke an API key; the key file's new generation is anchored before this returns
        (a server calls this holding the ledger's lock)."""
        key = self.api_keys.revoke(key_id, now)
        self.key_anchor.flush()
        return key

    def create_api_key(
        self,
        *,
        name: str,
        role: Role,
        expires_at: datetime,
        authority: str | None = None,
        record_types: Sequence[str] = (),
        actions: Sequence[str] = (),
        purpose: str | None = None,
        subject: str | None = None,
        scheme: str | None = None,
    ) -> tuple[ApiKey, str]:
        """A new API key bound to `role` and its scope, and its token (shown once, never kept).
        Each role gets exactly the scope it is narrowed to: a provider an authority and record
        types of the catalogue, a relying party actions and a purpose, a subject its identifier
        (kept as its key only); an authority may get one (whose due-process cases it decides)."""
        from xinyong.domain.measures import ACTIONS
        from xinyong.errors import InvalidInput

        errors: list[dict[str, object]] = []

        def need(field: str, ok: bool, reason: str) -> None:
            if not ok:
                errors.append({"field": field, "reason": reason})

        is_p, is_rp, is_s = role is Role.provider, role is Role.relying_party, role is Role.subject
        fits = bool(authority) if is_p else not authority or role is Role.authority
        need("authority", fits, "required for a provider, optional for an authority, else none")
        need("record_types", bool(record_types) == is_p, "required for a provider, only for one")
        unknown = [t for t in record_types if t not in self.pack.catalogue.record_types]
        need("record_types", not unknown, f"not in the catalogue: {', '.join(unknown)}")
        need("actions", bool(actions) == is_rp, "required for a relying party, only for one")
        need("actions", all(a in ACTIONS for a in actions), "unknown action")
        need("purpose", bool(purpose) == is_rp, "required for a relying party, only for one")
        need("subject", bool(subject) == is_s, "required for a subject, and only for one")
        need("name", bool(name.strip()), "must not be empty")
        if errors:
            raise InvalidInput(f"API key for role {role.value}: invalid scope", errors=errors)
        scope = Scope(
            authority=authority,
            record_types=tuple(sorted(set(record_types))),
            actions=tuple(sorted(set(actions))),
            purpose=purpose,
            subject_key=self.subject_key(subject, scheme) if subject else None,
        )
        now = datetime.now(UTC)
        if expires_at <= now:
            raise InvalidInput(
                "an API key must expire in the future",
                errors=[{"field": "expires_at", "reason": "in the past"}],
            )
        created = self.api_keys.create(
            name=name.strip(), role=role, scope=scope, now=now, expires_at=expires_at
        )
        self.key_anchor.flush()
        return created

    def submit(
        self, path: Path, *, fmt: InputFormat | None = None, scope: Scope | None = None
    ) -> tuple[IngestReport, list[dict[str, object]]]:
        """Ingest a file a provider submitted, refusing it whole (nothing written) when a row is
        outside the provider's scope; returns the report and the rejected rows (line, field,
        reason) instead of a rejects file."""
        import csv
        import tempfile

        if scope is not None:
            from xinyong.ingest.scope import check_scope

            check_scope(path, fmt, scope)
        with tempfile.TemporaryDirectory(prefix="xinyong-submit-") as tmp:
            rejects = Path(tmp) / "rejects.csv"
            report = self.ingest(path, rejects=rejects, fmt=fmt)
            rows: list[dict[str, object]] = []
            if report.rejects_path is not None:
                with report.rejects_path.open(encoding="utf-8", newline="") as fh:
                    rows = [
                        {"line": int(r["line"]), "field": r["field"], "reason": r["reason"]}
                        for r in csv.DictReader(fh)
                    ]
        return report, rows

    def subject_file(self, key: str, audience: Audience | str = "subject") -> SubjectFile:
        """Everything held on the subject with this key: entries, listings, scores, decisions
        (built for `audience`: the subject, or an auditor)."""
        from xinyong.queries import subject_file

        served = audience_of(audience)
        with self.ledger(read_only=True) as store:
            return subject_file(store, self.pack, key, self.today(), served, cal=self.calendar)

    def decision_log(
        self, where: LogFilter, *, offset: int = 0, limit: int = 100
    ) -> list[dict[str, object]]:
        """Lines of the decision log matching `where` (who asked, why, about whom, the answer)."""
        from xinyong.queries import decision_log

        s = self.settings
        return decision_log(s.path(s.decision_log), where, offset=offset, limit=limit)

    def changes(self, keys: list[str], cursor: str | None) -> Changes:
        """Which of these subjects have entries appended since `cursor` (see queries.changes)."""
        from xinyong.queries import changes

        with self.ledger(read_only=True) as store:
            return changes(store, self.pack, keys, cursor)

    def list_members(self, name: str) -> tuple[date, list[tuple[object, ...]]]:
        from xinyong.queries import list_members

        with self.ledger(read_only=True) as store:
            return list_members(store, self.pack, name)

    def evaluation(self) -> dict[str, object] | None:
        """The evaluation in force (the decision index): its date, pack, hash and size."""
        import duckdb

        with self.ledger(read_only=True) as store:
            con = store.connection  # type: ignore[attr-defined]
            try:
                row = con.execute(
                    "SELECT as_of, pack_version, result_hash, evaluated_at, ledger_size "
                    "FROM index_meta"
                ).fetchone()
            except duckdb.CatalogException:
                return None
        if row is None:
            return None
        names = ("as_of", "pack_version", "result_hash", "evaluated_at", "ledger_size")
        found = dict(zip(names, row, strict=True))
        # stored as a naive UTC timestamp (index.replace is given datetime.now(UTC))
        found["evaluated_at"] = row[3].replace(tzinfo=UTC)
        return found


def _on_duckdb(ws: Workspace, con: duckdb.DuckDBPyConnection, day: date) -> Results:
    from xinyong.engines.duckdb import DuckDBEngine

    return DuckDBEngine(con).evaluate(ws.pack, day)


def _entries_arrow(con: duckdb.DuckDBPyConnection) -> pa.Table:
    from xinyong.domain.results import ENTRY_COLUMNS

    # workflow steps are no input to any evaluation (compiler/records.py filters them too)
    return con.execute(
        f"SELECT {', '.join(ENTRY_COLUMNS)} FROM entries WHERE entry_kind <> ?",
        [EntryKind.step.value],
    ).to_arrow_table()


def _on_postgres(ws: Workspace, con: duckdb.DuckDBPyConnection, day: date) -> Results:
    from xinyong.engines.postgres import PostgresEngine

    s = ws.settings
    if not s.postgres_url:
        raise SettingsError(
            "no PostgreSQL server configured",
            details=["set postgres_url in xinyong.toml or XINYONG_POSTGRES_URL"],
        )
    engine = PostgresEngine(s.postgres_url, schema=s.postgres_schema)
    try:
        engine.load_arrow(_entries_arrow(con))
        return engine.evaluate(ws.pack, day)
    finally:
        engine.drop()
        engine.close()


def _on_spark(ws: Workspace, con: duckdb.DuckDBPyConnection, day: date) -> Results:
    from xinyong.engines.spark import SparkEngine

    engine = SparkEngine()
    try:
        engine.load_arrow(_entries_arrow(con))
        return engine.evaluate(ws.pack, day)
    finally:
        engine.close()


# The engines `evaluate` can run on; each reads the ledger's entries its own way.
ENGINES: dict[str, Callable[[Workspace, duckdb.DuckDBPyConnection, date], Results]] = {
    "duckdb": _on_duckdb,
    "postgres": _on_postgres,
    "spark": _on_spark,
}


# Statistical scorecards (offline, no workspace): in scorecards.py, served from here.
fit_scorecard = scorecards.fit_scorecard
pin_scorecard = scorecards.pin_scorecard
cross_validate_scorecard = scorecards.cross_validate_scorecard
scorecard_report = scorecards.scorecard_report
scorecard_stability = scorecards.scorecard_stability
