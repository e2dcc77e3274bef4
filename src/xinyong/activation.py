"""The pack in force under the two-person rule: proposals, approvals, activation, the check.

`service.Workspace` calls these (like `queries.py` and `steps.py`, nothing below imports them);
the rule itself is pure, in `domain/governance.py`.

- A pack is *proposed* by copying its folder into `settings.pack_proposals/<hash prefix>/`, so
  approvers can name it by version alone (the API) and the service holds the very content.
- An *approval* is a `pack.approval` step by one approver (an authority API key, `key:<id>`; on
  the CLI an operator named with `--as`, `operator:<name>`); the second distinct one is
  appended together with the `pack.activation` step, and the approved folder is then installed
  as the workspace's pack folder (copied beside it, its hash checked, swapped in by renames).
- The *check*: evaluate and check refuse unless the pack the workspace applies hashes to the
  version the last activation names. Whoever can write the pack folder can no longer change the
  law unseen: an edit changes the hash, and only two approvers can make a new hash the law.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from xinyong.domain.governance import PackGovernance, bootstrap
from xinyong.domain.workflow import Step, StepType
from xinyong.errors import InvalidInput, NotFound, PackNotInForce
from xinyong.policy import Pack, load_pack
from xinyong.steps import append_steps

if TYPE_CHECKING:
    from xinyong.settings import Settings
    from xinyong.storage.base import LedgerStore

log = structlog.get_logger(__name__)


_APPROVER = re.compile(r"^(key|operator):[A-Za-z0-9._@-]{1,64}$")


def check_approver(approver: str) -> None:
    """An approver is `key:<API key id>` or `operator:<name>` (no spaces: the activation lists
    its approvers separated by spaces)."""
    if not _APPROVER.match(approver):
        raise InvalidInput(
            f"approver {approver!r} is not `key:<id>` or `operator:<name>` (1-64 letters, "
            "digits and . _ @ -)",
            errors=[{"field": "approver", "reason": "not key:<id> or operator:<name>"}],
        )


def governance(store: LedgerStore) -> PackGovernance:
    """The pack steps of the ledger, read."""
    steps = [
        Step.from_entry(e)
        for t in (StepType.pack_approval, StepType.pack_activation)
        for e in store.steps(step_type=t.value)
    ]
    return PackGovernance.of(steps)


def refuse_unless_in_force(pack: Pack, store: LedgerStore, folder: Path) -> None:
    """`PackNotInForce` unless `pack` (loaded from `folder`) is the pack the last activation
    names."""
    state = governance(store)
    if state.in_force is None:
        raise PackNotInForce(
            f"no pack is in force in this ledger (no pack.activation entry), so {folder} is not "
            "the law here; two authorities must approve it first",
            details=[
                f"its version is {pack.version}",
                "approve: `xinyong pack approve --as NAME` by two different operators, or "
                f"POST /v1/packs/{pack.version}/approvals with two authority keys",
            ],
        )
    if pack.version != state.in_force.version:
        a = state.in_force
        who = ", ".join(a.approvers) if a.approvers else "the workspace's creation"
        raise PackNotInForce(
            f"the pack folder {folder} is not the pack in force: it hashes to {pack.version}, "
            f"but the ledger's last activation (entry {a.seq}, by {who}) names {a.version}; "
            "refusing to apply a law nobody approved",
            details=[
                "if the folder was edited by mistake, restore it (its approved content hashes "
                f"to {a.version})",
                "to make this content the law: `xinyong pack propose FOLDER`, then two "
                "authorities approve its version",
            ],
        )


def _proposal_dir(settings: Settings, version: str) -> Path:
    digest = version.removeprefix("sha256:")
    return settings.path(settings.pack_proposals) / digest[:16]


def propose(settings: Settings, folder: Path) -> Pack:
    """Copy a valid pack into the proposals folder (once); the pack as loaded."""
    pack = load_pack(folder)
    target = _proposal_dir(settings, pack.version)
    if target.exists() and _version_of(target) == pack.version:
        return pack
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".proposal-", dir=target.parent))
    shutil.copytree(folder, staging / "pack")
    if _version_of(staging / "pack") != pack.version:  # changed while being copied
        shutil.rmtree(staging)
        raise InvalidInput(f"{folder} changed while it was being proposed; propose it again")
    if target.exists():  # a stale or damaged copy: replaced by the checked one
        shutil.rmtree(target)
    (staging / "pack").rename(target)
    staging.rmdir()
    log.info("pack_proposed", version=pack.version, name=pack.name)
    return pack


def _version_of(folder: Path) -> str | None:
    from xinyong.errors import PolicyError

    try:
        return load_pack(folder).version
    except (PolicyError, OSError):
        return None


def find(settings: Settings, version: str) -> Path:
    """The folder holding the pack of `version`: the workspace's pack folder, or a proposal
    (each hashed now: a folder edited since is not that version)."""
    current = settings.path(settings.pack)
    for folder in (current, _proposal_dir(settings, version)):
        if folder.is_dir() and _version_of(folder) == version:
            return folder
    raise NotFound(
        f"no pack of version {version} in this workspace; propose it first "
        "(`xinyong pack propose FOLDER`)"
    )


@dataclass(frozen=True)
class ApprovalResult:
    """Where a version stands after an approval."""

    version: str
    approvers: list[str]
    recorded: list[Step]  # the steps this approval appended (none for a repeat)
    activated: bool  # this approval brought it into force
    in_force: str | None  # the version in force now


def approve(
    settings: Settings,
    store: LedgerStore,
    version: str,
    approver: str,
    *,
    on: date,
    now: datetime,
) -> ApprovalResult:
    """Record `approver`'s approval of `version` (a pack in this workspace); on the second
    distinct approver, activate it and install its folder as the workspace's pack."""
    source = find(settings, version)
    state = governance(store)
    try:
        steps = state.approve(version, approver, on=on, now=now, next_seq=store.size())
    except ValueError as exc:
        raise InvalidInput(
            str(exc), errors=[{"field": "version", "reason": "already in force"}]
        ) from None
    recorded = append_steps(store, steps, now)
    after = governance(store)
    activated = any(s.step_type is StepType.pack_activation for s in recorded)
    if activated:
        install(settings, source, version)
        approvers = list(after.in_force.approvers) if after.in_force else []
    else:
        approvers = [a.approver for a in after.approvals(version)]
    log.info("pack_approved", version=version, approver=approver, activated=activated)
    return ApprovalResult(version, approvers, recorded, activated, after.version)


