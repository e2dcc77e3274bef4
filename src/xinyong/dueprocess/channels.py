"""Where notices go: a pluggable channel. The embedded mode writes each message as an .eml file
into the workspace's outbox folder; the `smtp` channel hands it to an SMTP server (stdlib
`smtplib`). Both send the same RFC 5322 message (`email.message.EmailMessage`).

A notice to a subject goes through the channel the settings name. Relying parties are told of
corrections through the outbox (the delta feed will carry them once the service has one).
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

from xinyong.errors import SettingsError
from xinyong.settings import Settings


@dataclass(frozen=True)
class Message:
    """One notice: to whom (an address, or a party's name for the outbox), its subject line and
    text, and the case it belongs to."""

    to: str
    subject: str
    body: str
    case: str
    on: date


@dataclass(frozen=True)
class Sent:
    channel: str
    message_id: str
    where: str  # the outbox file, or the SMTP server


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> Sent: ...


def _email(m: Message, sender: str) -> EmailMessage:
    out = EmailMessage()
    out["From"] = sender
    out["To"] = m.to
    out["Subject"] = m.subject
    out["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "xinyong.invalid")
    out["X-Xinyong-Case"] = m.case
    out["X-Xinyong-Date"] = m.on.isoformat()
    out.set_content(m.body)
    return out


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class Outbox:
    """Writes each message to `<folder>/<date>-<case>-<n>.eml`; nothing leaves the machine."""

    name = "outbox"

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    def send(self, message: Message) -> Sent:
        self.folder.mkdir(parents=True, exist_ok=True)
        email = _email(message, self.sender)
        stem = f"{message.on.isoformat()}-{_UNSAFE.sub('_', message.case)}"
        n = 1
        while (path := self.folder / f"{stem}-{n}.eml").exists():
            n += 1
        with path.open("xb") as fh:  # never overwrite a message already in the outbox
            fh.write(bytes(email))
        return Sent(self.name, str(email["Message-ID"]), path.name)


class Smtp:
    """Hands each message to an SMTP server (STARTTLS when the server offers it)."""

    name = "smtp"

    def __init__(self, host: str, port: int, sender: str) -> None:
        self.host, self.port, self.sender = host, port, sender

    def send(self, message: Message) -> Sent:
        email = _email(message, self.sender)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=30) as server:
                server.ehlo()
                if server.has_extn("starttls"):
                    server.starttls()
                    server.ehlo()
                server.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            raise SettingsError(
                f"the notice could not be sent to {self.host}:{self.port} ({exc}); nothing "
                "was recorded",
                details=['check smtp_host and smtp_port, or use notice_channel = "outbox"'],
            ) from exc
        return Sent(self.name, str(email["Message-ID"]), f"{self.host}:{self.port}")


def subject_channel(settings: Settings) -> Channel:
    """The channel notices to subjects go through (`notice_channel`)."""
    s = settings
    if s.notice_channel == "smtp":
        return Smtp(s.smtp_host, s.smtp_port, s.notice_sender)
    return Outbox(s.path(s.outbox_dir), s.notice_sender)


def outbox(settings: Settings) -> Outbox:
    return Outbox(settings.path(settings.outbox_dir), settings.notice_sender)
