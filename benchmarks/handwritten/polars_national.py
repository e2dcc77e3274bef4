"""packs/national evaluated by hand with Polars' lazy API: the same computation as national.sql.

`evaluate(entries, as_of)` takes the entries (`ENTRY_COLUMNS`) as a LazyFrame and returns the five
relations as DataFrames. Intermediate results that several outputs read are collected once, as
the SQL script materialises them.
"""

from __future__ import annotations

from datetime import date

import polars as pl

DD = "court.enforcement.dishonesty_decision"
NOTICE = "court.enforcement.notice"
BAR = "court.enforcement.listing_bar"
DELETION = "court.enforcement.list_deletion"
PERFORMANCE = "court.enforcement.performance"
SETTLED = "court.enforcement.settlement_performance"
RESTRICTION = "court.enforcement.consumption_restriction"
LIFTED = "court.enforcement.consumption_restriction_lifted"
A_GRADE = "tax.rating.a_grade"
EXTENSION = "court.enforcement.listing_extension"
ROLE = "registration.officer_role"
TYPES = [
    DD,
    NOTICE,
    BAR,
    DELETION,
    PERFORMANCE,
    SETTLED,
    RESTRICTION,
    LIFTED,
    A_GRADE,
    EXTENSION,
    ROLE,
]
SERIOUS = ["serious_violent_or_threatening_obstruction", "multiple_dishonest_acts"]
# the measures reaching an entity's officers, in all four roles (Fa Shi [2015] No. 17 Art 3 para 2)
REACHING = ["restrict_air_travel", "restrict_high_speed_rail", "restrict_luxury_consumption"]
OTHER_GROUNDS = [
    "obstructs_by_forgery_or_violence",
    "evades_by_sham_or_concealment",
    "violates_property_reporting",
    "violates_consumption_restriction",
    "refuses_settlement_agreement",
]
MEASURES = {
    "a_grade_taxpayers": [
        ("admin.green_channel", "a_grade_green_channel", "reward"),
        ("admin.inspection_reduced", "a_grade_green_channel", "reward"),
    ],
    "dishonest_judgment_debtors": [
        ("procurement.bid", "bar_government_procurement", "restrict"),
        ("tender.bid", "bar_government_procurement", "restrict"),
        ("bond.issue", "restrict_financial_activity", "restrict"),
        ("financial_institution.establish", "restrict_financial_activity", "restrict"),
        ("company.officer.appoint", "restrict_important_posts", "restrict"),
        ("honour.award", "restrict_subsidies_and_honours", "restrict"),
        ("subsidy.apply", "restrict_subsidies_and_honours", "restrict"),
    ],
    "high_consumption_restricted": [
        ("air_travel.book", "restrict_air_travel", "restrict"),
        ("rail.high_speed.book", "restrict_high_speed_rail", "restrict"),
        ("rail.soft_sleeper.book", "restrict_high_speed_rail", "restrict"),
        ("golf.play", "restrict_luxury_consumption", "restrict"),
        ("hotel.star.book", "restrict_luxury_consumption", "restrict"),
        ("housing.build_or_renovate", "restrict_luxury_consumption", "restrict"),
        ("nightclub.spend", "restrict_luxury_consumption", "restrict"),
        ("insurance.high_premium.buy", "restrict_luxury_consumption", "restrict"),
        ("office.high_end.rent", "restrict_luxury_consumption", "restrict"),
        ("real_estate.buy", "restrict_luxury_consumption", "restrict"),
        ("ship.upper_class.book", "restrict_luxury_consumption", "restrict"),
        ("travel.leisure", "restrict_luxury_consumption", "restrict"),
        ("vehicle.non_business.buy", "restrict_luxury_consumption", "restrict"),
    ],
}

rt = pl.col("record_type")
decided = pl.col("decision_date")


def _json(path: str) -> pl.Expr:
    return pl.col("attributes").str.json_path_match(path)


