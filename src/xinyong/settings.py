"""Settings: one object read from a workspace's `xinyong.toml` and `XINYONG_*` variables."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from xinyong.errors import SettingsError

SETTINGS_FILE = "xinyong.toml"
KEYS_SUFFIX = ".keys"  # the default keys folder is the workspace folder's sibling `<name>.keys`
# Settings read from the environment (or given by the caller) only, never from `xinyong.toml`:
# whoever can write the workspace could otherwise choose the key `verify` trusts, or plant keys.
ENV_ONLY: tuple[str, ...] = ("verify_key", "signing_key", "pseudonym_key")


class Settings(BaseSettings):
    """Where a workspace keeps its ledger, checkpoints, keys and pack.

    Relative paths are resolved against `workspace`.
    """

    model_config = SettingsConfigDict(env_prefix="XINYONG_", extra="forbid")

    workspace: Path = Field(Path("."), description="Folder of the workspace.")
    ledger_store: Literal["duckdb", "postgres"] = Field(
        "duckdb",
        description="Where the ledger lives: `duckdb`, the embedded file `database`; or "
        "`postgres`, schema `ledger_schema` of the server `postgres_url` (`xinyong init "
        "--postgres`), the decision index then staying in the DuckDB file `database`.",
    )
    database: Path = Field(
        Path("ledger.duckdb"),
        description='The embedded DuckDB ledger file (with `ledger_store = "postgres"`: the '
        "DuckDB file of the decision index and its copy of the entries).",
    )
    checkpoint_dir: Path = Field(
        Path("checkpoints"),
        description="Signed checkpoints, kept outside the database so truncation is detectable.",
    )
    keys_dir: Path | None = Field(
        None,
        description="Folder of the secret keys and the public key file, outside the workspace "
        "folder so that copies, backups and readers of the workspace's data do not carry the "
        "secrets. Unset: the workspace folder's sibling `<workspace>.keys` (`xinyong init` "
        "writes the absolute path it chose).",
    )
    signing_key_file: Path = Field(
        Path("ledger-signing.key"),
        description="Ed25519 private key that signs checkpoints (PKCS#8 PEM, mode 0600); "
        "relative to `keys_dir`. Needed to write the ledger, never to verify it.",
    )
    pseudonym_key_file: Path = Field(
        Path("pseudonym.key"),
        description="Secret key of the keyed hash that pseudonymises identifiers of individuals "
        "(32 bytes, mode 0600); relative to `keys_dir`.",
    )
    signing_key: SecretStr | None = Field(
        None,
        description="The signing key itself (PKCS#8 PEM text), for servers that take secrets "
        "from the environment; wins over `signing_key_file`. Environment only.",
    )
    pseudonym_key: SecretStr | None = Field(
        None,
        description="The pseudonym key itself (64 hex digits), for servers; wins over "
        "`pseudonym_key_file`. Environment only.",
    )
    verify_key: str | None = Field(
        None,
        description="The pinned public key of the log: its verifier key "
        "(`<origin>+<key hash>+<base64 key>`, printed by `xinyong init`) or the path of a file "
        "holding it. `verify` needs it (or `--key`); when set, every command that writes the "
        "ledger also refuses a signing key or checkpoints that are not the pinned key's. "
        "Environment only: a key named in the workspace is not a pin.",
    )
    witness_dirs: list[Path] = Field(
        [],
        description="Folders, kept apart from the workspace (another disk, machine or owner), "
        "that receive a copy of every checkpoint; `verify` holds the ledger to them. In the "
        "environment, a JSON list: XINYONG_WITNESS_DIRS='[\"/mnt/witness\"]'.",
    )
    verification_file: Path = Field(
        Path("logs/verification.json"),
        description="The result of the last `verify`; ingest, evaluate and check refuse to run "
        "while it records a failure.",
    )
    api_keys_file: Path = Field(
        Path("keys/api-keys.json"),
        description="API keys of `xinyong serve` (mode 0600): role, scope, expiry and the SHA-256 "
        "of each secret, never a secret; managed with `xinyong keys`.",
    )
    pack: Path = Field(
        Path("pack"),
        description="The policy pack folder in force: its content hash must be the version the "
        "ledger's last `pack.activation` names (two authorities approved it), or evaluate and "
        "check refuse.",
    )
    pack_proposals: Path = Field(
        Path("pack-proposals"),
        description="Packs proposed for approval, one folder each (`xinyong pack propose`); "
        "the one two authorities approve is copied into `pack` when it is activated.",
    )
    decision_log: Path = Field(
        Path("logs/decisions.jsonl"),
        description="Every check, one JSON line: who asked, why, about whom, and the answer.",
    )
    ledger_origin: str = Field(
        "xinyong.local/ledger", description="Origin line of signed checkpoints (names this log)."
    )
    postgres_url: str | None = Field(
        None,
        description="PostgreSQL server (libpq URL or connection string) of the ledger when "
        "`ledger_store` is `postgres`, and for `evaluate --engine postgres`, e.g. "
        "postgresql://postgres@127.0.0.1:5432/test.",
    )
    ledger_schema: str = Field(
        "xinyong",
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description='Schema of the PostgreSQL ledger (`ledger_store = "postgres"`); its '
        "tables are made and upgraded by `xinyong db upgrade`.",
    )
    postgres_schema: str = Field(
        "xinyong_eval", description="Schema the PostgreSQL engine creates and uses for evaluation."
    )
    today: date | None = Field(
        None,
        description="The date the workspace takes as today for ingest (decision dates and birth "
        "dates after it are refused), evaluate and check; unset: the UTC date of the system clock. "
        "The one clock of the system: tests and replays pin it.",
    )
    workday_overrides: Path | None = Field(
        None,
        description="YAML file of State Council holiday arrangements for years the "
        "chinese-calendar package does not hold yet (docs/guides/calendar.md); deadlines past "
        "the last known year are never guessed: they are pending, and decided in the "
        "subject's favour, until the year is added.",
    )
    notice_channel: Literal["outbox", "smtp"] = Field(
        "outbox",
        description="How notices to subjects are sent: `outbox` writes each message as an .eml "
        "file into `outbox_dir` (the embedded mode); `smtp` sends it to `smtp_host`. Notices to "
        "relying parties (a decision they received rested on a corrected record) always go to "
        "the outbox.",
    )
    outbox_dir: Path = Field(
        Path("outbox"), description="Folder of the file outbox: one .eml file per message."
    )
    smtp_host: str = Field("127.0.0.1", description="SMTP server of the `smtp` notice channel.")
    smtp_port: int = Field(25, description="Its port (plain SMTP; STARTTLS when it offers it).")
    notice_sender: str = Field(
        "notices@xinyong.invalid", description="The From address of notices."
    )
    ingest_batch_rows: int = Field(
        250_000, gt=0, description="Rows committed per ledger batch (and per checkpoint) on ingest."
    )

    def path(self, p: Path) -> Path:
        """A settings path resolved against the workspace folder."""
        return p if p.is_absolute() else self.workspace / p

    def keys_path(self) -> Path:
        """The folder of the keys: `keys_dir`, or the workspace folder's sibling `<name>.keys`."""
        if self.keys_dir is not None:
            return self.path(self.keys_dir)
        folder = self.workspace.absolute()
        return folder.parent / f"{folder.name}{KEYS_SUFFIX}"

    def key_path(self, p: Path) -> Path:
        """A key file's path, resolved against the keys folder."""
        return p if p.is_absolute() else self.keys_path() / p

    @classmethod
    def for_workspace(cls, workspace: Path, **overrides: object) -> Settings:
        """Settings of the workspace at `workspace`: overrides, then env, then `xinyong.toml`."""
        toml = workspace / SETTINGS_FILE
        _refuse_env_only(toml)

        class _WorkspaceSettings(cls):  # type: ignore[valid-type,misc]
            @classmethod
            def settings_customise_sources(
                cls,
                settings_cls: type[BaseSettings],
                init_settings: PydanticBaseSettingsSource,
                env_settings: PydanticBaseSettingsSource,
                dotenv_settings: PydanticBaseSettingsSource,
                file_secret_settings: PydanticBaseSettingsSource,
            ) -> tuple[PydanticBaseSettingsSource, ...]:
                return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml))

        loaded = _WorkspaceSettings(**{"workspace": workspace, **overrides})
        return cls.model_validate(loaded.model_dump())


def _refuse_env_only(toml: Path) -> None:
    try:
        written = tomllib.loads(toml.read_text(encoding="utf-8")) if toml.is_file() else {}
    except (OSError, tomllib.TOMLDecodeError):
        return  # pydantic's own reading of the file reports it
    found = [name for name in ENV_ONLY if name in written]
    if found:
        raise SettingsError(
            f"{toml}: {', '.join(found)} cannot be set in the workspace's settings file: whoever "
            "can write the workspace could choose the key verification trusts, or plant keys",
            details=[
                "set it in the environment (XINYONG_" + found[0].upper() + "), or pass "
                "`--key` to `xinyong verify`"
            ],
        )
