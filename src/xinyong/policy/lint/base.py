"""The `Rule` interface: a named check over a resolved pack that yields located findings.

Rules see resolved domain objects, not YAML: the principle rules check structure (what a record
type *is*); the meaning screen (S1) reads the words those objects keep. A finding names the
document by group and name and a key path inside it; the loader turns that into
`file:line:col key.path: message` with an excerpt.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from xinyong.domain.catalogue import Citation
from xinyong.policy.pack import Pack
from xinyong.policy.source import At, Loc


class Severity(StrEnum):
    error = "error"
    warning = "warning"


@dataclass(frozen=True)
class Finding:
    """A problem in the document `(group, name)` at key path `loc`.

    Resolved objects hold sets, which forget YAML order: `item` names a value of the list at `loc`
    instead, and the runner finds its index in the document. `allowed` carries the reason of a
    reviewed `allow:` entry that waives the finding: it is then shown for review, not refused.
    """

    group: str
    name: str
    loc: Loc
    message: str
    item: str | None = None
    hints: tuple[str, ...] = ()
    at: At = "value"
    allowed: str | None = None


class Rule(ABC):
    """One check. `code` is stable (P1…P7 for design principles, L1… for lint)."""

    code: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]

    @abstractmethod
    def check(self, pack: Pack) -> Iterator[Finding]: ...


def principle(n: int, text: str) -> str:
    return f"(design principle {n}: {text})"


def all_unconfirmed(pack: Pack, basis: Iterable[Citation]) -> bool:
    marks = [pack.confidence(c) for c in basis if c.source in pack.sources]
    return bool(marks) and all(m == "U" for m in marks)
