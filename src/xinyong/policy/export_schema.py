"""The JSON schema of pack documents, generated from the specs: `policy/schema/policy-pack.v1.json`.

Editors use it to complete and check pack YAML (e.g. `# yaml-language-server: $schema=…`). It is
generated, never edited: `python -m xinyong.policy.export_schema` rewrites it, and a test fails
when the checked-in file and the specs disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from xinyong.policy.spec import RawDocumentSpec

SCHEMA_ID = "https://xinyong.example/schema/policy-pack.v1.json"
SCHEMA_PATH = Path(__file__).parent / "schema" / "policy-pack.v1.json"


def policy_pack_schema() -> dict[str, Any]:
    """One YAML document of a pack: any kind, chosen by `kind:`."""
    schema = TypeAdapter(RawDocumentSpec).json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "xinyong policy pack document (v1)",
        "description": (
            "One YAML document of a policy pack. Files may hold several documents separated by "
            "`---`; pack.yaml holds the Pack document. Names a document refers to, vocabularies "
            "guarded by the design principles and cross-document rules are checked by the loader."
        ),
        **schema,
    }


def render() -> str:
    return json.dumps(policy_pack_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else SCHEMA_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
