"""Every package the code imports is declared in `pyproject.toml`: in the dependencies, or in
the extra its module needs. A package that arrives only as another's dependency works in the
venv it was developed in and breaks a fresh install (numpy once did: the demo failed)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert found is not None, requirement
    return re.sub(r"[-_.]+", "-", found.group(0)).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {_name(r) for r in requirements}


def _imported() -> dict[str, str]:
    """Top-level modules imported anywhere in the package (module → the first file)."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "src" / "xinyong").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_every_imported_package_is_declared() -> None:
    declared = _declared()
    distributions = packages_distributions()
    missing = []
    for module, where in sorted(_imported().items()):
        if module in sys.stdlib_module_names or module in ("xinyong", "__future__"):
            continue
        dists = {_name(d) for d in distributions.get(module, [])}
        if not dists:
            missing.append(f"{module} ({where}): not installed here, so not checked")
            continue
        if not dists & declared:
            missing.append(f"{module} ({where}): from {sorted(dists)}, declared nowhere")
    assert not [m for m in missing if "declared nowhere" in m], missing
