"""`sharedstat.stat`: shared only by steps queued before the memo was made, so a check never
answers from a `stat` taken before it arrived; outside `SharedStats.use` it is `os.stat`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from xinyong.storage.sharedstat import SharedStats, stat


def test_outside_use_every_stat_is_taken(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("a")
    assert stat(path).st_size == 1
    path.write_text("abc")
    assert stat(path).st_size == 3


def test_a_step_queued_after_the_memo_takes_its_own_stat(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("a")
    gone = tmp_path / "gone"
    seen: list[object] = []
    shared = SharedStats()

    def look() -> None:
        token = shared.use()
        try:
            seen.append(stat(path).st_size)
            try:
                stat(gone)
            except FileNotFoundError:
                seen.append("missing")
        finally:
            shared.done(token)

    async def main() -> None:
        asyncio.get_running_loop().call_soon(look)  # queued before the memo: may share it
        look()  # makes the memo: size 1, `gone` missing
        path.write_text("abc")  # a change after the memo was made...
        gone.write_text("x")
        look()  # ...is not seen by the step that made it (it arrived before the change)
        await asyncio.sleep(0)  # this step is queued after the memo: it has ended
        look()

    asyncio.run(main())
    assert seen == [1, "missing", 1, "missing", 1, "missing", 3]


def test_an_error_other_than_missing_is_not_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f"
    path.write_text("a")
    calls = [0]
    real = __import__("os").stat

    def flaky(p: object) -> object:
        calls[0] += 1
        if calls[0] == 1:
            raise PermissionError(13, "denied")
        return real(p)  # type: ignore[call-overload]

    monkeypatch.setattr("xinyong.storage.sharedstat.os.stat", flaky)
    shared = SharedStats()

    async def main() -> None:
        token = shared.use()
        try:
            with pytest.raises(PermissionError):
                stat(path)
            assert stat(path).st_size == 1
        finally:
            shared.done(token)

    asyncio.run(main())
