"""Re-identification risk of individuals from what the workspace stores, before and after ledger
format 2 (a birth date kept only on entries decided while the subject is a minor).

    python benchmarks/reidentify.py [--records 20000] [--subjects 2000] [--sample 20]

A workspace is filled with seeded sample records and the ledger read back. For each individual,
"before" is what format 1 stored (the birth date on every entry), "after" what the ledger holds
now. Two attackers:

1. **A reader of the workspace who also read the pseudonym key.** A subject key is
   HMAC(key, "resident_id:<number>"); a number is 6 digits of county, 8 of birth date, 3 of
   sequence and a check character. The providers' codes name the province (`court:110000`), so
   the attacker hashes every (county of that province, birth date, sequence) until one matches
   the stored key. With the birth date stored that is ~10^5 hashes; without it, every birth
   date before the record's decision minus 18 years, ~10^4 times more. `--sample` individuals
   are attacked for real where the birth date is stored; for the others the cost is counted and
   timed at the measured hash rate (running it would take hours in Python; a GPU does ~10^9
   HMAC-SHA256 a second, so this raises the cost, it does not stop a keyed attacker: keeping
   the key away from the workspace's readers is what does).
2. **A reader without the key, linking to outside knowledge** ("born on D, sued in province
   P"): the share of individuals whose stored quasi-identifiers — birth date, and the set of
   (provider, record type) — single them out among the ledger's individuals.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import random
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

from xinyong.domain.identifiers import division_codes, resident_id_check
from xinyong.sample.generate import write_csv
from xinyong.service import Workspace
from xinyong.storage import keys

TODAY = date(2026, 11, 1)
EARLIEST = date(1900, 1, 1)  # the attacker's guess at the oldest birth worth trying


def _attack(key: bytes, target: str, counties: list[str], births: list[date]) -> tuple[bool, int]:
    """Hash candidates until one gives `target` (the hex pseudonym); (found, hashes spent)."""
    tried = 0
    for born in births:
        middle = born.strftime("%Y%m%d")
        for county in counties:
            for seq in range(1000):
                first17 = f"{county}{middle}{seq:03d}"
                number = first17 + resident_id_check(first17)
                tried += 1
                mac = hmac.new(key, f"resident_id:{number}".encode(), hashlib.sha256)
                if mac.hexdigest() == target:
                    return True, tried
    return False, tried


def run(records: int, subjects: int, sample: int, seed: int) -> None:
    with tempfile.TemporaryDirectory(prefix="xinyong-reid-") as tmp:
        ws = Workspace.init(Path(tmp) / "ws", today=TODAY)
        made = write_csv(
            Path(tmp) / "records.csv",
            ws.pack.catalogue,
            rows=records,
            subjects=subjects,
            seed=seed,
            today=TODAY,
        )
        ws.ingest(made.path)
        s = ws.settings
        key = keys.pseudonym_key_from(s)
        people = {x.identifier: x for x in made.subjects if x.scheme == "resident_id"}
        by_key: dict[str, str] = {ws.subject_key(i, "resident_id"): i for i in people}
        stored_birth: dict[str, set[date]] = defaultdict(set)
        seen: dict[str, set[tuple[str, str]]] = defaultdict(set)
        first_decided: dict[str, date] = {}
        with ws.ledger(read_only=True) as store:
            for e in store.entries():
                if e.subject_key not in by_key:
                    continue
                k = e.subject_key
                seen[k].add((e.provider, e.record_type))
                first_decided[k] = min(first_decided.get(k, e.decision_date), e.decision_date)
                if e.subject_birth_date is not None:
                    stored_birth[k].add(e.subject_birth_date)
    keys_ = sorted(seen)
    birth = {k: people[by_key[k]].birth_date for k in keys_}
    n = len(keys_)
    print(f"{records:,} records, {n:,} individuals in the ledger (seed {seed})")
    print(f"individuals with a birth date stored: before {n:,}, after {len(stored_birth):,}")
    adults = [k for k in keys_ if k not in stored_birth]
    print(f"  (the others were adults on every decision date: {len(adults):,})")

    # 2. linkage without the key: unique by stored quasi-identifiers
    def unique_share(qi: dict[str, object]) -> float:
        counts = Counter(qi.values())
        return sum(counts[v] == 1 for v in qi.values()) / n

    before_birth = {k: birth[k] for k in keys_}
    after_birth = {k: min(stored_birth[k]) if k in stored_birth else None for k in keys_}
    providers = {k: frozenset(seen[k]) for k in keys_}
    print("unique by stored quasi-identifiers (no key):")
    print(
        f"  birth date:                    before {unique_share(before_birth):6.1%}"
        f"  after {unique_share(after_birth):6.1%}"
    )
    both_before = {k: (before_birth[k], providers[k]) for k in keys_}
    both_after = {k: (after_birth[k], providers[k]) for k in keys_}
    print(
        f"  birth date + providers/types:  before {unique_share(both_before):6.1%}"
        f"  after {unique_share(both_after):6.1%}"
    )
    print(f"  providers/types alone:         {unique_share(providers):6.1%} (both)")

    # 1. the keyed attacker
    rng = random.Random(seed)
    chosen = rng.sample(keys_, min(sample, n))
    codes = division_codes()
    found_before = 0
    spent: list[int] = []
    space: dict[str, int] = {}  # hashes per birth date tried: counties x 1000 sequences
    started = time.perf_counter()
    for k in chosen:
        provinces = {p.split(":")[1][:2] for p, _ in seen[k]}
        counties = [c for c in codes if c[:2] in provinces and c[4:] != "00"]
        space[k] = len(counties) * 1000
        ok, tried = _attack(key, k.split("#", 1)[1], counties, [birth[k]])
        found_before += ok
        spent.append(tried)
    seconds = time.perf_counter() - started
    rate = sum(spent) / seconds
    print(f"keyed attack, {len(chosen)} sampled individuals, birth date stored (before):")
    print(
        f"  re-identified {found_before}/{len(chosen)}, {sum(spent) / len(chosen):,.0f} hashes"
        f" and {seconds / len(chosen):.2f} s each ({rate:,.0f} HMAC/s, one core)"
    )
    minors = [k for k in chosen if k in stored_birth]
    print(
        f"after: {len(minors)}/{len(chosen)} were minors on some decision date and keep a birth"
        " date there, so the same attack finds them;"
    )
    # The others: every birth date from EARLIEST to 18 years before their first decision, on
    # average half of the whole space before the hit.
    costs = []
    for k in chosen:
        if k in stored_birth:
            continue
        dates = max((first_decided[k] - timedelta(days=18 * 365) - EARLIEST).days, 1)
        costs.append((dates, space[k] * dates / 2))
    if costs:
        mean_dates = sum(d for d, _ in costs) / len(costs)
        mean = sum(c for _, c in costs) / len(costs)
        print(
            f"  the other {len(costs)} need every birth date up to their first decision less 18"
            f" years (~{mean_dates:,.0f} dates): ~{mean:,.2g} hashes each on average,"
            f" ~{mean / rate / 3600:,.0f} CPU-hours here, ~{mean / 1e9:,.0f} s at 1e9 HMAC/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--subjects", type=int, default=2_000)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    run(args.records, args.subjects, args.sample, args.seed)


if __name__ == "__main__":
    main()
