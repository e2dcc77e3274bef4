"""Settings: one object read from a workspace's `xinyong.toml` and `XINYONG_*` variables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

SETTINGS_FILE = "xinyong.toml"


class Settings(BaseSettings):
    """Where a workspace keeps its ledger, checkpoints, keys and pack.

    Relative paths are resolved against `workspace`.
    """

    model_config = SettingsConfigDict(env_prefix="XINYONG_", extra="forbid")

    workspace: Path = Field(Path("."), description="Folder of the workspace.")
    database: Path = Field(Path("ledger.duckdb"), description="The embedded DuckDB ledger file.")
    checkpoint_dir: Path = Field(
        Path("checkpoints"),
        description="Signed checkpoints, kept outside the database so truncation is detectable.",
    )
    signing_key_file: Path = Field(
        Path("keys/ledger-signing.key"), description="Ed25519 private key that signs checkpoints."
    )
    pseudonym_key_file: Path = Field(
        Path("keys/pseudonym.key"),
        description="Secret key of the keyed hash that pseudonymises identifiers of individuals.",
    )
    api_keys_file: Path = Field(
        Path("keys/api-keys.json"),
        description="API keys of `xinyong serve` (mode 0600): role, scope, expiry and the SHA-256 "
        "of each secret, never a secret; managed with `xinyong keys`.",
    )
    pack: Path = Field(Path("pack"), description="The policy pack folder in force.")
    decision_log: Path = Field(
        Path("logs/decisions.jsonl"),
        description="Every check, one JSON line: who asked, why, about whom, and the answer.",
    )
    ledger_origin: str = Field(
        "xinyong.local/ledger", description="Origin line of signed checkpoints (names this log)."
    )
    postgres_url: str | None = Field(
        None,
        description="PostgreSQL server for `evaluate --engine postgres` (libpq URL), e.g. "
        "postgresql://postgres@127.0.0.1:5432/test.",
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
        "chinese-calendar package does not hold yet; deadlines past the last known year are "
        "errors, never guesses.",
    )
    ingest_batch_rows: int = Field(
        250_000, gt=0, description="Rows committed per ledger batch (and per checkpoint) on ingest."
    )

    def path(self, p: Path) -> Path:
        """A settings path resolved against the workspace folder."""
        return p if p.is_absolute() else self.workspace / p

    @classmethod
    def for_workspace(cls, workspace: Path, **overrides: object) -> Settings:
        """Settings of the workspace at `workspace`: overrides, then env, then `xinyong.toml`."""
        toml = workspace / SETTINGS_FILE

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
