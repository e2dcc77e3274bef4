"""The served OpenAPI: versioned routes, an example on every route, errors as problems, and a
bearer security scheme."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return dict(node)


def _has_example(doc: dict[str, Any], media: dict[str, Any]) -> bool:
    if "example" in media or "examples" in media:
        return True
    schema = _resolve(doc, media.get("schema", {}))
    return bool(schema.get("examples") or schema.get("example"))


def test_every_route_is_versioned_and_has_an_example(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    for path, ops in doc["paths"].items():
        assert path.startswith("/v1/"), path
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            request = op.get("requestBody", {}).get("content", {})
            ok = [m for m in op["responses"] if m.startswith("2")]
            response = op["responses"][ok[0]].get("content", {}) if ok else {}
            parameters = [p for p in op.get("parameters", []) if p.get("in") == "path"]
            examples = (
                any(_has_example(doc, m) for m in request.values())
                or any(_has_example(doc, m) for m in response.values())
                or any("examples" in p or "example" in p.get("schema", {}) for p in parameters)
            )
            assert examples, f"{where} has no example"
            # and the answer itself is documented with an example
            assert any(_has_example(doc, m) for m in response.values()), f"{where}: response"


def test_errors_are_documented_as_problems(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status in ("401", "403", "422"):
                content = op["responses"][status]["content"]
                assert list(content) == ["application/problem+json"], (method, path, status)


def test_bearer_security_scheme(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["HTTPBearer"]["scheme"] == "bearer"
