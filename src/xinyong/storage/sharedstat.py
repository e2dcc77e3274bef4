"""`stat`: `os.stat`, shared by the checks one event loop answers at once.

Each check a server answers notices a change made by another process through a `stat`: the key
file (a key revoked or expired by the CLI), the verification record, the hot file and the
checkpoint folder (a writer's new file). Four system calls per check, on a loaded machine the
largest part of its own cost. Under concurrent load many checks run in one turn of the event
loop, and they may share those `stat`s without seeing anything older than a per-check `stat`
would let them see:

`SharedStats.use()` makes a memo, if none is live, and queues its end on the loop
(`call_soon`). The loop runs callbacks in the order they were queued, so every step that runs
while the memo is live was queued before the memo was made: its request had arrived before any
`stat` in the memo was taken. A check therefore never answers from a `stat` taken before it
arrived, which is all a `stat` of its own would give it (whatever changes after it arrived
races with it either way); a check that arrives later finds the memo gone and takes its own.
Outside `use` (threads, the CLI, other processes) `stat` is `os.stat`.
"""

from __future__ import annotations

import asyncio
import errno
import os
from contextvars import ContextVar, Token

_Memo = dict[str, os.stat_result | None]
_memo: ContextVar[_Memo | None] = ContextVar("xinyong_shared_stat", default=None)


def stat(path: str | os.PathLike[str]) -> os.stat_result:
    """`os.stat(path)`, from the live memo if the caller runs under `SharedStats.use`."""
    memo = _memo.get()
    if memo is None:
        return os.stat(path)
    key = os.fspath(path)
    if key not in memo:
        try:
            memo[key] = os.stat(key)
        except FileNotFoundError:
            memo[key] = None
            raise
    found = memo[key]
    if found is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), key)
    return found


class SharedStats:
    """The memo of one event loop's current turn (see the module docstring)."""

    def __init__(self) -> None:
        self._live: _Memo | None = None

    def use(self) -> Token[_Memo | None]:
        """Share `stat`s with the steps queued before the memo was made; give the token to
        `done` before the step awaits anything."""
        memo = self._live
        if memo is None:
            memo = self._live = {}
            asyncio.get_running_loop().call_soon(self._end, memo)
        return _memo.set(memo)

    def _end(self, memo: _Memo) -> None:
        if self._live is memo:
            self._live = None

    @staticmethod
    def done(token: Token[_Memo | None]) -> None:
        _memo.reset(token)
