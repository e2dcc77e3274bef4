"""The demo: a throwaway workspace on the shipped pack, seeded sample data, ingest, verify."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from xinyong.domain.decision import Decision
from xinyong.domain.results import LISTED, Results
from xinyong.ingest.pipeline import IngestReport, Progress
from xinyong.sample.generate import Sample, Subject, write_csv
from xinyong.service import SubjectView, Workspace
from xinyong.storage.base import VerifyReport


@dataclass(frozen=True)
class DemoRun:
    workspace: Workspace
    sample: Sample
    ingest: IngestReport
    reingest: IngestReport
    verify: VerifyReport
    subjects: list[SubjectView]
    rejects: list[dict[str, str]]
    evaluation: Results
    checks: list[tuple[Subject, Decision]]


def run_demo(
    directory: Path,
    *,
    records: int = 20_000,
    subjects: int = 2_000,
    seed: int = 7,
    malformed: float = 0.01,
    show: int = 3,
    today: date | None = None,
    progress: Progress | None = None,
) -> DemoRun:
    """Create a workspace in `directory`, ingest a generated file twice, verify, pick subjects."""
    workspace = Workspace.init(directory, today=today)
    today = workspace.today()
    sample = write_csv(
        directory / "sample" / "records.csv",
        workspace.pack.catalogue,
        rows=records,
        subjects=subjects,
        seed=seed,
        today=today,
        malformed=malformed,
        cases=list(workspace.pack.cases.values()),
        story_share=0.2,
    )
    first = workspace.ingest(sample.path, progress=progress)
    again = workspace.ingest(sample.path)  # idempotent: adds nothing
    report = workspace.verify()
    views = [workspace.subject(s.identifier, s.scheme) for s in _pick(sample.subjects, show, seed)]
    rejects: list[dict[str, str]] = []
    if first.rejects_path is not None:
        with first.rejects_path.open(newline="", encoding="utf-8") as fh:
            rejects = [row for _, row in zip(range(4), csv.DictReader(fh), strict=False)]
    evaluation = workspace.evaluate(as_of=today)
    checks = [
        (
            subject,
            workspace.check(
                subject.identifier, action, purpose="demo", asked_by="demo", audience="auditor"
            ),
        )
        for subject, action in _checks(workspace, sample.subjects, evaluation)
    ]
    return DemoRun(workspace, sample, first, again, report, views, rejects, evaluation, checks)


def _checks(
    workspace: Workspace, subjects: list[Subject], results: Results
) -> list[tuple[Subject, str]]:
    """Checks worth showing: a listed subject's flight and bid, and one unlisted subject's."""
    by_key = {workspace.subject_key(s.identifier, s.scheme): s for s in subjects}
    listed = sorted({r[0] for r in results["listings"] if r[7] == LISTED and r[0] in by_key})
    unlisted = sorted(set(by_key) - set(listed))
    out: list[tuple[Subject, str]] = []
    for key in listed[:2]:
        out += [(by_key[key], "air_travel.book"), (by_key[key], "procurement.bid")]
    if unlisted:
        out.append((by_key[unlisted[0]], "air_travel.book"))
    return out


def _pick(subjects: list[Subject], n: int, seed: int) -> list[Subject]:
    """A few subjects of different kinds, so the demo shows an enterprise and an individual."""
    rng = random.Random(seed)
    shuffled = subjects[:]
    rng.shuffle(shuffled)
    picked: list[Subject] = []
    for subject in shuffled:
        if len(picked) >= n:
            break
        if subject.kind not in {p.kind for p in picked} or len(picked) >= 2:
            picked.append(subject)
    return picked