def install(settings: Settings, source: Path, version: str) -> None:
    """Make `source` (of `version`) the workspace's pack folder: copied beside it, its hash
    checked, then swapped in by two renames (the old folder kept as `<pack>.replaced`)."""
    target = settings.path(settings.pack)
    if source.resolve() == target.resolve():
        return
    staging = target.with_name(f".{target.name}.installing")
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(source, staging)
    if _version_of(staging) != version:
        shutil.rmtree(staging)
        raise PackNotInForce(
            f"pack {version} was activated, but its copy from {source} does not hash to it "
            "(changed meanwhile); restore the approved content into the pack folder"
        )
    replaced = target.with_name(f"{target.name}.replaced")
    if replaced.exists():
        shutil.rmtree(replaced)
    if target.exists():
        target.rename(replaced)
    staging.rename(target)
    log.info("pack_installed", version=version, folder=str(target))


def record_bootstrap(store: LedgerStore, pack: Pack, on: date, now: datetime) -> None:
    """The first entry of a new ledger: the activation of the pack `init` installed."""
    if store.size() != 0:
        raise InvalidInput("the bootstrap activation can only be a new ledger's first entry")
    append_steps(store, [bootstrap(pack.version, pack.name, on)], now)


@dataclass(frozen=True)
class PackState:
    """What `pack status` and `GET /v1/packs` show."""

    folder_version: str  # what the workspace's pack folder hashes to now
    governance: PackGovernance
    proposals: dict[str, Pack]  # version → proposed pack (valid, hashing to its version)


def status(settings: Settings, store: LedgerStore, folder_pack: Pack) -> PackState:
    proposals: dict[str, Pack] = {}
    root = settings.path(settings.pack_proposals)
    if root.is_dir():
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            try:
                pack = load_pack(folder)
            except Exception:  # a damaged proposal is shown as absent
                continue
            if folder.name == pack.version.removeprefix("sha256:")[:16]:
                proposals[pack.version] = pack
    return PackState(folder_pack.version, governance(store), proposals)
