"""What every resolver step shares: the problem list, the declared sources, the catalogue so far,
and helpers that turn names into checked references with "Did you mean …?" when they miss."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel

from xinyong.domain.catalogue import Citation, Confidence, Period, RecordType, did_you_mean
from xinyong.policy.pack import Source
from xinyong.policy.problems import Problems
from xinyong.policy.source import Document, Loc
from xinyong.policy.spec.common import RawCitationSpec

E = TypeVar("E", bound=StrEnum)

# names of document groups, used for duplicate checks and to locate findings later
RECORD_TYPE, LIST, SCHEME, MEASURE, CASE, PACK = (
    "record type",
    "list",
    "scheme",
    "measure",
    "case",
    "pack",
)


@dataclass(frozen=True)
class Parsed:
    """A document that passed its spec."""

    doc: Document
    spec: BaseModel


@dataclass
class Context:
    problems: Problems
    sources: Mapping[str, Source]
    # every name any document of a group declares, valid or not: a reference to a document that
    # is itself broken is not reported again as "unknown"
    declared: Mapping[str, set[str]]
    catalogue: dict[str, RecordType] = field(default_factory=dict)

    def citations(
        self, doc: Document, loc: Loc, raws: Sequence[RawCitationSpec]
    ) -> tuple[Citation, ...]:
        """Citations as written; an unknown source is reported here and kept, so that the rule
        requiring a basis does not report the same mistake again as "no legal basis"."""
        for i, raw in enumerate(raws):
            self.source_ok(doc, (*loc, i, "source"), raw.source)
        return tuple(
            Citation(
                source=raw.source,
                article=raw.article,
                note=raw.note,
                confidence=Confidence(raw.confidence) if raw.confidence else None,
            )
            for raw in raws
        )

    def source_ok(self, doc: Document, loc: Loc, source: str) -> bool:
        if source in self.sources:
            return True
        if self.sources:  # none means pack.yaml is missing or broken, which is reported already
            self.problems.add(
                doc,
                loc,
                f"unknown source {source!r}: cite a source declared under `sources:` in pack.yaml",
                hints=[did_you_mean(source, self.sources)],
            )
        return False

    def vocab(
        self,
        doc: Document,
        loc: Loc,
        value: str,
        enum: type[E],
        *,
        what: str,
        suggest: Iterable[str] | None = None,
    ) -> E | None:
        """`value` as a member of a closed vocabulary, or a problem naming the closest members."""
        try:
            return enum(value)
        except ValueError:
            candidates = list(suggest if suggest is not None else (m.value for m in enum))
            self.problems.add(
                doc,
                loc,
                f"unknown {what} {value!r} (a closed vocabulary; see the pack format reference)",
                hints=[did_you_mean(value, candidates)],
            )
            return None

    def record_type(self, doc: Document, loc: Loc, name: str) -> RecordType | None:
        found = self.catalogue.get(name)
        if found is None:
            self.unknown(doc, loc, RECORD_TYPE, name, self.catalogue)
        return found

    def list_name(self, doc: Document, loc: Loc, name: str) -> None:
        """Report a reference to a list no document declares."""
        known = self.declared.get(LIST, set())
        if name not in known:
            self.unknown(doc, loc, LIST, name, known)

    def unknown(
        self,
        doc: Document,
        loc: Loc,
        group: str,
        name: str,
        known: Iterable[str],
        *,
        of: str | None = None,
    ) -> None:
        if of is None and name in self.declared.get(group, set()):
            return  # declared, but its own document is invalid and already reported
        where = f" of {of}" if of else ""
        self.problems.add(
            doc, loc, f"unknown {group} {name!r}{where}", hints=[did_you_mean(name, known)]
        )

    def period(self, text: str | None) -> Period | None:
        # specs have already checked the syntax
        return None if text is None else Period.parse(text)

    def unique(
        self, doc: Document, loc: Loc, names: Sequence[str], what: str, key: str = "name"
    ) -> None:
        """Report repeated names in a list of rules (each at its second occurrence)."""
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                self.problems.add(doc, (*loc, i, key), f"duplicate {what} {name!r}")
            seen.add(name)
