"""`load_pack`: a folder of YAML → a valid `Pack`, or one `PolicyError` listing every problem.

Stages, each collecting problems rather than stopping: find the YAML files; read each with line
marks (`source`); check each document's shape against its spec (`validate`); resolve names and
references into domain objects (`resolve`); run the principle and lint rules (`lint`); hash the
folder for the version (`hashing`). See `policy/README.md`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType

from xinyong.errors import PolicyError
from xinyong.policy import lint
from xinyong.policy.hashing import content_hash
from xinyong.policy.pack import Pack
from xinyong.policy.problems import Problems
from xinyong.policy.resolve import PACK_FILE, Resolved, resolve
from xinyong.policy.source import Document, ReadProblem, discover, read_documents, split_lines


def load_pack(path: Path) -> Pack:
    """Load and validate the pack in folder `path`.

    Raises `PolicyError` — and nothing else — when anything is wrong, with every problem found,
    each as `file:line:col key.path: message` with an excerpt of the file.
    """
    root = Path(path)
    problems = Problems()
    try:
        return _load(root, problems)
    except PolicyError:
        raise
    except Exception as e:  # a loader bug must still surface as a PolicyError, never a crash
        problems.in_file(
            root / PACK_FILE,
            f"internal error while loading the pack ({type(e).__name__}: {e}); please report it",
        )
        raise PolicyError(problems.sorted_errors()) from e


def _load(root: Path, problems: Problems) -> Pack:
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        problems.in_file(root, f"{what}: a policy pack is a folder with a {PACK_FILE}")
        raise PolicyError(problems.sorted_errors())
    pack_file = root / PACK_FILE
    if not pack_file.is_file():
        problems.in_file(pack_file, f"missing {PACK_FILE}: every pack has one, with `kind: Pack`")

    docs: list[Document] = []
    for rel in discover(root):
        file = root / rel
        try:
            raw = file.read_bytes()
        except OSError as e:
            problems.in_file(file, f"cannot read: {e.strerror or e}")
            continue
        try:
            lines, found, duplicates = read_documents(file, raw)
        except ReadProblem as p:
            lines = split_lines(raw.decode("utf-8", errors="replace"))
            problems.in_file(file, p.message, lines=lines, line=p.line, col=p.col, loc=p.key_path)
            continue
        for d in duplicates:
            problems.in_file(file, d.message, lines=lines, line=d.line, col=d.col, loc=d.key_path)
        docs.extend(found)

    resolved = resolve(docs, pack_file, problems)
    if resolved.pack is None:
        if pack_file.is_file() and not any(p.source == pack_file for p in problems.errors):
            problems.in_file(pack_file, "holds no Pack document (`kind: Pack`)")
        raise PolicyError(problems.sorted_errors())

    try:
        version = content_hash(root)
    except OSError as e:
        problems.in_file(root, f"cannot read the pack to hash it: {e}")
        raise PolicyError(problems.sorted_errors()) from None

    pack = _pack(root, version, resolved)
    lint.run(pack, resolved.index, problems)
    if problems:
        raise PolicyError(problems.sorted_errors())
    return dataclasses.replace(
        pack,
        warnings=tuple(problems.sorted_warnings()),
        exceptions=tuple(problems.sorted_exceptions()),
    )


def _pack(root: Path, version: str, r: Resolved) -> Pack:
    assert r.pack is not None
    return Pack(
        name=r.pack.name,
        label=r.pack.label,
        version=version,
        jurisdiction=r.pack.jurisdiction,
        path=root,
        sources=MappingProxyType(r.sources),
        catalogue=r.catalogue,
        lists=MappingProxyType(r.lists),
        schemes=MappingProxyType(r.schemes),
        measures=MappingProxyType(r.measures),
        cases=MappingProxyType(r.cases),
        description=r.pack.description,
        allowances=MappingProxyType(r.allowances),
        due_process=r.due_process,
    )
