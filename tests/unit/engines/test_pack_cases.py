"""Every pack's worked examples (`kind: Case`) replayed through the reference evaluator.

A case's `expect` is a claim about the contract (`docs/concepts/evaluation.md`), not about this
evaluator: where a case is wrong by the contract it is listed in `WRONG_BY_CONTRACT` with the
reason, and reported, rather than the evaluator bent to fit it.
"""

from __future__ import annotations

from typing import Any

import pytest

from xinyong.engines.reference import evaluate
from xinyong.errors import PolicyError
from xinyong.policy import Case, Pack, load_pack

from .ledger import PACKS, case_rows, outcomes

SUBJECT = "case"

# (pack, case) → why its expectation disagrees with the contract.
WRONG_BY_CONTRACT: dict[tuple[str, str], str] = {}


def _params() -> list[Any]:
    out: list[Any] = []
    for folder in sorted(p.parent for p in PACKS.glob("*/pack.yaml")):
        try:
            pack = load_pack(folder)
        except PolicyError as e:
            # a pack that does not load is a failure of its own, not a reason to skip the rest
            out.append(pytest.param(None, None, str(e), id=f"{folder.name}:<load>"))
            continue
        for case in pack.cases.values():
            marks = []
            reason = WRONG_BY_CONTRACT.get((pack.name, case.name))
            if reason is not None:
                marks.append(pytest.mark.xfail(reason=reason, strict=False))
            out.append(pytest.param(pack, case, None, id=f"{pack.name}:{case.name}", marks=marks))
    return out


@pytest.mark.parametrize(("pack", "case", "load_error"), _params())
def test_case(pack: Pack | None, case: Case | None, load_error: str | None) -> None:
    if load_error is not None or pack is None or case is None:
        pytest.fail(f"pack does not load:\n{load_error}")
    results = evaluate(pack, case_rows(case, SUBJECT), case.as_of)
    expect = case.expect
    problems: list[str] = []

    member_of = {m[1] for m in results["memberships"] if m[0] == SUBJECT}
    if missing := sorted(expect.lists - member_of):
        problems.append(f"not on {missing}")
    if extra := sorted(expect.not_lists & member_of):
        problems.append(f"on {extra}")

    scores = {s[1]: (s[2], s[3]) for s in results["scores"] if s[0] == SUBJECT}
    for scheme, grade in expect.grades.items():
        got = scores.get(scheme)
        if got is None or got[1] != grade:
            problems.append(f"grade in {scheme}: expected {grade}, got {got}")
    for scheme, points in expect.scores.items():
        got = scores.get(scheme)
        if got is None or got[0] != points:
            problems.append(f"score in {scheme}: expected {points}, got {got}")

    applied = {d[2] for d in results["decisions"] if d[0] == SUBJECT}
    if missing := sorted(expect.measures - applied):
        problems.append(f"measures {missing} do not apply (applied: {sorted(applied)})")

    actions = outcomes(results, SUBJECT)
    for action, outcome in expect.actions.items():
        got = actions.get(action, "allow")
        if got != outcome:
            problems.append(f"{action}: expected {outcome}, got {got}")

    assert not problems, f"{case.name} as of {case.as_of}: " + "; ".join(problems)
