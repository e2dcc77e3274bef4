"""Validating one YAML document against its `Raw*Spec`, with pydantic errors made readable.

Pydantic reports `loc` tuples that may contain union tags (`("disclosure", "tiered", "tiers")`);
we strip those by walking the spec's annotations alongside the path, so that the key path matches
the YAML. The same walk finds the model at an unknown key, whose field names feed "Did you mean
…?". Messages are rewritten into the house style: `must be one of a, b (got 'x')`.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from xinyong.domain.catalogue import did_you_mean
from xinyong.policy.problems import Problems
from xinyong.policy.source import At, Document, Loc
from xinyong.policy.spec import SPECS

_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def parse_document(doc: Document, problems: Problems) -> BaseModel | None:
    """The spec of a document chosen by its `kind:`, or None after adding its problems."""
    data = doc.data
    if not isinstance(data, dict):
        problems.add(doc, (), "a document must be a mapping with a `kind:` key")
        return None
    kind = data.get("kind")
    if kind is None:
        problems.add(doc, (), "missing `kind:`; one of " + ", ".join(SPECS))
        return None
    spec = SPECS.get(kind) if isinstance(kind, str) else None
    if spec is None:
        problems.add(
            doc,
            ("kind",),
            f"unknown kind {kind!r}; one of " + ", ".join(SPECS),
            hints=[did_you_mean(str(kind), SPECS)],
        )
        return None
    try:
        return spec.model_validate(data)
    except ValidationError as e:
        errors = e.errors(include_url=False)
        missing: dict[Loc, list[str]] = {}
        for err in errors:
            if err["type"] == "missing":
                loc, _ = _clean_loc(spec, tuple(err["loc"]))
                missing.setdefault(loc[:-1], []).append(str(loc[-1]))
            else:
                report(doc, spec, err, problems)
        for parent, keys in missing.items():
            if len(keys) == 1:
                problems.add(doc, (*parent, keys[0]), "is required")
            else:
                problems.add(doc, parent, "missing required keys: " + ", ".join(keys))
        return None


def report(doc: Document, spec: type[BaseModel], err: ErrorDetails, problems: Problems) -> None:
    loc, parents = _clean_loc(spec, tuple(err["loc"]))
    etype = err["type"]
    got = err.get("input")
    at: At = "value"
    hints: list[str | None] = []
    if etype == "extra_forbidden":
        at = "key"
        known = sorted({f for m in parents for f in _field_names(m)})
        hint = did_you_mean(str(loc[-1]), known)
        message = "unknown key"
        if hint is None and known:
            message += f"; allowed here: {', '.join(known)}"
        hints.append(hint)
    elif etype == "missing":
        message = "is required"
    elif etype in ("literal_error", "enum"):
        expected = _QUOTED.findall(str((err.get("ctx") or {}).get("expected", "")))
        message = f"must be one of {', '.join(expected)} (got {got!r})"
        hints.append(did_you_mean(str(got), expected))
    elif etype == "union_tag_invalid":
        ctx = err.get("ctx") or {}
        expected = _QUOTED.findall(str(ctx.get("expected_tags", "")))
        tag_key = str(ctx.get("discriminator", "")).strip("'")
        loc = (*loc, tag_key)
        message = f"must be one of {', '.join(expected)} (got {ctx.get('tag')!r})"
        hints.append(did_you_mean(str(ctx.get("tag")), expected))
    elif etype == "union_tag_not_found":
        tag_key = str((err.get("ctx") or {}).get("discriminator", "")).strip("'")
        message = f"needs `{tag_key}:` to say which form it takes" if tag_key else err["msg"]
        if isinstance(got, dict):
            loc = (*loc, tag_key)
    elif etype == "bool_type":
        message = f"must be true or false (got {got!r})"
    elif etype in ("int_type", "int_parsing", "int_from_float"):
        message = f"must be a whole number (got {got!r})"
    elif etype in ("string_type", "str_type"):
        message = f"must be text (got {got!r})"
    elif etype in ("list_type", "tuple_type"):
        message = f"must be a list (got {_kind_of(got)})"
    elif etype in ("dict_type", "model_type", "model_attributes_type"):
        message = f"must be a mapping (got {_kind_of(got)})"
    elif etype == "too_short":
        message = "must not be empty" if not got else err["msg"].lower()
    elif etype == "value_error":
        message = str(err["msg"]).removeprefix("Value error, ")
    else:
        message = _lower_first(err["msg"]) + (f" (got {got!r})" if _is_scalar(got) else "")
    problems.add(doc, loc, message, at=at, hints=hints)


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# --- walking annotations along a pydantic loc ----------------------------------------------------


def _members(tp: Any) -> list[Any]:
    """The alternatives of a type: Annotated and Optional peeled, unions flattened."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _members(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        return [m for a in get_args(tp) for m in _members(a) if a is not type(None)]
    return [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _field_type(model: type[BaseModel], key: str) -> Any | None:
    for name, f in model.model_fields.items():
        if (f.alias or name) == key:
            return f.annotation
    return None


def _tags(model: type[BaseModel]) -> set[str]:
    out: set[str] = set()
    for f in model.model_fields.values():
        if get_origin(f.annotation) is Literal:
            out.update(str(a) for a in get_args(f.annotation))
    return out


def _clean_loc(spec: type[BaseModel], loc: Loc) -> tuple[Loc, list[type[BaseModel]]]:
    """`loc` without union tags, and the models that could be at its parent (for unknown keys)."""
    current: list[Any] = [spec]
    clean: list[str | int] = []
    parents: list[type[BaseModel]] = [spec]
    for el in loc:
        members = [m for tp in current for m in _members(tp)]
        models = [m for m in members if _is_model(m)]
        if isinstance(el, str) and models:
            tagged = [m for m in models if el in _tags(m) and _field_type(m, el) is None]
            if tagged and len(models) > 1:
                current = tagged  # a discriminated-union tag pydantic adds to the loc
                continue
            parents = models
            found = [t for m in models if (t := _field_type(m, el)) is not None]
            current = found or [Any]
            clean.append(el)
            continue
        nxt: list[Any] = []
        for m in members:
            origin = get_origin(m)
            args = get_args(m)
            if origin in (list, tuple, typing.Sequence) and args:
                nxt.append(args[0])
            elif origin is dict and len(args) == 2:
                nxt.append(args[1])
        current = nxt or [Any]
        clean.append(el)
    return tuple(clean), parents
