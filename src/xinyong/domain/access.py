"""Who may call the API: roles, and an API key's record (never its secret).

An API key is bound to one role and a scope that narrows it: a provider to the authority it
submits for and the record types it may submit, a relying party to the actions it may check and
the purpose it declared, a subject to its own identifier (held as the subject key, the same
pseudonym the ledger holds, so no raw identifier of an individual is stored). Authorities,
auditors and admins have no narrower scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    provider = "provider"
    relying_party = "relying_party"
    subject = "subject"
    authority = "authority"
    auditor = "auditor"
    admin = "admin"


@dataclass(frozen=True, slots=True)
class Scope:
    """What a key's role is narrowed to; fields that do not apply to the role stay empty."""

    authority: str | None = None
    record_types: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    purpose: str | None = None
    subject_key: str | None = None


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as stored: its public id (the token's prefix), the hash of its secret, its
    role and scope, and its life (created, expires, revoked)."""

    key_id: str
    name: str
    role: Role
    scope: Scope
    secret_hash: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    @property
    def principal(self) -> str:
        """How the ledger and the decision log name the key's holder: its name and public id."""
        return f"{self.name}#{self.key_id}"

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at
