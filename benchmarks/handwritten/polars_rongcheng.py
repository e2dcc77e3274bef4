"""packs/rongcheng evaluated by hand with Polars' lazy API: the same computation as
rongcheng.sql.

`evaluate(entries, as_of)` takes the entries (`ENTRY_COLUMNS`) as a LazyFrame and returns the five
relations as DataFrames.
"""

from __future__ import annotations

from datetime import date

import polars as pl

BANK_ARREARS = "finance.bank_arrears"
ITEMS = [  # record type, item, points, grade ceiling
    ("commerce.contract_non_performance", "contract_non_performance", -20, None),
    ("court.contract_breach_found", "found_in_breach_by_court", -50, None),
    (BANK_ARREARS, "bank_arrears", -10, None),
    ("finance.private_lending_breach", "private_lending_breach", -20, None),
    ("finance.illegal_fundraising", "illegal_fundraising", -40, None),
    ("market.mlm_or_fraud", "mlm_or_fraud", -30, None),
    ("market.counterfeit_goods", "counterfeit_goods", -30, None),
    ("utility.late_payment", "late_utility_fees", -20, None),
    ("utility.arrears_judgment", "utility_arrears_found", -50, None),
    ("utility.illegal_heating_hookup", "illegal_heating_hookup", -50, None),
    ("utility.theft", "utility_theft", -60, None),
    ("utility.equipment_damage", "utility_equipment_damage", -100, None),
    ("traffic.violation", "traffic_violation", -5, None),
    ("traffic.drunk_driving", "drunk_driving", 0, "C"),
    ("honour.heroic_act", "heroic_act", 30, None),
]


def evaluate(entries: pl.LazyFrame, as_of: date) -> dict[str, pl.DataFrame]:
    d = pl.lit(as_of)
    decided = pl.col("decision_date")
    rt = pl.col("record_type")
    by_d = entries.filter(decided <= d)
    subjects = by_d.group_by("subject_key").agg(pl.col("subject_kind").min())
    revoked = by_d.filter(pl.col("entry_kind") == "revocation").select(
        pl.col("refers_to").alias("seq")
    )
    items = pl.LazyFrame(
        ITEMS,
        schema={
            "record_type": pl.String,
            "item_name": pl.String,
            "item_points": pl.Int64,
            "ceiling": pl.String,
        },
        orient="row",
    )
    n = pl.col("n")
    counted = (
        by_d.filter(
            (pl.col("entry_kind") == "record")
            & (d < decided.dt.offset_by("36mo"))
            & (pl.col("subject_kind") == "individual")
            & rt.is_in([i[0] for i in ITEMS])
        )
        .join(revoked, on="seq", how="anti")
        .group_by(
            "subject_key",
            "record_type",
            pl.when(rt == BANK_ARREARS).then(decided.dt.truncate("1mo")).alias("bucket"),
        )
        .agg(pl.len().cast(pl.Int64).alias("n"))
    )
    score_items = (
        counted.join(items, on="record_type")
        .group_by("subject_key", "item_name", "ceiling")
        .agg(
            n.sum().alias("records"),
            pl.when(pl.col("bucket").is_not_null())
            .then(-pl.min_horizontal(10 * n, pl.lit(10)))
            .otherwise(pl.col("item_points") * n)
            .sum()
            .alias("points"),
        )
        .with_columns(pl.lit("personal_credit").alias("scheme_name"))
        .collect()
        .lazy()
    )
    points = pl.col("points")
    drunk = pl.col("drunk")
    totals = score_items.group_by("subject_key").agg(
        points.sum().alias("total"), (pl.col("ceiling") == "C").any().alias("drunk")
    )
    scores = (
        subjects.filter(pl.col("subject_kind") == "individual")
        .join(totals, on="subject_key", how="left")
        .select(
            "subject_key",
            pl.lit("personal_credit").alias("scheme_name"),
            (1000 + pl.col("total").fill_null(0)).alias("points"),
            drunk.fill_null(False),
        )
        .select(
            "subject_key",
            "scheme_name",
            "points",
            pl.when((points >= 1050) & ~drunk)
            .then(pl.lit("AAA"))
            .when((points >= 1030) & ~drunk)
            .then(pl.lit("AA"))
            .when((points >= 960) & ~drunk)
            .then(pl.lit("A"))
            .when((points >= 850) & ~drunk)
            .then(pl.lit("B"))
            .when(points >= 600)
            .then(pl.lit("C"))
            .otherwise(pl.lit("D"))
            .alias("grade"),
        )
        .collect()
        .lazy()
    )
    grade = pl.col("grade")
    decisions = pl.concat(
        [
            scores.filter(grade.is_in(["A", "AA", "AAA"])).select(
                "subject_key",
                pl.lit("rental.deposit_waiver").alias("action"),
                pl.lit("deposit_free_public_bikes").alias("measure_name"),
                pl.lit("reward").alias("outcome"),
                pl.lit(None, pl.String).alias("via_subject"),
                pl.lit(None, pl.String).alias("via_role"),
            ),
            scores.filter(grade == "AAA").select(
                "subject_key",
                pl.lit("utility.heating_discount").alias("action"),
                pl.lit("heating_fee_discount").alias("measure_name"),
                pl.lit("reward").alias("outcome"),
                pl.lit(None, pl.String).alias("via_subject"),
                pl.lit(None, pl.String).alias("via_role"),
            ),
        ]
    ).collect()
    return {
        "listings": pl.DataFrame(
            schema={
                "subject_key": pl.String,
                "list_name": pl.String,
                "rule_name": pl.String,
                "anchor_seq": pl.Int64,
                "via_list": pl.String,
                "since": pl.Date,
                "until": pl.Date,
                "status": pl.String,
            }
        ),
        "memberships": pl.DataFrame(
            schema={
                "subject_key": pl.String,
                "list_name": pl.String,
                "since": pl.Date,
                "until": pl.Date,
                "listings": pl.Int64,
            }
        ),
        "score_items": score_items.collect(),
        "scores": scores.collect(),
        "decisions": decisions,
    }
