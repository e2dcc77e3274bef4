"""CLI errors: `Error: …` and exit 1 for user errors; a traceback only with --debug."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from rich.console import Console

from xinyong.errors import XinyongError


@contextmanager
def error_handler(argv: list[str] | None = None) -> Iterator[None]:
    """Turn a XinyongError into `Error: …` on stderr and its exit code (`exit_code`: 1, 3 for
    tampering, 4 for data loss); re-raise under --debug."""
    try:
        yield
    except XinyongError as exc:
        if "--debug" in (sys.argv if argv is None else argv):
            raise
        console = Console(stderr=True, highlight=False, soft_wrap=True)
        console.print("[bold red]Error:[/] ", end="")
        console.print(str(exc), markup=False)
        sys.exit(exc.exit_code)


class _CurrentStderr:
    """Writes to whatever `sys.stderr` is when a line is logged, not when logging was set up:
    a test runner (or an embedding program) may swap stderr and close the old one."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(*, verbose: bool) -> None:
    """structlog key/value lines on stderr: warnings and errors, or everything with --verbose."""
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.INFO if verbose else logging.WARNING
        ),
        logger_factory=structlog.PrintLoggerFactory(_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
