"""Corrections reach everywhere: when an objection is upheld and a record corrected or revoked,
every past decision in the decision log that rested on the record is listed, and the relying
parties that received those decisions are told (through the outbox; the delta feed will carry it
once the service has one). The subject itself is re-evaluated in the same step
(`ledger.record` re-evaluates the subjects a batch touches).

A decision log line names the records its decision rested on (`records`: the ledger seqs of the
records its listings were anchored on), which is what makes this a lookup, not a guess. Lines of
checks answered from the hot decision file name none; every restrict or reward among them is
counted (over-telling is safe).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from xinyong.dueprocess.channels import Message, outbox

if TYPE_CHECKING:
    from xinyong.domain.record import Entry
    from xinyong.service import Workspace


@dataclass(frozen=True)
class Reach:
    """The past decisions that rested on a corrected record, and who was told."""

    record_seq: int
    decisions: list[dict[str, object]]
    notified: list[tuple[str, str]]  # (relying party, the outbox file)


def relied_on(line: dict[str, object], seq: int) -> bool:
    """The decision of `line` rested on record `seq`: named in its `records`, or, for a line
    that names none (a relying party's check answered from the hot decision file, which keeps
    outcomes, not the records behind them), any restrict or reward: telling a relying party
    once too often is safe, missing one is not."""
    found = line.get("records")
    if isinstance(found, list):
        return seq in found
    return line.get("outcome") in ("restrict", "reward")


def reach(ws: Workspace, record: Entry, outcome: str, case: str, on: date) -> Reach:
    from xinyong.storage.decisionlog import LogFilter

    where = LogFilter(subject_key=record.subject_key)
    lines = [
        line for line in ws.decision_log(where, limit=1_000_000) if relied_on(line, record.seq)
    ]
    by_party: dict[str, list[dict[str, object]]] = defaultdict(list)
    for line in lines:
        party = line.get("asked_by")
        if line.get("audience") == "relying_party" and isinstance(party, str) and party:
            by_party[party].append(line)
    box = outbox(ws.settings)
    notified = []
    for party, got in sorted(by_party.items()):
        listed = "\n".join(
            f"- asked {line['asked_at']} for {line['action']} (purpose: {line.get('purpose')}), "
            f"answered {line['outcome']} as of {line['as_of']}"
            for line in got
        )
        body = (
            f"Record {record.seq} ({record.record_type}, {record.document_ref}) was {outcome} on "
            f"{on} on an upheld objection ({case}). These decisions you received about subject "
            f"{record.subject_key} rested on it and no longer stand; ask again before relying "
            f"on them:\n{listed}\n"
        )
        sent = box.send(
            Message(
                to=party, subject=f"Decisions to take again ({case})", body=body, case=case, on=on
            )
        )
        notified.append((party, sent.where))
    return Reach(record.seq, lines, notified)
