"""Reading a pack's YAML with line and column marks.

ruamel.yaml's round-trip loader keeps the position of every key, value and list item (`.lc`).
We keep that node tree next to a plain-Python copy of each document: pydantic validates the copy,
and `locate` walks the node tree along an error's key path to find where to point. Duplicate keys
are errors (ruamel refuses them by default); so are unknown tags, and alias bombs (a document that
expands past `MAX_NODES` values).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Loc = tuple[str | int, ...]
At = Literal["value", "key"]
MAX_NODES = 200_000
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Document:
    """One YAML document of a pack file: where it is, its node tree and its plain data."""

    file: Path
    lines: tuple[str, ...]
    index: int
    node: Any
    data: Any

    @property
    def line(self) -> int:
        """1-based line where the document's content starts."""
        return _pos(self.node)[0] + 1

    def locate(self, loc: Loc, at: At = "value") -> tuple[int, int]:
        """1-based (line, column) of the key path `loc` in this document.

        Scalars are pointed at by their value (`at="value"`) or key (`at="key"`); mappings and
        lists by the key that holds them. A path that leaves the document (a missing key) points at
        the deepest mapping it reached.
        """
        line, col = locate(self.node, loc, at)
        return line + 1, col + 1


class ReadProblem(Exception):
    """A file cannot be read as YAML documents: `line`/`col` are 1-based when known."""

    def __init__(
        self, message: str, line: int | None = None, col: int | None = None, key_path: Loc = ()
    ) -> None:
        super().__init__(message)
        self.message, self.line, self.col, self.key_path = message, line, col, key_path


def discover(root: Path) -> list[str]:
    """Relative POSIX paths of the YAML files under `root`, sorted, hidden folders skipped."""
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix in YAML_SUFFIXES and path.is_file():
            found.append(rel.as_posix())
    return sorted(found)


def split_lines(text: str) -> tuple[str, ...]:
    """The lines of a text, whatever its line endings; a final newline ends the last line."""
    return tuple(text.replace("\r\n", "\n").replace("\r", "\n").splitlines())


