"""Shared fixtures: a fresh workspace on the shipped pack, built from its own Settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from xinyong.service import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws")
