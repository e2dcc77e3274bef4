"""The SMTP notice channel, against a local SMTP server the test starts (aiosmtpd)."""

from __future__ import annotations

import socket
from datetime import date
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from tests.service.test_dueprocess import PERSON, TODAY, _debtor, _ingest, _seq, _variant
from xinyong.errors import SettingsError
from xinyong.service import Workspace


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_notice_is_sent_over_smtp_and_recorded_served(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        made = Workspace.init(tmp_path / "ws", pack=_variant(tmp_path, notice=True), today=TODAY)
        _ingest(made, tmp_path, *_debtor("(2026)京0105执7号", "2026-09-01", notice="2026-08-03"))
        ws = Workspace.open(
            tmp_path / "ws",
            notice_channel="smtp",
            smtp_port=port,
            verify_key=made.settings.verify_key,
        )
        seq = _seq(ws, PERSON, "court.enforcement.dishonesty_decision")
        out = ws.dueprocess.issue_notice(
            PERSON,
            seq,
            "dishonest_judgment_debtors",
            actor="court",
            reasons="able to perform but refuses",
            to="debtor@example.invalid",
            on=date(2026, 10, 12),
        )
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    got = inbox.messages[0]
    assert got["To"] == "debtor@example.invalid"
    assert got["X-Xinyong-Case"] == out.case
    body = got.get_payload(decode=True)
    assert isinstance(body, bytes) and "until 2026-10-22" in body.decode("utf-8")
    served = [e for e in out.steps if e.type == "notice.served"]
    assert served and served[0].attributes["channel"] == "smtp"
    assert served[0].attributes["message_id"] == got["Message-ID"]


def test_an_unreachable_smtp_server_records_nothing(tmp_path: Path) -> None:
    made = Workspace.init(tmp_path / "ws", pack=_variant(tmp_path, notice=True), today=TODAY)
    _ingest(made, tmp_path, *_debtor("(2026)京0105执7号", "2026-09-01", notice="2026-08-03"))
    ws = Workspace.open(
        tmp_path / "ws",
        notice_channel="smtp",
        smtp_port=_free_port(),
        verify_key=made.settings.verify_key,
    )
    seq = _seq(ws, PERSON, "court.enforcement.dishonesty_decision")
    before = len(ws.subject(PERSON).entries)
    with pytest.raises(SettingsError):
        ws.dueprocess.issue_notice(
            PERSON, seq, "dishonest_judgment_debtors", actor="court", reasons="r",
            to="d@example.invalid", on=date(2026, 10, 12),
        )  # fmt: skip
    assert len(ws.subject(PERSON).entries) == before
