"""The one place that picks the ledger store by settings (`ledger_store`): callers get a
`LedgerStore` and rely on its class constants, never on which store it is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xinyong.errors import SettingsError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from xinyong.settings import Settings
    from xinyong.storage.base import LedgerStore


def open_store(
    settings: Settings, *, read_only: bool = False, public_key: Ed25519PublicKey | None = None
) -> LedgerStore:
    """The workspace's ledger store, opened (see each store's `from_settings`)."""
    if settings.ledger_store == "postgres":
        from xinyong.storage.postgres import PostgresLedger

        return PostgresLedger.from_settings(settings, read_only=read_only, public_key=public_key)
    from xinyong.storage.duckdb import DuckDBLedger

    return DuckDBLedger.from_settings(settings, read_only=read_only, public_key=public_key)


def refuse_used_schema(url: str, schema: str) -> None:
    """A new workspace gets a new ledger: a schema holding one belongs to another workspace
    (its checkpoints are elsewhere), and opening it here would only be refused later."""
    import psycopg

    from xinyong.storage import migrate

    try:
        with psycopg.connect(url, connect_timeout=10) as con:
            found = migrate.state(con, schema)
    except psycopg.Error as exc:
        raise SettingsError(f"cannot connect to PostgreSQL at {url}: {str(exc).strip()}") from exc
    if found is not None:
        raise SettingsError(
            f"schema {schema!r} already holds a ledger (migration {found}); "
            "choose another with --schema"
        )
