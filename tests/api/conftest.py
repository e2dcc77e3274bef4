"""An API over a fresh workspace (clock pinned), with a key of every role.

`api_keys` holds a token per role name, plus `subject_other` (a subject key of another subject),
`provider_other` (another authority), `authority_other` (a second authority key, for the
two-person rule), `expired` and `revoked`.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TODAY
from xinyong.api import create_app
from xinyong.domain.access import Role, Scope
from xinyong.domain.identifiers import generate_resident_id, generate_uscc
from xinyong.service import Workspace

rng = random.Random(19)
ADULT = generate_resident_id(rng, date(1980, 5, 1))
OTHER = generate_resident_id(rng, date(1975, 1, 9))
FIRM = generate_uscc(rng, authority="9")
COURT = "court:110105"
OTHER_AUTHORITY = "tax:3501"
TYPES = ("court.enforcement.notice", "court.enforcement.dishonesty_decision")
CASE = "(2023)京0105执200号"


def record(kind: str, who: str = ADULT, **over: object) -> dict[str, object]:
    """A court record about `who`: `notice` (warning of listing) or `dishonest` (the decision)."""
    base = {"case_number": CASE, "court": "Chaoyang District People's Court"}
    if kind == "notice":
        rt, day, ref = TYPES[0], "2023-02-01", f"N{CASE}"
        attrs = {**base, "performance_deadline": "2023-02-11", "listing_risk_warning": True}
    else:
        rt, day, ref = TYPES[1], "2023-03-01", f"D{CASE}"
        attrs = {**base, "ground": "refuses_despite_ability"}
    row: dict[str, object] = {
        "provider": COURT,
        "record_type": rt,
        "subject_scheme": "resident_id",
        "subject_id": who,
        "subject_kind": "individual",
        "decision_date": day,
        "document_ref": ref,
        "attributes": attrs,
    }
    return {**row, **over}


@dataclass
class Api:
    ws: Workspace
    client: TestClient
    tokens: dict[str, str]

    def headers(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}


def list_adult(api: Api) -> None:
    """Submit the warning notice and the dishonesty decision about ADULT through the API."""
    for kind in ("notice", "dishonest"):
        r = api.client.post("/v1/records", json=record(kind), headers=api.headers("provider"))
        assert r.status_code == 200, r.text


def make_keys(ws: Workspace) -> dict[str, str]:
    later = datetime.now(UTC) + timedelta(days=30)
    specs: dict[str, dict[str, object]] = {
        "provider": {"role": Role.provider, "authority": COURT, "record_types": TYPES},
        "provider_other": {
            "role": Role.provider,
            "authority": OTHER_AUTHORITY,
            "record_types": TYPES,
        },
        "relying_party": {
            "role": Role.relying_party,
            "actions": ["air_travel.book"],
            "purpose": "ticket sale",
        },
        "subject": {"role": Role.subject, "subject": ADULT},
        "subject_other": {"role": Role.subject, "subject": OTHER},
        # authorities bound to the two providers: each acts on its own records' cases only
        "authority": {"role": Role.authority, "authority": COURT},
        "authority_other": {"role": Role.authority, "authority": OTHER_AUTHORITY},
        "auditor": {"role": Role.auditor},
        "admin": {"role": Role.admin},
        "revoked": {"role": Role.admin},
    }
    tokens = {}
    for name, spec in specs.items():
        _, tokens[name] = ws.create_api_key(name=name, expires_at=later, **spec)  # type: ignore[arg-type]
    store = ws.api_keys
    # a key that expired a second ago: the store checks expiry against the wall clock on every
    # request (the façade refuses to make one, so the store makes it, sealed like any other)
    past = datetime.now(UTC) - timedelta(days=1)
    _, tokens["expired"] = store.create(
        name="expired",
        role=Role.admin,
        scope=Scope(),
        now=past,
        expires_at=datetime.now(UTC) - timedelta(seconds=1),
    )
    revoked = next(k for k in store.list_keys() if k.name == "revoked")
    store.revoke(revoked.key_id, datetime.now(UTC))
    return tokens


@dataclass
class _Template:
    directory: Path
    tokens: dict[str, str]


_TEMPLATE: dict[str, _Template] = {}  # one per pack and test session, made on first use


def _template(root: Path, pack: str) -> _Template:
    """A workspace with its keys, made once per session; each test copies it (making one
    costs seconds, copying it milliseconds)."""
    if pack not in _TEMPLATE:
        folder = dueprocess_pack(root) if pack == "dueprocess" else None
        ws = Workspace.init(root / "template", pack=folder, today=TODAY)
        ws.evaluate()  # an (empty) decision index, so submits take the incremental path
        _TEMPLATE[pack] = _Template(ws.settings.workspace, make_keys(ws))
    return _TEMPLATE[pack]


def dueprocess_pack(root: Path) -> Path:
    """A test pack, not shipped rules: the national pack with the dishonest list's notice served
    through the workflow (10 days to object), and tax penalties recorded on individuals too, so
    the subjects of these tests (individuals) have a record with a display period to restore."""
    import shutil

    from xinyong.service import shipped_pack

    pack = root / "pack"
    shutil.copytree(shipped_pack("national"), pack)
    lists = pack / "lists" / "dishonest_judgment_debtors.yaml"
    text = lists.read_text(encoding="utf-8")
    start, end = text.index("notice:\n"), text.index("objection:\n")
    lists.write_text(
        text[:start] + "notice:\n  before_listing: true\n  workflow: true\n  objection_days: 10\n"
        "  legal_basis:\n    - {source: sc-2020-49, article: para 8}\n" + text[end:],
        encoding="utf-8",
    )
    catalogue = pack / "catalogue" / "administrative.yaml"
    text = catalogue.read_text(encoding="utf-8")
    head, tax = text.split("name: admin.penalty.tax\n", 1)
    kinds = "subject_kinds: [enterprise, public_institution, social_organisation]"
    tax = tax.replace(kinds, kinds.replace("[", "[individual, "), 1)
    catalogue.write_text(head + "name: admin.penalty.tax\n" + tax, encoding="utf-8")
    return pack


def build(root: Path, pack: str = "national", store: str = "duckdb") -> Api:
    """An API over a copy of the session's template workspace for `pack`: `national` (the
    shipped pack) or `dueprocess` (`dueprocess_pack`). With `store="postgres"` the workspace is
    made afresh with its ledger in a schema of its own on the test server (`pg_schema`)."""
    import shutil
    import tempfile

    if store == "postgres":
        folder = dueprocess_pack(root) if pack == "dueprocess" else None
        ws = Workspace.init(
            root / "ws", pack=folder, today=TODAY, postgres=POSTGRES_URL, schema=pg_schema(root)
        )
        ws.evaluate()
        tokens = make_keys(ws)
    else:
        template = _template(Path(tempfile.mkdtemp(prefix="xinyong-api-template-")), pack)
        shutil.copytree(template.directory, root / "ws")  # modes kept: keys stay 0600
        ws = Workspace.open(root / "ws")
        tokens = dict(template.tokens)
    app = create_app(ws.settings)
    # the app's own workspace: while the app runs it holds the ledger open, and tests reading
    # the ledger (verify) must go through the same store
    return Api(app.state.workspace, TestClient(app, raise_server_exceptions=False), tokens)


POSTGRES_URL = os.environ.get(
    "XINYONG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
_SCHEMAS: dict[Path, str] = {}


def pg_schema(root: Path) -> str:
    """A fresh schema name for the test whose folder is `root` (dropped by `drop_schemas`); the
    test is skipped, or under CI failed, when the server is unreachable."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=5):
            pass
    except psycopg.Error as e:
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable ({str(e).strip()})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
        pytest.skip(reason)
    _SCHEMAS[root] = f"api_{uuid.uuid4().hex[:12]}"
    return _SCHEMAS[root]


