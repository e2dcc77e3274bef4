"""Collecting every problem of a pack, each located as `file:line:col key.path: message`.

Loading never stops at the first problem: each stage adds what it finds here, and the loader
raises one `PolicyError` with all of them, sorted by file and line. Warnings (lint findings that
do not make a pack invalid) are kept apart and travel with the loaded `Pack`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from xinyong.errors import PolicyProblem
from xinyong.policy.source import At, Document, Loc, excerpt

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def key_path(loc: Sequence[str | int]) -> str:
    """`entry[0].when[1].record_type` from `("entry", 0, "when", 1, "record_type")`.

    >>> key_path(("attributes", "amount", "scale"))
    'attributes.amount.scale'
    >>> key_path(("entry", 0, "when"))
    'entry[0].when'
    >>> key_path(("expect", "actions", "air_travel.book"))
    'expect.actions["air_travel.book"]'
    """
    out = ""
    for el in loc:
        if isinstance(el, int):
            out += f"[{el}]"
        elif _PLAIN_KEY.match(el):
            out += ("." if out else "") + el
        else:  # a key with dots or spaces, e.g. an action name used as a key
            out += f"[{json.dumps(el, ensure_ascii=False)}]"
    return out


def _sort_key(p: PolicyProblem) -> tuple[str, int, int, str]:
    return (str(p.source), p.line or 0, p.col or 0, p.message)


class Problems:
    """Errors and warnings found while loading one pack."""

    def __init__(self) -> None:
        self.errors: list[PolicyProblem] = []
        self.warnings: list[PolicyProblem] = []
        # findings waived by a reviewed `allow:` entry: not problems, but shown for review
        self.exceptions: list[PolicyProblem] = []

    def add(
        self,
        doc: Document,
        loc: Loc,
        message: str,
        *,
        at: At = "value",
        hints: Iterable[str | None] = (),
        warning: bool = False,
        exception: bool = False,
    ) -> None:
        """A problem at key path `loc` of a document (or, with `exception`, a waived one)."""
        line, col = doc.locate(loc, at)
        self._append(
            PolicyProblem(
                source=doc.file,
                line=line,
                col=col,
                key_path=key_path(loc),
                message=message,
                excerpt=excerpt(doc.lines, line, col),
                hints=[h for h in hints if h],
            ),
            warning,
            exception,
        )

    def in_file(
        self,
        file: Path,
        message: str,
        *,
        lines: Sequence[str] = (),
        line: int | None = None,
        col: int | None = None,
        loc: Loc = (),
        hints: Iterable[str | None] = (),
    ) -> None:
        """A problem with a whole file or folder, or at a position found without a document."""
        shown = excerpt(lines, line, col) if lines and line is not None else ""
        self._append(
            PolicyProblem(
                source=file,
                line=line,
                col=col,
                key_path=key_path(loc),
                message=message,
                excerpt=shown,
                hints=[h for h in hints if h],
            ),
            False,
        )

    def _append(self, problem: PolicyProblem, warning: bool, exception: bool = False) -> None:
        target = self.exceptions if exception else self.warnings if warning else self.errors
        if not any(p.header() == problem.header() for p in target):  # one cause may be found twice
            target.append(problem)

    def sorted_errors(self) -> list[PolicyProblem]:
        return sorted(self.errors, key=_sort_key)

    def sorted_warnings(self) -> list[PolicyProblem]:
        return sorted(self.warnings, key=_sort_key)

    def sorted_exceptions(self) -> list[PolicyProblem]:
        return sorted(self.exceptions, key=_sort_key)

    def __bool__(self) -> bool:
        return bool(self.errors)
