"""The two-person rule on the pack in force, read from the ledger's pack steps.

A pack is the law a workspace applies; its version is its content hash (`policy.Pack.version`).
It comes into force only by a `pack.activation` step, which the service writes when the second
*distinct* approver's `pack.approval` of that version arrives. Approvals count only after the
last activation (of any version): going back to an earlier pack needs two fresh approvals, and
the same approver approving twice is one approval. The pack in force is the one the last
activation names; `init` writes the first activation itself (a bootstrap: see `bootstrap`).

Everything here is pure: the service reads the pack steps, asks `PackGovernance` what holds,
and appends the steps `approve` returns in one batch (so an activation is never written without
the approval that completed it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from xinyong.domain.workflow import NewStep, Step, StepType

#: Distinct approvers a version needs before it comes into force.
REQUIRED_APPROVALS = 2
#: The actor of the activation `init` writes (no approval precedes it).
BOOTSTRAP_ACTOR = "workspace.init"


@dataclass(frozen=True, slots=True)
class Approval:
    seq: int
    version: str
    approver: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Activation:
    seq: int
    version: str
    approvers: tuple[str, ...]  # empty for the bootstrap activation
    on: date
    at: datetime

    @property
    def bootstrap(self) -> bool:
        return not self.approvers


@dataclass(frozen=True)
class PackGovernance:
    """What the pack steps say: the activation in force, and the approvals counted since."""

    in_force: Activation | None = None
    # version → its approvals since the last activation, one per approver, oldest first
    pending: dict[str, list[Approval]] = field(default_factory=dict)
    history: list[Activation] = field(default_factory=list)
    # activations not honoured: not backed by two distinct approvals, or a bootstrap after seq 0
    ignored: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, steps: Iterable[Step]) -> PackGovernance:
        """Read the `pack.approval` and `pack.activation` steps, in ledger order. An activation
        is honoured only if the approvals before it back it (the ledger's own record, not the
        activation's word), or if it is the bootstrap at seq 0."""
        in_force: Activation | None = None
        pending: dict[str, list[Approval]] = {}
        history: list[Activation] = []
        ignored: list[int] = []
        for s in sorted(steps, key=lambda x: x.seq):
            version = s.document_ref
            if s.step_type is StepType.pack_approval:
                counted = pending.setdefault(version, [])
                if all(a.approver != s.actor for a in counted):
                    counted.append(Approval(s.seq, version, s.actor, s.received_at))
            elif s.step_type is StepType.pack_activation:
                backing = pending.get(version, [])
                if len(backing) >= REQUIRED_APPROVALS:
                    approvers = tuple(a.approver for a in backing)
                elif s.seq == 0 and s.actor == BOOTSTRAP_ACTOR:
                    approvers = ()
                else:
                    ignored.append(s.seq)
                    continue
                in_force = Activation(s.seq, version, approvers, s.on, s.received_at)
                history.append(in_force)
                pending = {}
        return cls(in_force, pending, history, ignored)

    @property
    def version(self) -> str | None:
        """The version of the pack in force (None before any activation)."""
        return None if self.in_force is None else self.in_force.version

    def approvals(self, version: str) -> list[Approval]:
        return list(self.pending.get(version, ()))

    def approve(
        self, version: str, approver: str, *, on: date, now: datetime, next_seq: int
    ) -> list[NewStep]:
        """The steps an approval of `version` by `approver` appends (its seq will be
        `next_seq`): none when this approver already approved it since the last activation
        (counted once), the approval, and with it the activation when it is the
        `REQUIRED_APPROVALS`-th distinct one. ValueError when `version` is already in force."""
        if version == self.version:
            raise ValueError(f"pack {version} is already in force")
        counted = self.approvals(version)
        if any(a.approver == approver for a in counted):
            return []
        approval = NewStep(
            StepType.pack_approval,
            approver,
            on,
            version,
            attributes={
                "pack_version": version,
                "approver": approver,
                "approved_at": now.isoformat(),
            },
        )
        if len(counted) + 1 < REQUIRED_APPROVALS:
            return [approval]
        approvers = [*(a.approver for a in counted), approver]
        activation = NewStep(
            StepType.pack_activation,
            approver,
            on,
            version,
            refers_to=next_seq,  # the approval that completes it, appended just before
            attributes={
                "pack_version": version,
                "approvers": " ".join(approvers),
                "approvals": " ".join(str(s) for s in [*(a.seq for a in counted), next_seq]),
            },
        )
        return [approval, activation]


def bootstrap(version: str, pack_name: str, on: date) -> NewStep:
    """The activation `init` writes for the pack it installs, with no approval before it.

    Safe because it can only be the ledger's first entry (the service writes it when it creates
    the ledger, and `PackGovernance` takes a bootstrap activation nowhere else): whoever runs
    `init` creates the keys and the ledger, so could start it with any pack anyway, and the
    entry records, signed, which pack that was. Every later change of the law needs two
    distinct approvers."""
    return NewStep(
        StepType.pack_activation,
        BOOTSTRAP_ACTOR,
        on,
        version,
        attributes={"pack_version": version, "pack_name": pack_name, "bootstrap": True},
    )