def drop_schema(root: Path) -> None:
    import psycopg

    name = _SCHEMAS.pop(root, None)
    if name is not None:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as con:
            con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    built = build(tmp_path)
    with built.client:
        yield built


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def api_on_both(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """The API over a workspace whose ledger is in DuckDB, then in PostgreSQL: a module that
    names this fixture `api` runs every test on both stores."""
    built = build(tmp_path, store=request.param)
    try:
        with built.client:
            yield built
    finally:
        drop_schema(tmp_path)


def penalty(who: str, ref: str, provider: str = OTHER_AUTHORITY) -> dict[str, object]:
    """A serious tax penalty about `who`, decided 2025-06-02: displayed until 2028-06-02,
    restoration possible from 2026-06-02 (before TODAY). Needs the `dueprocess` pack."""
    return {
        "provider": provider,
        "record_type": "admin.penalty.tax",
        "subject_scheme": "resident_id",
        "subject_id": who,
        "subject_kind": "individual",
        "decision_date": "2025-06-02",
        "document_ref": ref,
        "attributes": {
            "decision_number": ref,
            "authority_name": "Beijing tax bureau",
            "penalty_kind": "fine",
            "fine_amount": "20000.00",
            "severity": "serious",
        },
    }


_INGESTED = [0]


def ingest(api: Api, row: dict[str, object]) -> int:
    """Append `row` to the app's ledger (outside any request, as an operator would) and
    return its seq."""
    import json
    import tempfile

    _INGESTED[0] += 1
    path = Path(tempfile.mkdtemp(prefix="xinyong-api-in-")) / f"in-{_INGESTED[0]}.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    report = api.ws.ingest(path)
    assert report.accepted == 1, report
    who, ref = str(row["subject_id"]), row["document_ref"]
    return next(e.seq for e in api.ws.subject(who).entries if e.document_ref == ref)
