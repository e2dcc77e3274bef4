"""The decision log's free text: length-limited, no control characters, identifiers masked."""

from __future__ import annotations

import json

import pytest

from xinyong.errors import RequestError
from xinyong.service import Workspace

PERSON = "11010519491231002X"
FIRM = "91350100M000100Y43"


def _last_line(ws: Workspace) -> dict[str, object]:
    s = ws.settings
    lines = s.path(s.decision_log).read_text(encoding="utf-8").splitlines()
    line: dict[str, object] = json.loads(lines[-1])
    return line


def test_identifiers_in_purpose_and_asker_are_masked(workspace: Workspace) -> None:
    workspace.check(
        FIRM,
        "procurement.bid",
        purpose=f"bid 17, director {PERSON.lower()}",
        asked_by=f"clerk {PERSON}",
    )
    line = _last_line(workspace)
    assert line["purpose"] == "bid 17, director 11**************2x"
    assert line["asked_by"] == "clerk 11**************2X"
    text = json.dumps(line)
    assert PERSON not in text and PERSON.lower() not in text and "19491231" not in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("purpose", "x" * 201, "purpose: must be at most 200 characters, got 201"),
        ("asked_by", "y" * 101, "asked_by: must be at most 100 characters, got 101"),
        ("purpose", "ticket\nsale", "purpose: must not hold control characters"),
    ],
)
def test_overlong_or_multiline_text_refuses_the_check(
    workspace: Workspace, field: str, value: str, message: str
) -> None:
    s = workspace.settings
    log = s.path(s.decision_log)
    before = log.read_text(encoding="utf-8") if log.exists() else ""
    with pytest.raises(RequestError, match=message):
        workspace.check(FIRM, "procurement.bid", **{field: value})  # type: ignore[arg-type]
    after = log.read_text(encoding="utf-8") if log.exists() else ""
    assert after == before