def evaluate(entries: pl.LazyFrame, as_of: date) -> dict[str, pl.DataFrame]:
    d = pl.lit(as_of)
    e = entries.filter((decided <= d) & rt.is_in(TYPES))
    revoked = e.filter(pl.col("entry_kind") == "revocation").select(
        pl.col("refers_to").alias("seq")
    )
    corrected = (
        e.filter(pl.col("entry_kind") == "correction")
        .sort("decision_date", "seq")
        .group_by("refers_to")
        .agg(pl.col("attributes").last().alias("corrected"))
        .rename({"refers_to": "seq"})
    )
    records = (
        e.filter(pl.col("entry_kind") == "record")
        .join(revoked, on="seq", how="anti")
        .join(corrected, on="seq", how="left")
        .with_columns(pl.coalesce("corrected", "attributes").alias("attributes"))
        .select(
            "seq",
            "record_type",
            "subject_key",
            "subject_kind",
            "subject_birth_date",
            "decision_date",
            _json("$.case_number").alias("case_no"),
            pl.when(rt == DD).then(_json("$.ground")).alias("ground"),
            pl.when(rt == NOTICE)
            .then(_json("$.listing_risk_warning") == "true")
            .when(rt.is_in([PERFORMANCE, SETTLED]))
            .then(_json("$.complete") == "true")
            .alias("flag"),
            pl.when((rt == EXTENSION) & _json("$.circumstance").is_in(SERIOUS))
            .then(_json("$.extended_by_years").cast(pl.Int64))
            .alias("ext_years"),
            pl.when(rt == ROLE).then(_json("$.entity_uscc")).alias("entity_code"),
            pl.when(rt == ROLE).then(_json("$.role")).alias("role"),
            pl.when(rt == ROLE).then(_json("$.appointed_on").str.to_date()).alias("appointed_on"),
            pl.when(rt == ROLE).then(_json("$.ceased_on").str.to_date()).alias("ceased_on"),
        )
    )
    ended = (
        records.filter(rt.is_in([DELETION, LIFTED]))
        .group_by("subject_key", "case_no", "record_type")
        .agg(decided.max().alias("last_on"))
        .rename({"record_type": "ender"})
    )
    live = (
        records.with_columns(
            pl.when(rt == DD)
            .then(pl.lit(DELETION))
            .when(rt == RESTRICTION)
            .then(pl.lit(LIFTED))
            .alias("ender")
        )
        .join(ended, on=["subject_key", "case_no", "ender"], how="left")
        .filter(
            (pl.col("last_on").is_null() | (pl.col("last_on") < decided))
            & ((rt != A_GRADE) | (d < decided.dt.offset_by("12mo")))
        )
        .drop("ender", "last_on")
        .collect()
        .lazy()
    )

    born = pl.col("subject_birth_date")
    x_date = pl.col("x_date")
    x_type = pl.col("x_type")
    x_flag = pl.col("x_flag")
    cases = live.filter(rt.is_in([PERFORMANCE, SETTLED, NOTICE, BAR, EXTENSION])).select(
        "subject_key",
        "case_no",
        rt.alias("x_type"),
        decided.alias("x_date"),
        pl.col("flag").alias("x_flag"),
        pl.col("ext_years").alias("x_years"),
    )
    anchors = (
        live.filter(
            rt.is_in([DD, RESTRICTION])
            & ~(born.is_not_null() & (decided < born.dt.offset_by("216mo")))
        )
        .join(cases, on=["subject_key", "case_no"], how="left")
        .group_by("seq")
        .agg(
            pl.col("record_type", "subject_key", "ground").first(),
            decided.first().alias("since"),
            x_date.filter((x_type == PERFORMANCE) & x_flag & (x_date >= decided))
            .min()
            .alias("performed_on"),
            x_date.filter((x_type == SETTLED) & x_flag & (x_date >= decided))
            .min()
            .alias("settled_on"),
            ((x_type == NOTICE) & x_flag & (x_date <= decided)).any().alias("warned"),
            ((x_type == NOTICE) & (x_date <= decided)).any().alias("noticed"),
            (x_type == BAR).any().alias("barred"),
            pl.col("x_years").max().alias("ext_years"),
        )
        .collect()
        .lazy()
    )

    since = pl.col("since")
    until = pl.col("until")
    status = pl.when(pl.col("warned")).then(pl.lit("listed")).otherwise(pl.lit("notice_missing"))
    refuses = anchors.filter(
        (rt == DD) & (pl.col("ground") == "refuses_despite_ability") & ~pl.col("barred")
    ).select(
        "subject_key",
        pl.lit("refuses_despite_ability").alias("rule_name"),
        pl.col("seq").alias("anchor_seq"),
        "since",
        pl.min_horizontal("performed_on", "settled_on").alias("until"),
        "warned",
        "noticed",
    )
    # two years, plus the 1-3 years a court orders for a serious case (Art 2); performance does
    # not end it (Art 10 para 2)
    term = since.dt.offset_by("24mo")
    years = pl.col("ext_years").fill_null(0).clip(0, 3)
    other = anchors.filter((rt == DD) & pl.col("ground").is_in(OTHER_GROUNDS)).select(
        "subject_key",
        pl.lit("other_grounds").alias("rule_name"),
        pl.col("seq").alias("anchor_seq"),
        "since",
        pl.when(years >= 3)
        .then(term.dt.offset_by("36mo"))
        .when(years >= 2)
        .then(term.dt.offset_by("24mo"))
        .when(years >= 1)
        .then(term.dt.offset_by("12mo"))
        .otherwise(term)
        .alias("until"),
        "warned",
        "noticed",
    )
    dishonest = (
        pl.concat([refuses, other])
        .filter(until.is_null() | (d < until))
        .select(
            "subject_key",
            "rule_name",
            "anchor_seq",
            "since",
            "until",
            status.alias("status"),
            "noticed",
        )
        .collect()
        .lazy()
    )

    # the consumption restriction's notice: in its own case, or the decision's it rests on
    noticed = pl.when(pl.col("noticed")).then(pl.lit("listed")).otherwise(pl.lit("notice_missing"))
    columns = ["subject_key", "list_name", "rule_name", "anchor_seq", "via_list"]
    a_grade = live.filter((rt == A_GRADE) & (pl.col("subject_kind") == "enterprise")).select(
        "subject_key",
        pl.lit("a_grade_taxpayers").alias("list_name"),
        pl.lit("a_grade_rating").alias("rule_name"),
        pl.col("seq").alias("anchor_seq"),
        pl.lit(None, pl.String).alias("via_list"),
        decided.alias("since"),
        decided.dt.offset_by("12mo").alias("until"),
        pl.lit("listed").alias("status"),
    )
    listed_dishonest = dishonest.select(
        "subject_key",
        pl.lit("dishonest_judgment_debtors").alias("list_name"),
        "rule_name",
        "anchor_seq",
        pl.lit(None, pl.String).alias("via_list"),
        "since",
        "until",
        "status",
    )
    restriction = anchors.filter(
        (rt == RESTRICTION) & (pl.col("performed_on").is_null() | (d < pl.col("performed_on")))
    ).select(
        "subject_key",
        pl.lit("high_consumption_restricted").alias("list_name"),
        pl.lit("restriction_order").alias("rule_name"),
        pl.col("seq").alias("anchor_seq"),
        pl.lit(None, pl.String).alias("via_list"),
        "since",
        pl.col("performed_on").alias("until"),
        noticed.alias("status"),
    )
    via_dishonest = dishonest.filter(pl.col("status") == "listed").select(
        "subject_key",
        pl.lit("high_consumption_restricted").alias("list_name"),
        pl.lit("listed_as_dishonest").alias("rule_name"),
        "anchor_seq",
        pl.lit("dishonest_judgment_debtors").alias("via_list"),
        "since",
        "until",
        noticed.alias("status"),
    )
    listings = pl.concat([a_grade, listed_dishonest, restriction, via_dishonest])
    memberships = (
        listings.filter(pl.col("status") == "listed")
        .group_by("subject_key", "list_name")
        .agg(
            since.min(),
            pl.when(until.null_count() > 0).then(None).otherwise(until.max()).alias("until"),
            pl.len().alias("listings"),
        )
    )
    actions = pl.LazyFrame(
        [(name, *action) for name, acts in MEASURES.items() for action in acts],
        schema=["list_name", "action", "measure_name", "outcome"],
        orient="row",
    )
    own = memberships.join(actions, on="list_name").select(
        "subject_key",
        "action",
        "measure_name",
        "outcome",
        pl.lit(None, pl.String).alias("via_subject"),
        pl.lit(None, pl.String).alias("via_role"),
    )
    officers = live.filter(
        (rt == ROLE)
        & (pl.col("appointed_on") <= d)
        & (pl.col("ceased_on").is_null() | (d < pl.col("ceased_on")))
    ).select(
        pl.col("subject_key").alias("holder"),
        (pl.lit("uscc:") + pl.col("entity_code")).alias("entity_key"),
        "role",
    )
    reached = (
        own.filter(pl.col("measure_name").is_in(REACHING))
        .join(officers, left_on="subject_key", right_on="entity_key")
        .select(
            pl.col("holder").alias("subject_key"),
            "action",
            "measure_name",
            "outcome",
            pl.col("subject_key").alias("via_subject"),
            pl.col("role").alias("via_role"),
        )
        .unique()
    )
    decisions = pl.concat([own, reached])
    listings_df, memberships_df, decisions_df = pl.collect_all([listings, memberships, decisions])
    return {
        "listings": listings_df.select(*columns, "since", "until", "status"),
        "memberships": memberships_df,
        "score_items": pl.DataFrame(
            schema={
                "subject_key": pl.String,
                "scheme_name": pl.String,
                "item_name": pl.String,
                "records": pl.Int64,
                "points": pl.Int64,
            }
        ),
        "scores": pl.DataFrame(
            schema={
                "subject_key": pl.String,
                "scheme_name": pl.String,
                "points": pl.Int64,
                "grade": pl.String,
            }
        ),
        "decisions": decisions_df,
    }
