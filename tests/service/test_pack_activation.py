"""The two-person rule on the pack in force: approvals, activation, and the refusal to apply a
pack folder nobody activated."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import TODAY
from xinyong.domain.governance import BOOTSTRAP_ACTOR, PackGovernance
from xinyong.domain.record import EntryKind
from xinyong.domain.workflow import Step, StepType
from xinyong.errors import InvalidInput, NotFound, PackNotInForce
from xinyong.service import Workspace, shipped_pack

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _steps(*specs: tuple[StepType, str, str]) -> list[Step]:
    return [
        Step(i, t, actor, TODAY, version, None, None, {}, NOW)
        for i, (t, actor, version) in enumerate(specs)
    ]


A, P = StepType.pack_activation, StepType.pack_approval


def test_the_rule_read_from_steps() -> None:
    gov = PackGovernance.of(_steps((A, BOOTSTRAP_ACTOR, "v1")))
    assert gov.version == "v1" and gov.in_force is not None and gov.in_force.bootstrap
    one = PackGovernance.of(_steps((A, BOOTSTRAP_ACTOR, "v1"), (P, "key:a", "v2")))
    assert one.version == "v1" and [a.approver for a in one.approvals("v2")] == ["key:a"]
    twice = PackGovernance.of(
        _steps((A, BOOTSTRAP_ACTOR, "v1"), (P, "key:a", "v2"), (P, "key:a", "v2"))
    )
    assert [a.approver for a in twice.approvals("v2")] == ["key:a"]  # counted once
    # an activation the approvals do not back is not honoured, nor a bootstrap after seq 0
    forged = PackGovernance.of(
        _steps((A, BOOTSTRAP_ACTOR, "v1"), (P, "key:a", "v2"), (A, "key:a", "v2"))
    )
    assert forged.version == "v1" and forged.ignored == [2]
    late = PackGovernance.of(_steps((A, BOOTSTRAP_ACTOR, "v1"), (A, BOOTSTRAP_ACTOR, "v2")))
    assert late.version == "v1" and late.ignored == [1]
    # approvals made before another activation do not count towards going back
    back = PackGovernance.of(
        _steps(
            (A, BOOTSTRAP_ACTOR, "v1"),
            (P, "key:a", "v2"),
            (P, "key:b", "v2"),
            (A, "key:b", "v2"),
        )
    )
    assert back.version == "v2" and back.in_force is not None
    assert back.in_force.approvers == ("key:a", "key:b")
    steps = back.approve("v1", "key:a", on=TODAY, now=NOW, next_seq=4)
    assert [s.step_type for s in steps] == [P]  # one fresh approval: not yet
    with pytest.raises(ValueError, match="already in force"):
        back.approve("v2", "key:c", on=TODAY, now=NOW, next_seq=4)


@pytest.fixture
def proposed(workspace: Workspace, tmp_path: Path) -> str:
    """The version of a changed national pack, proposed in the workspace."""
    folder = tmp_path / "amended"
    shutil.copytree(shipped_pack(), folder)
    (folder / "pack.yaml").write_text(
        (folder / "pack.yaml").read_text(encoding="utf-8") + "\n# amended\n", encoding="utf-8"
    )
    return workspace.propose_pack(folder).version


def _ledger_steps(ws: Workspace) -> list[tuple[int, str, str, int | None]]:
    with ws.ledger(read_only=True) as store:
        return [
            (e.seq, e.record_type, e.provider, e.refers_to)
            for e in store.entries()
            if e.entry_kind is EntryKind.step
        ]


def test_init_activates_its_pack_as_the_first_entry(workspace: Workspace) -> None:
    state = workspace.pack_status()
    assert state.governance.in_force is not None
    assert state.governance.in_force.seq == 0 and state.governance.in_force.bootstrap
    assert state.folder_version == workspace.pack.version == state.governance.version
    assert _ledger_steps(workspace) == [(0, "pack.activation", BOOTSTRAP_ACTOR, None)]


def test_one_approval_does_not_activate(workspace: Workspace, proposed: str) -> None:
    old = workspace.pack.version
    result = workspace.approve_pack(proposed, "key:alice")
    assert not result.activated and result.in_force == old and result.approvers == ["key:alice"]
    assert workspace.pack.version == old
    workspace.evaluate()  # the old pack is still the law


def test_the_same_approver_twice_counts_once(workspace: Workspace, proposed: str) -> None:
    first = workspace.approve_pack(proposed, "operator:alice")
    again = workspace.approve_pack(proposed, "operator:alice")
    assert len(first.recorded) == 1 and again.recorded == []
    assert not again.activated and again.approvers == ["operator:alice"]
    assert [s[1] for s in _ledger_steps(workspace)] == ["pack.activation", "pack.approval"]


def test_two_distinct_approvers_activate_and_install(workspace: Workspace, proposed: str) -> None:
    workspace.approve_pack(proposed, "key:alice")
    result = workspace.approve_pack(proposed, "operator:bob")
    assert result.activated and result.in_force == proposed
    assert result.approvers == ["key:alice", "operator:bob"]
    assert _ledger_steps(workspace) == [
        (0, "pack.activation", BOOTSTRAP_ACTOR, None),
        (1, "pack.approval", "key:alice", None),
        (2, "pack.approval", "operator:bob", None),
        (3, "pack.activation", "operator:bob", 2),  # refers to the approval completing it
    ]
    approval = workspace.steps(step_type="pack.approval")[0]
    assert approval.attributes["pack_version"] == proposed
    assert approval.attributes["approver"] == "key:alice"
    assert datetime.fromisoformat(str(approval.attributes["approved_at"])).tzinfo is not None
    assert workspace.pack.version == proposed  # installed, and the façade reloaded it
    reopened = Workspace.open(workspace.settings.workspace)
    assert reopened.pack.version == proposed
    reopened.evaluate()
    with pytest.raises(InvalidInput, match="already in force"):
        reopened.approve_pack(proposed, "key:carol")


def test_a_pack_folder_edited_after_activation_is_refused(workspace: Workspace) -> None:
    workspace.evaluate()
    folder = workspace.settings.path(workspace.settings.pack)
    pack_yaml = folder / "pack.yaml"
    original = pack_yaml.read_text(encoding="utf-8")
    pack_yaml.write_text(original + "\n# changed by whoever can write the folder\n", "utf-8")
    edited = Workspace.open(workspace.settings.workspace)
    with pytest.raises(PackNotInForce, match="is not the pack in force") as caught:
        edited.evaluate()
    assert caught.value.exit_code == 3
    with pytest.raises(PackNotInForce):
        edited.check("91350100M000100Y43", "air_travel.book")
    pack_yaml.write_text(original, "utf-8")  # restored: the approved content again
    Workspace.open(workspace.settings.workspace).evaluate()


def test_a_ledger_without_activation_refuses(workspace: Workspace) -> None:
    s = workspace.settings
    s.path(s.database).unlink()
    shutil.rmtree(s.path(s.checkpoint_dir))
    s.path(s.checkpoint_dir).mkdir()
    with pytest.raises(PackNotInForce, match="no pack is in force"):
        Workspace.open(s.workspace).evaluate()


def test_approving_needs_the_pack_in_the_workspace_and_a_proper_name(
    workspace: Workspace,
) -> None:
    with pytest.raises(NotFound, match="propose it first"):
        workspace.approve_pack("sha256:" + "0" * 64, "key:alice")
    with pytest.raises(InvalidInput, match="not `key:<id>` or `operator:<name>`"):
        workspace.approve_pack(workspace.pack.version, "operator:alice smith")
