"""Markdown tables for `docs/reference/pack-format.md`, generated from the specs with cog.

Each table is derived from what the loader actually accepts (the pydantic specs, the closed
vocabularies, the rules), so the reference cannot drift from the code: `cog --check` fails when
it does.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from xinyong.domain.catalogue import PROHIBITED, BreachDomain, DataCategory
from xinyong.domain.measures import ACTIONS, Role
from xinyong.policy.lint import RULES


def _short(name: str) -> str:
    return name.removeprefix("Raw").removesuffix("Spec")


def anchor(title: str) -> str:
    """The anchor mkdocs gives a heading (lower case, spaces as dashes)."""
    return title.lower().replace(" ", "-")


def _type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        target = defs.get(name, {})
        if "enum" in target:  # enums are listed inline: they have no section of their own
            return _type(target, defs)
        return f"[{_short(name)}](#{anchor(_short(name))})"
    if "x-vocabulary" in prop:
        title = prop["x-vocabulary"]
        return f"[{title.lower()}](#{anchor(title)})"
    if "const" in prop:
        return f"`{prop['const']}`"
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "anyOf" in prop or "oneOf" in prop:
        options = prop.get("anyOf") or prop.get("oneOf") or []
        return " or ".join(_type(p, defs) for p in options if p.get("type") != "null")
    t = prop.get("type")
    if t == "array":
        return "list of " + _type(prop.get("items", {}), defs)
    if t == "object":
        extra = prop.get("additionalProperties")
        return "map of name → " + (_type(extra, defs) if isinstance(extra, dict) else "value")
    if t == "string" and "pattern" in prop:
        return "period" if prop["pattern"].startswith("^P(") else "name"
    if isinstance(t, list):
        return " or ".join(t)
    return str(t or "value")


def model_table(model: type[BaseModel]) -> str:
    """`| key | type | required | description |` for one spec, from its JSON schema."""
    schema = model.model_json_schema(mode="validation")
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    rows = ["| key | type | required | description |", "|---|---|---|---|"]
    for key, prop in schema.get("properties", {}).items():
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == key), None)
        default = ""
        if key not in required and field is not None and not field.is_required():
            value = field.get_default(call_default_factory=True)
            if value not in (None, "", (), {}, []):
                shown = value.value if hasattr(value, "value") else value
                if isinstance(shown, tuple):
                    shown = "[" + ", ".join(str(getattr(v, "value", v)) for v in shown) + "]"
                default = f" Default `{shown}`."
        description = (field.description if field is not None else None) or prop.get(
            "description", ""
        )
        text = (description + default).strip().replace("|", "\\|").replace("\n", " ")
        shown = ("one of " if "x-vocabulary" in prop else "") + _type(prop, defs)
        needed = "yes" if key in required else ""
        rows.append(f"| `{key}` | {shown} | {needed} | {text} |")
    return "\n".join(rows)


def data_categories_table() -> str:
    rows = ["| category | status |", "|---|---|"]
    for c in DataCategory:
        why = PROHIBITED.get(c)
        status = (
            "permitted"
            if why is None
            else f"**prohibited** — principle {why.principle}: {why.reason} ({why.law})"
        )
        rows.append(f"| `{c.value}` | {status} |")
    return "\n".join(rows)


def domains_list() -> str:
    return ", ".join(f"`{d.value}`" for d in BreachDomain)


def actions_table() -> str:
    rows = ["| action | domain | meaning |", "|---|---|---|"]
    rows += [f"| `{a.name}` | `{a.domain.value}` | {a.description} |" for a in ACTIONS.values()]
    return "\n".join(rows)


def roles_table() -> str:
    rows = ["| role | may be targeted |", "|---|---|"]
    for r in Role:
        if r is Role.subject:
            status = "always"
        elif r.responsible:
            status = "only where the measure's legal basis names the role (`names:`)"
        else:
            status = "**never** (principle 3: no collective punishment)"
        rows.append(f"| `{r.value}` | {status} |")
    return "\n".join(rows)


def rules_table() -> str:
    rows = ["| code | severity | rule |", "|---|---|---|"]
    rows += [f"| {r.code} | {r.severity.value} | {r.summary} |" for r in RULES]
    return "\n".join(rows)
