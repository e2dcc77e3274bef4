"""Schemathesis against the served OpenAPI, in process (ASGI), with a key of every role.

For the roles a route admits: no server error, and every response (errors included) conforms to
the documented status codes, media types and schemas. For every other caller — no key, a key of
another role — no bypass: never a 2xx. The stateful run follows the OpenAPI links (submit a
record → read the subject's file; check → the subject's checks; create a key → revoke it;
changes → changes since the returned cursor), each call with a key of a role it admits.
Examples are bounded so the whole module runs in well under two minutes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.api.conftest import Api, build
from tests.api.routes import ALLOWED, ROLES

CALLERS = (None, *ROLES)
EXAMPLES = 15
EXCLUDED = [
    # A valid-looking body may still name an identifier whose check character is wrong, or a
    # record the catalogue refuses: 422 by design, which this check calls rejecting valid data.
    schemathesis.checks.positive_data_acceptance,
    # A subject key reading another subject is 403: scope, which this check cannot tell from
    # an ignored credential. The no-key and other-role calls below test authentication.
    schemathesis.checks.ignored_auth,
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Api:
    return build(tmp_path_factory.mktemp("schemathesis"))


@pytest.fixture(scope="module")
def api_schema(served: Api) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", served.client.app)


def _send(case: schemathesis.Case, served: Api) -> None:
    """One generated request, sent by every caller: no key, and a key of each role."""
    allowed = ALLOWED[(case.method.upper(), case.path)]
    for caller in CALLERS:
        headers = served.headers(caller)
        if caller in allowed:
            case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)
            continue
        response = case.call(headers=headers)
        assert response.status_code < 500, response.text
        assert not 200 <= response.status_code < 300, (
            f"bypass: {caller or 'no key'} got {response.status_code} on {case.method} {case.path}"
        )


@pytest.mark.parametrize(("method", "path"), sorted(ALLOWED), ids=str)
def test_api(method: str, path: str, api_schema: Any, served: Api) -> None:
    operation = api_schema[path][method]
    strategy = operation.as_strategy()

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        _send(case, served)

    run()


def _key_for(served: Api, method: str, path: str) -> dict[str, str]:
    allowed = ALLOWED[(method.upper(), path)]
    role = next(r for r in ("auditor", *ROLES) if r in allowed)
    return served.headers(role)


@pytest.fixture(scope="module")
def state_machine(api_schema: Any, served: Api) -> Any:
    """Each call made with a key of a role the route admits (the auditor's where it may)."""
    machine = api_schema.as_state_machine()

    class Machine(machine):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": _key_for(served, case.method, case.path)}

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            case.validate_response(response, excluded_checks=EXCLUDED, transport_kwargs=kwargs)

    return Machine


def test_stateful(state_machine: Any) -> None:
    state_machine.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
    )


def test_links_are_served(served: Api) -> None:
    """The stateful run has links to follow: submit → file, check → checks, create → revoke."""
    doc = served.client.get("/openapi.json").json()
    links = {
        (path, method, name)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        for response in op["responses"].values()
        for name in response.get("links", {})
    }
    assert ("/v1/records", "post", "SubjectFile") in links
    assert ("/v1/checks", "post", "SubjectChecks") in links
    assert ("/v1/keys", "post", "Revoke") in links


def test_served_schema_is_openapi_3(served: Api, tmp_path: Path) -> None:
    doc = served.client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert {p for p in doc["paths"]} == {p for _, p in ALLOWED}
