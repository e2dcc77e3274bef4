"""The one exception tree of xinyong. Each class carries the HTTP status the API maps it to."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class XinyongError(Exception):
    """Base of every error xinyong raises on purpose."""

    status = 500
    #: The CLI's exit code for it (docs/reference/cli.md, "Exit codes"): 1 unless said below.
    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        details: list[str] | None = None,
        errors: list[dict[str, object]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details: list[str] = list(details or [])
        # the fields at fault (and their lines, for files), for the API's problem details
        self.errors: list[dict[str, object]] = list(errors or [])

    def __str__(self) -> str:
        return "\n".join([self.message, *self.details])


class ScorecardError(XinyongError):
    """A scorecard cannot be fitted, reported or checked: the data, the features or the artefact
    say why (fitting needs the `scorecard` extra)."""

    status = 422


class SettingsError(XinyongError):
    """Settings or keys are missing or unusable."""


class IdentifierError(XinyongError):
    """An identifier fails its scheme: `reason` says exactly what is wrong."""

    status = 422

    def __init__(self, scheme: str, value: str, reason: str) -> None:
        super().__init__(f"{scheme} {value!r}: {reason}")
        self.scheme, self.value, self.reason = scheme, value, reason


@dataclass
class PolicyProblem:
    """One problem in a policy pack, located as `file:line:col key.path: message`."""

    source: Path
    line: int | None
    col: int | None
    key_path: str
    message: str
    excerpt: str = ""
    hints: list[str] = field(default_factory=list)

    def header(self) -> str:
        where = str(self.source)
        if self.line is not None:
            where += f":{self.line}" + (f":{self.col}" if self.col is not None else "")
        key = f" {self.key_path}:" if self.key_path else ""
        return f"{where}{key} {self.message}"

    def __str__(self) -> str:
        return "\n".join([self.header(), *self.hints, *([self.excerpt] if self.excerpt else [])])


class PolicyError(XinyongError):
    """A policy pack is invalid; `problems` lists every problem found, not just the first."""

    status = 422

    def __init__(self, problems: list[PolicyProblem]) -> None:
        n = len(problems)
        super().__init__(f"policy pack has {n} problem{'s' if n != 1 else ''}")
        self.problems = problems

    def __str__(self) -> str:
        return "\n\n".join(str(p) for p in self.problems)


class CompileError(XinyongError):
    """A policy cannot be compiled to a relational plan."""


class EngineError(XinyongError):
    """An engine failed to run a compiled plan."""


class IngestError(XinyongError):
    """A whole input file is unusable (unreadable, wrong columns); row problems go to rejects."""

    status = 422


class RequestError(XinyongError):
    """A request's own fields are unusable (a check's purpose too long, say)."""

    status = 422


class LedgerError(XinyongError):
    """The ledger refused a write (append-only violation) or cannot be opened safely."""

    status = 409


class TamperDetected(LedgerError):
    """`verify` found entries or checkpoints that do not match; `details` names each. Also raised
    by any command that finds the ledger, its checkpoints, its keys or the decision index fail
    a check, or the last verification failed."""

    exit_code = 3


class PackNotInForce(TamperDetected):
    """The pack the workspace would apply is not the one the ledger's last `pack.activation`
    names (its folder was edited, or no pack was ever activated): evaluate and check refuse
    until the approved content is restored or two authorities approve the new one."""


class DataLoss(LedgerError):
    """A committed batch is missing (a damaged or removed write-ahead log): never taken for a
    commit that did not happen; the message says how to restore or accept the loss."""

    exit_code = 4


class CalendarError(XinyongError):
    """A deadline falls in a year whose official working-day arrangement is not known (or an
    arrangement given to the calendar contradicts itself)."""

    status = 503


class NotFound(XinyongError):
    status = 404


class Refused(XinyongError):
    """A due-process step refused (an objection too late, a restoration before its minimum
    period): `reasons` say why and `remedy` what the person may do next; nothing was changed."""

    status = 409

    def __init__(self, message: str, *, reasons: list[str], remedy: str) -> None:
        super().__init__(
            message,
            details=[*(f"- {r}" for r in reasons), f"next: {remedy}"],
            errors=[{"field": "step", "reason": r} for r in reasons],
        )
        self.reasons = reasons
        self.remedy = remedy


class Unauthorized(XinyongError):
    """A request carries no API key, or one that is unknown, expired or revoked."""

    status = 401


class Forbidden(XinyongError):
    """The caller's key is valid, but its role or scope does not allow what it asked;
    `errors` names the fields (and lines, for files) outside the scope."""

    status = 403


class InvalidInput(XinyongError):
    """Input refused as a whole; `errors` names each field at fault (and its line, for files)."""

    status = 422
