"""Who may call each route: the table the authorisation tests hold the API to.

A route missing here fails `test_every_route_is_in_the_table`, so a new route cannot ship
without its row.
"""

from __future__ import annotations

ROLES = ("provider", "relying_party", "subject", "authority", "auditor", "admin")

ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/v1/records"): frozenset({"provider"}),
    ("POST", "/v1/records/corrections"): frozenset({"provider"}),
    ("POST", "/v1/records/revocations"): frozenset({"provider"}),
    ("POST", "/v1/records/batch"): frozenset({"provider"}),
    ("POST", "/v1/checks"): frozenset({"relying_party"}),
    ("POST", "/v1/checks/batch"): frozenset({"relying_party"}),
    ("POST", "/v1/changes"): frozenset({"relying_party"}),
    ("GET", "/v1/subjects/{identifier}"): frozenset({"subject", "auditor"}),
    ("GET", "/v1/subjects/{identifier}/checks"): frozenset({"subject", "auditor"}),
    ("GET", "/v1/subjects/{identifier}/dueprocess"): frozenset({"subject", "auditor"}),
    ("POST", "/v1/subjects/{identifier}/objections"): frozenset({"subject"}),
    ("POST", "/v1/subjects/{identifier}/objections/{case}/reconsideration"): frozenset({"subject"}),
    ("POST", "/v1/subjects/{identifier}/restorations"): frozenset({"subject"}),
    ("GET", "/v1/cases"): frozenset({"authority", "auditor"}),
    ("GET", "/v1/cases/{case}"): frozenset({"authority", "auditor"}),
    ("POST", "/v1/notices"): frozenset({"authority"}),
    ("POST", "/v1/objections/{case}/review"): frozenset({"authority"}),
    ("POST", "/v1/objections/{case}/rejection"): frozenset({"authority"}),
    ("POST", "/v1/objections/{case}/upholding"): frozenset({"authority"}),
    ("POST", "/v1/objections/{case}/reconsideration-decision"): frozenset({"authority"}),
    ("POST", "/v1/restorations/{case}/grant"): frozenset({"authority"}),
    ("POST", "/v1/restorations/{case}/refusal"): frozenset({"authority"}),
    ("GET", "/v1/packs"): frozenset({"authority", "auditor"}),
    ("POST", "/v1/packs/{version}/approvals"): frozenset({"authority"}),
    ("GET", "/v1/lists/{name}"): frozenset({"authority", "auditor"}),
    ("GET", "/v1/evaluations"): frozenset({"authority", "auditor"}),
    ("GET", "/v1/decisions"): frozenset({"auditor"}),
    ("GET", "/v1/keys"): frozenset({"admin"}),
    ("POST", "/v1/keys"): frozenset({"admin"}),
    ("DELETE", "/v1/keys/{key_id}"): frozenset({"admin"}),
}

# Routes about one subject: a subject key may call them for its own subject only.
SUBJECT_ROUTES = frozenset(
    {
        "/v1/subjects/{identifier}",
        "/v1/subjects/{identifier}/checks",
        "/v1/subjects/{identifier}/dueprocess",
        "/v1/subjects/{identifier}/objections",
        "/v1/subjects/{identifier}/objections/{case}/reconsideration",
        "/v1/subjects/{identifier}/restorations",
    }
)

# Routes about one due-process case (or record): an authority key may act on its own
# authority's only; the "other" case of the matrix is another authority's.
AUTHORITY_ROUTES = frozenset(
    {
        "/v1/cases/{case}",
        "/v1/notices",
        "/v1/objections/{case}/review",
        "/v1/objections/{case}/rejection",
        "/v1/objections/{case}/upholding",
        "/v1/objections/{case}/reconsideration-decision",
        "/v1/restorations/{case}/grant",
        "/v1/restorations/{case}/refusal",
    }
)