def read_documents(
    file: Path, raw: bytes
) -> tuple[tuple[str, ...], list[Document], list[ReadProblem]]:
    """The documents of one file and its duplicate keys, or ReadProblem for text that is not YAML.

    Duplicate keys are found on the composed node tree, so that one repeated key does not hide
    every other problem of the file; the documents are then loaded keeping the first value.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ReadProblem(f"not UTF-8 text (byte {e.start})", line) from None
    lines = split_lines(text)
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True
    try:
        # Composed once (the scanner is most of the cost): the duplicate keys are looked for on
        # the node trees, which are then constructed keeping each key's first value.
        trees = list(YAML(typ="rt").compose_all(text))
        duplicates = [d for tree in trees for d in _duplicates(tree, (), set())]
        nodes = [yaml.constructor.construct_document(tree) for tree in trees]
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = _yaml_message(e)
        if mark is None:
            raise ReadProblem(problem) from None
        raise ReadProblem(problem, mark.line + 1, mark.column + 1) from None
    except YAMLError as e:  # ruamel's unmarked errors, e.g. reader errors
        raise ReadProblem(f"invalid YAML: {e}") from None
    docs = []
    for index, node in enumerate(nodes):
        if node is None:
            continue  # an empty document, e.g. after a trailing `---`
        try:
            data = _plain(node, (), [0])
        except ReadProblem as p:
            line, col = locate(node, p.key_path, "value")
            raise ReadProblem(p.message, line + 1, col + 1, p.key_path) from None
        docs.append(Document(file, lines, index, node, data))
    return lines, docs, duplicates


def _duplicates(node: Node, loc: Loc, seen: set[int]) -> list[ReadProblem]:
    if id(node) in seen:  # an alias of a node already walked
        return []
    seen.add(id(node))
    out: list[ReadProblem] = []
    if isinstance(node, MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else None
            if name is not None and name != "<<":
                if name in first:
                    out.append(
                        ReadProblem(
                            f"duplicate key {name!r} (first at line {first[name]}): "
                            "a key may appear once in a mapping",
                            key.start_mark.line + 1,
                            key.start_mark.column + 1,
                            (*loc, name),
                        )
                    )
                else:
                    first[name] = key.start_mark.line + 1
            out.extend(_duplicates(value, (*loc, name if name is not None else "?"), seen))
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            out.extend(_duplicates(item, (*loc, i), seen))
    return out


_DUPLICATE = re.compile(r'found duplicate key "(.*)" with value')


def _yaml_message(e: MarkedYAMLError) -> str:
    problem = str(e.problem or e.context or "invalid YAML")
    dup = _DUPLICATE.search(problem)
    if dup:
        first = f" (first at line {e.context_mark.line + 1})" if e.context_mark else ""
        return f"duplicate key {dup.group(1)!r}{first}: a key may appear once in a mapping"
    return f"invalid YAML: {problem}"


def _plain(node: Any, loc: Loc, budget: list[int]) -> Any:
    """A plain-Python copy of a ruamel node (dict, list, str, int, float, bool, date, None).

    No cycle check is needed: ruamel's round-trip loader turns a self-referencing alias into None.
    """
    budget[0] += 1
    if budget[0] > MAX_NODES:
        raise ReadProblem(f"document expands to more than {MAX_NODES} values (alias bomb?)")
    if isinstance(node, dict):
        return {
            _plain_key(k, loc): _plain(v, (*loc, _plain_key(k, loc)), budget)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_plain(v, (*loc, i), budget) for i, v in enumerate(node)]
    if node is None or isinstance(node, bool):
        return node
    if type(node).__name__ == "ScalarBoolean":
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, datetime):
        return datetime.fromisoformat(node.isoformat())
    if isinstance(node, date):
        return date(node.year, node.month, node.day)
    tag = getattr(getattr(node, "tag", None), "value", None) or type(node).__name__
    message = f"unsupported YAML value ({tag}); use plain scalars, lists and maps"
    raise ReadProblem(message, key_path=loc)


def _plain_key(key: Any, loc: Loc) -> str | int:
    if isinstance(key, str):
        return str(key)
    if isinstance(key, int) and not isinstance(key, bool):
        return int(key)
    raise ReadProblem(f"keys must be text (got {key!r})", key_path=loc)


def _pos(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return (0, 0)
    return (lc.line, lc.col)


def locate(root: Any, loc: Sequence[str | int], at: At = "value") -> tuple[int, int]:
    """0-based (line, column) of a key path in a ruamel node tree; see `Document.locate`."""
    node = root
    here = _pos(root)
    key_here: tuple[int, int] | None = None
    for el in loc:
        if isinstance(node, CommentedMap) and el in node:
            key_line, key_col = node.lc.key(el)
            value_line, value_col = node.lc.value(el)
            key_here = (key_line, key_col)
            node = node[el]
            scalar = not isinstance(node, dict | list)
            here = (value_line, value_col) if scalar else key_here
        elif isinstance(node, CommentedSeq) and isinstance(el, int) and 0 <= el < len(node):
            item_line, item_col = node.lc.item(el)
            key_here = here = (item_line, item_col)
            node = node[el]
        else:
            return here
    if at == "key" and key_here is not None:
        return key_here
    return here


def excerpt(lines: Sequence[str], line: int, col: int | None, context: int = 2) -> str:
    """Numbered lines around 1-based `line`, the line marked with `>` and a caret under `col`.

    >>> print(excerpt(["a: 1", "b: x", "c: 3"], 2, 4))
       1 | a: 1
    >  2 | b: x
         |    ^
       3 | c: 3
    """
    first, last = max(1, line - context), min(len(lines), line + context)
    last = max(last, line)  # a problem at the end of the file points past its last line
    width = len(str(last))
    out = []
    for n in range(first, last + 1):
        marker = ">" if n == line else " "
        text = lines[n - 1] if n <= len(lines) else ""
        out.append(f"{marker} {n:>{width + 1}} | {text}".rstrip())
        if n == line and col is not None:
            out.append(f"  {'':>{width + 1}} | {' ' * (col - 1)}^")
    return "\n".join(out)
