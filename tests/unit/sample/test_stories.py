"""Case replays make coherent, valid life cycles: they ingest cleanly and put subjects on lists."""

from __future__ import annotations

import csv
import json
import random
from datetime import date
from pathlib import Path

from tests.conftest import TODAY

from xinyong.policy import load_pack
from xinyong.sample.generate import generate_subjects, write_csv
from xinyong.sample.stories import stories
from xinyong.service import Workspace

PACKS = Path(__file__).parents[3] / "packs"
ROLE = "registration.officer_role"


def test_replays_keep_their_case_together_and_stay_in_the_past() -> None:
    pack = load_pack(PACKS / "national")
    rng = random.Random(4)
    people = generate_subjects(200, rng, today=TODAY)
    seen_numbers: dict[str, set[str]] = {}
    linked = 0
    for n, group in zip(
        range(300),
        stories(list(pack.cases.values()), pack.catalogue, people, rng, today=TODAY),
        strict=False,
    ):
        refs = {row["document_ref"] for row in group}
        # one subject, and for an officer's case the entity standing in for the related one
        by_scheme: dict[str, set[str]] = {}
        for row in group:
            by_scheme.setdefault(row["subject_scheme"], set()).add(row["subject_id"])
        assert all(len(ids) == 1 for ids in by_scheme.values())
        roles = [json.loads(r["attributes"]) for r in group if r["record_type"] == ROLE]
        if roles and "uscc" in by_scheme:
            linked += 1
            assert {r["entity_uscc"] for r in roles} == by_scheme["uscc"]
        for row in group:
            assert date.fromisoformat(row["decision_date"]) <= TODAY
            assert not row["refers_to"] or row["refers_to"] in refs
            if '"case_number"' in row["attributes"]:
                number = row["attributes"].split('"case_number":"')[1].split('"')[0]
                seen_numbers.setdefault(number, set()).add(str(n))
    # a case number belongs to one replay only, so `same:` cannot join two stories
    assert seen_numbers
    assert linked > 0
    assert all(len(replays) == 1 for replays in seen_numbers.values())


def test_stories_ingest_cleanly_and_list_subjects(workspace: Workspace, tmp_path: Path) -> None:
    sample = write_csv(
        tmp_path / "r.csv",
        workspace.pack.catalogue,
        rows=3_000,
        subjects=300,
        seed=2,
        today=TODAY,
        cases=list(workspace.pack.cases.values()),
        story_share=0.5,
    )
    report = workspace.ingest(sample.path)
    assert report.rejected == 0
    assert report.accepted == 3_000
    results = workspace.evaluate(as_of=TODAY, keep=False)
    listed = {r[1] for r in results["listings"] if r[7] == "listed"}
    assert {"dishonest_judgment_debtors", "high_consumption_restricted"} <= listed


def test_malformed_rows_among_stories_are_exactly_the_rejected_ones(
    workspace: Workspace, tmp_path: Path
) -> None:
    # a broken record that later rows refer to would take them down too: breaks move
    sample = write_csv(
        tmp_path / "r.csv",
        workspace.pack.catalogue,
        rows=4_000,
        subjects=300,
        seed=7,
        today=TODAY,
        malformed=0.05,
        cases=list(workspace.pack.cases.values()),
        story_share=0.6,
    )
    report = workspace.ingest(sample.path)
    assert report.rejected == len(sample.bad_lines) > 150
    assert report.rejects_path is not None
    with report.rejects_path.open(newline="", encoding="utf-8") as fh:
        lines = {int(row["line"]) for row in csv.DictReader(fh)}
    assert lines == set(sample.bad_lines)
