"""The Workspace façade: the one thing the CLI (and later the API, portal and lab) call.

A workspace is a folder with `xinyong.toml`, the ledger file, the checkpoint folder (outside the
database on purpose), the keys, and the policy pack in force.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from xinyong.domain.identifiers import IdentifierScheme, SchemeRegistry, default_registry
from xinyong.domain.pseudonym import subject_key
from xinyong.errors import IdentifierError, NotFound, SettingsError
from xinyong.ingest.pipeline import IngestReport, Progress, ingest_file
from xinyong.ingest.read import InputFormat
from xinyong.policy import Pack, load_pack
from xinyong.settings import SETTINGS_FILE, Settings
from xinyong.storage import keys

if TYPE_CHECKING:
    from xinyong.domain.record import Entry
    from xinyong.storage.base import LedgerStore, VerifyReport

DEFAULT_PACK = "national"


def shipped_pack(name: str = DEFAULT_PACK) -> Path:
    """The folder of a pack shipped with xinyong (in the wheel, or in a source checkout)."""
    candidates = [
        Path(str(resources.files("xinyong"))) / "packs" / name,
        Path(__file__).resolve().parents[2] / "packs" / name,
    ]
    for candidate in candidates:
        if (candidate / "pack.yaml").is_file():
            return candidate
    raise NotFound(f"no shipped pack named {name!r}")


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

    @classmethod
    def open(cls, directory: Path) -> Workspace:
        if not (directory / SETTINGS_FILE).is_file():
            raise SettingsError(
                f"{directory}: not a xinyong workspace (no {SETTINGS_FILE})",
                details=["create one with `xinyong init DIR`"],
            )
        return cls(Settings.for_workspace(directory))

    @classmethod
    def init(cls, directory: Path, *, pack: Path | None = None) -> Workspace:
        """Create a workspace: settings file, keys, pack copy, empty ledger and checkpoints."""
        if (directory / SETTINGS_FILE).exists():
            raise SettingsError(f"{directory}: already a workspace ({SETTINGS_FILE} exists)")
        source = pack or shipped_pack()
        load_pack(source)  # refuse to start a workspace on an invalid pack
        directory.mkdir(parents=True, exist_ok=True)
        settings = Settings.for_workspace(directory)
        shutil.copytree(source, settings.path(settings.pack))
        keys.create_signing_key(settings.path(settings.signing_key_file))
        keys.create_pseudonym_key(settings.path(settings.pseudonym_key_file))
        settings.path(settings.checkpoint_dir).mkdir(parents=True, exist_ok=True)
        (directory / SETTINGS_FILE).write_text(
            "# xinyong workspace settings; XINYONG_* environment variables override these.\n"
            f'pack = "{settings.pack}"\n'
            f'database = "{settings.database}"\n'
            f'checkpoint_dir = "{settings.checkpoint_dir}"\n'
            f'signing_key_file = "{settings.signing_key_file}"\n'
            f'pseudonym_key_file = "{settings.pseudonym_key_file}"\n',
            encoding="utf-8",
        )
        workspace = cls(settings)
        with workspace.ledger():
            pass  # creates the database file and its tables
        return workspace

    @cached_property
    def pack(self) -> Pack:
        return load_pack(self.settings.path(self.settings.pack))

    @cached_property
    def schemes(self) -> SchemeRegistry:
        return default_registry()

    @contextmanager
    def ledger(self, *, read_only: bool = False) -> Iterator[LedgerStore]:
        from xinyong.storage.duckdb import DuckDBLedger

        store = DuckDBLedger.from_settings(self.settings, read_only=read_only)
        try:
            yield store
        finally:
            store.close()

    def ingest(
        self,
        path: Path,
        *,
        rejects: Path | None = None,
        fmt: InputFormat | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        s = self.settings
        with self.ledger() as store:
            return ingest_file(
                path,
                store=store,
                catalogue=self.pack.catalogue,
                schemes=self.schemes,
                pseudonym_key=keys.load_pseudonym_key(s.path(s.pseudonym_key_file)),
                batch_rows=s.ingest_batch_rows,
                rejects_path=rejects,
                fmt=fmt,
                progress=progress,
            )

    def verify(self) -> VerifyReport:
        s = self.settings
        public = keys.load_signing_key(s.path(s.signing_key_file)).public_key()
        with self.ledger(read_only=True) as store:
            return store.verify(public)

    def find_scheme(self, identifier: str, scheme: str | None = None) -> IdentifierScheme:
        """The scheme `identifier` is valid in: the one named, or the only one it fits."""
        if scheme is not None:
            return self.schemes.get(scheme)
        fits = [s for s in self.schemes if s.problem(s.normalise(identifier)) is None]
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
        s = self.settings
        key = subject_key(found, value, keys.load_pseudonym_key(s.path(s.pseudonym_key_file)))
        with self.ledger(read_only=True) as store:
            entries = store.entries(subject_key=key)
        return SubjectView(scheme=found.name, identifier=value, subject_key=key, entries=entries)
