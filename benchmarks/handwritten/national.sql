-- packs/national evaluated by hand, as an engineer who knows this one pack would write it for
-- DuckDB (benchmarks/evaluate.py compares it with the compiled plan; it must give the same rows).
-- `h_input` is the entries table and `:as_of` the evaluation date; the five outputs are h_<name>.
--
-- What knowing the pack buys over the general plan:
-- - attributes are read once into a few columns (case number, ground, one boolean flag, the
--   years an extension orders, an officer's entity, role and dates);
-- - a decision ended by a deletion in the same case is no longer live, so the lists' "deleted"
--   and "lifted" exits (a deletion or lifting in the same case on or after the start) can never
--   end a live anchor: they are left out;
-- - every same-case test an anchor needs is one join to the records of its case;
-- - the consumption restriction anchored on a dishonesty listing inherits its start, end and
--   minors test, so only its notice (in the decision's case) is computed;
-- - performance and settlement end only the open-term listing (Art 10 para 2), and only the
--   three consumption measures reach officers, in all four roles.

-- records decided by D, of the types the pack reads: revoked ones dropped, the latest
-- correction's attributes in place of the original's, read into columns with one JSON parse
CREATE TEMP TABLE h_records AS
WITH acts AS (
    SELECT refers_to,
           bool_or(entry_kind = 'revocation') AS revoked,
           arg_max(attributes, struct_pack(d := decision_date, s := seq))
               FILTER (WHERE entry_kind = 'correction') AS corrected
    FROM h_input
    WHERE decision_date <= :as_of
      AND entry_kind IN ('revocation', 'correction')
      AND record_type IN (
          'court.enforcement.dishonesty_decision', 'court.enforcement.notice',
          'court.enforcement.listing_bar', 'court.enforcement.list_deletion',
          'court.enforcement.performance', 'court.enforcement.settlement_performance',
          'court.enforcement.consumption_restriction',
          'court.enforcement.consumption_restriction_lifted', 'tax.rating.a_grade',
          'court.enforcement.listing_extension', 'registration.officer_role')
    GROUP BY refers_to
),
r AS (
    SELECT e.seq, e.record_type, e.subject_key, e.subject_kind, e.subject_birth_date,
           e.decision_date,
           json_extract_string(COALESCE(a.corrected, e.attributes),
                               ['$.case_number', '$.ground', '$.circumstance',
                                '$.listing_risk_warning', '$.complete', '$.extended_by_years',
                                '$.entity_uscc', '$.role', '$.appointed_on', '$.ceased_on']) AS v
    FROM h_input AS e LEFT JOIN acts AS a ON a.refers_to = e.seq
    WHERE e.decision_date <= :as_of
      AND e.entry_kind = 'record'
      AND e.record_type IN (
          'court.enforcement.dishonesty_decision', 'court.enforcement.notice',
          'court.enforcement.listing_bar', 'court.enforcement.list_deletion',
          'court.enforcement.performance', 'court.enforcement.settlement_performance',
          'court.enforcement.consumption_restriction',
          'court.enforcement.consumption_restriction_lifted', 'tax.rating.a_grade',
          'court.enforcement.listing_extension', 'registration.officer_role')
      AND a.revoked IS NOT TRUE
)
SELECT seq, record_type, subject_key, subject_kind, subject_birth_date, decision_date,
       v[1] AS case_no,
       CASE WHEN record_type = 'court.enforcement.dishonesty_decision' THEN v[2] END AS ground,
       CASE record_type
           WHEN 'court.enforcement.notice' THEN v[4] = 'true'
           WHEN 'court.enforcement.performance' THEN v[5] = 'true'
           WHEN 'court.enforcement.settlement_performance' THEN v[5] = 'true'
       END AS flag,
       CASE WHEN record_type = 'court.enforcement.listing_extension'
                 AND v[3] IN ('serious_violent_or_threatening_obstruction',
                              'multiple_dishonest_acts')
            THEN CAST(v[6] AS BIGINT) END AS ext_years,
       CASE WHEN record_type = 'registration.officer_role' THEN v[7] END AS entity_code,
       CASE WHEN record_type = 'registration.officer_role' THEN v[8] END AS role,
       CASE WHEN record_type = 'registration.officer_role' THEN CAST(v[9] AS DATE) END
           AS appointed_on,
       CASE WHEN record_type = 'registration.officer_role' THEN CAST(v[10] AS DATE) END
           AS ceased_on
FROM r;

-- the last deletion in each case and the last lifting of a restriction in each case
CREATE TEMP TABLE h_ended AS
SELECT subject_key, case_no,
       CASE record_type WHEN 'court.enforcement.list_deletion'
           THEN 'court.enforcement.dishonesty_decision'
           ELSE 'court.enforcement.consumption_restriction' END AS ends,
       max(decision_date) AS last_on
FROM h_records
WHERE record_type IN ('court.enforcement.list_deletion',
                      'court.enforcement.consumption_restriction_lifted')
GROUP BY subject_key, case_no, record_type;

-- live records: a dishonesty decision until a deletion in its case, a consumption restriction
-- until its lifting, an A-grade rating for a year; the rest are not displayed and count
CREATE TEMP VIEW h_live AS
SELECT r.*
FROM h_records AS r
LEFT JOIN h_ended AS n
  ON n.subject_key = r.subject_key AND n.case_no = r.case_no AND n.ends = r.record_type
WHERE (n.last_on IS NULL OR n.last_on < r.decision_date)
  AND (r.record_type <> 'tax.rating.a_grade'
       OR :as_of < CAST(r.decision_date + INTERVAL 12 MONTH AS DATE));

-- every record that can start a listing, with what its case says about it
CREATE TEMP TABLE h_anchors AS
SELECT a.seq, a.record_type, a.subject_key, a.subject_birth_date, a.decision_date AS since,
       a.ground,
       min(x.decision_date) FILTER (WHERE x.record_type = 'court.enforcement.performance'
                                      AND x.flag AND x.decision_date >= a.decision_date)
           AS performed_on,
       min(x.decision_date) FILTER (WHERE x.record_type = 'court.enforcement.settlement_performance'
                                      AND x.flag AND x.decision_date >= a.decision_date)
           AS settled_on,
       coalesce(bool_or(x.record_type = 'court.enforcement.notice' AND x.flag
                        AND x.decision_date <= a.decision_date), FALSE) AS warned,
       coalesce(bool_or(x.record_type = 'court.enforcement.notice'
                        AND x.decision_date <= a.decision_date), FALSE) AS noticed,
       coalesce(bool_or(x.record_type = 'court.enforcement.listing_bar'), FALSE) AS barred,
       max(x.ext_years) AS ext_years
FROM h_live AS a
LEFT JOIN h_live AS x
  ON x.subject_key = a.subject_key AND x.case_no = a.case_no
 AND x.record_type IN ('court.enforcement.performance',
                       'court.enforcement.settlement_performance', 'court.enforcement.notice',
                       'court.enforcement.listing_bar', 'court.enforcement.listing_extension')
WHERE a.record_type IN ('court.enforcement.dishonesty_decision',
                        'court.enforcement.consumption_restriction')
  -- Art 4: never a minor on the day of the decision (both lists exclude them)
  AND NOT (a.subject_birth_date IS NOT NULL
           AND a.decision_date < CAST(a.subject_birth_date + INTERVAL 216 MONTH AS DATE))
GROUP BY a.seq, a.record_type, a.subject_key, a.subject_birth_date, a.decision_date, a.ground;

CREATE TEMP TABLE h_dishonest AS
WITH listing AS (
    SELECT a.subject_key, 'refuses_despite_ability' AS rule_name, a.seq AS anchor_seq, a.since,
           least(a.performed_on, a.settled_on) AS until, a.warned, a.noticed
    FROM h_anchors AS a
    WHERE a.record_type = 'court.enforcement.dishonesty_decision'
      AND a.ground = 'refuses_despite_ability' AND NOT a.barred
    UNION ALL
    -- two years, plus the years a court orders (1-3) for a serious case (Art 2); performance
    -- does not end it (Art 10 para 2)
    SELECT a.subject_key, 'other_grounds', a.seq, a.since,
           CAST(CAST(a.since + INTERVAL 24 MONTH AS DATE)
                + to_months(12 * least(greatest(coalesce(a.ext_years, 0), 0), 3)) AS DATE),
           a.warned, a.noticed
    FROM h_anchors AS a
    WHERE a.record_type = 'court.enforcement.dishonesty_decision'
      AND a.ground IN ('obstructs_by_forgery_or_violence', 'evades_by_sham_or_concealment',
                       'violates_property_reporting', 'violates_consumption_restriction',
                       'refuses_settlement_agreement')
)
SELECT subject_key, rule_name, anchor_seq, since, until, noticed,
       CASE WHEN warned THEN 'listed' ELSE 'notice_missing' END AS status
FROM listing
WHERE until IS NULL OR :as_of < until;

CREATE TEMP TABLE h_listings AS
SELECT r.subject_key, 'a_grade_taxpayers' AS list_name, 'a_grade_rating' AS rule_name,
       r.seq AS anchor_seq, CAST(NULL AS VARCHAR) AS via_list, r.decision_date AS since,
       CAST(r.decision_date + INTERVAL 12 MONTH AS DATE) AS until, 'listed' AS status
FROM h_live AS r
WHERE r.record_type = 'tax.rating.a_grade' AND r.subject_kind = 'enterprise'
UNION ALL
SELECT subject_key, 'dishonest_judgment_debtors', rule_name, anchor_seq, NULL, since, until,
       status
FROM h_dishonest
UNION ALL
SELECT a.subject_key, 'high_consumption_restricted', 'restriction_order', a.seq, NULL, a.since,
       a.performed_on,
       CASE WHEN a.noticed THEN 'listed' ELSE 'notice_missing' END
FROM h_anchors AS a
WHERE a.record_type = 'court.enforcement.consumption_restriction'
  AND (a.performed_on IS NULL OR :as_of < a.performed_on)
UNION ALL
-- the notice in the case of the decision the listing rests on
SELECT d.subject_key, 'high_consumption_restricted', 'listed_as_dishonest', d.anchor_seq,
       'dishonest_judgment_debtors', d.since, d.until,
       CASE WHEN d.noticed THEN 'listed' ELSE 'notice_missing' END
FROM h_dishonest AS d
WHERE d.status = 'listed';

CREATE TEMP TABLE h_memberships AS
SELECT subject_key, list_name, min(since) AS since,
       CASE WHEN count(until) < count(*) THEN NULL ELSE max(until) END AS until,
       count(*) AS listings
FROM h_listings
WHERE status = 'listed'
GROUP BY subject_key, list_name;

CREATE TEMP TABLE h_score_items AS
SELECT CAST(NULL AS VARCHAR) AS subject_key, CAST(NULL AS VARCHAR) AS scheme_name,
       CAST(NULL AS VARCHAR) AS item_name, CAST(NULL AS BIGINT) AS records,
       CAST(NULL AS BIGINT) AS points
WHERE FALSE;

CREATE TEMP TABLE h_scores AS
SELECT CAST(NULL AS VARCHAR) AS subject_key, CAST(NULL AS VARCHAR) AS scheme_name,
       CAST(NULL AS BIGINT) AS points, CAST(NULL AS VARCHAR) AS grade
WHERE FALSE;

CREATE TEMP TABLE h_decisions AS
WITH measure_action (list_name, action, measure_name, outcome) AS (
    VALUES
        ('a_grade_taxpayers', 'admin.green_channel', 'a_grade_green_channel', 'reward'),
        ('a_grade_taxpayers', 'admin.inspection_reduced', 'a_grade_green_channel', 'reward'),
        ('dishonest_judgment_debtors', 'procurement.bid', 'bar_government_procurement', 'restrict'),
        ('dishonest_judgment_debtors', 'tender.bid', 'bar_government_procurement', 'restrict'),
        ('dishonest_judgment_debtors', 'bond.issue', 'restrict_financial_activity', 'restrict'),
        ('dishonest_judgment_debtors', 'financial_institution.establish',
         'restrict_financial_activity', 'restrict'),
        ('dishonest_judgment_debtors', 'company.officer.appoint', 'restrict_important_posts',
         'restrict'),
        ('dishonest_judgment_debtors', 'honour.award', 'restrict_subsidies_and_honours',
         'restrict'),
        ('dishonest_judgment_debtors', 'subsidy.apply', 'restrict_subsidies_and_honours',
         'restrict'),
        ('high_consumption_restricted', 'air_travel.book', 'restrict_air_travel', 'restrict'),
        ('high_consumption_restricted', 'rail.high_speed.book', 'restrict_high_speed_rail',
         'restrict'),
        ('high_consumption_restricted', 'rail.soft_sleeper.book', 'restrict_high_speed_rail',
         'restrict'),
        ('high_consumption_restricted', 'hotel.star.book', 'restrict_luxury_consumption',
         'restrict'),
        ('high_consumption_restricted', 'nightclub.spend', 'restrict_luxury_consumption',
         'restrict'),
        ('high_consumption_restricted', 'golf.play', 'restrict_luxury_consumption', 'restrict'),
        ('high_consumption_restricted', 'housing.build_or_renovate',
         'restrict_luxury_consumption', 'restrict'),
        ('high_consumption_restricted', 'insurance.high_premium.buy',
         'restrict_luxury_consumption', 'restrict'),
        ('high_consumption_restricted', 'office.high_end.rent', 'restrict_luxury_consumption',
         'restrict'),
        ('high_consumption_restricted', 'real_estate.buy', 'restrict_luxury_consumption',
         'restrict'),
        ('high_consumption_restricted', 'ship.upper_class.book', 'restrict_luxury_consumption',
         'restrict'),
        ('high_consumption_restricted', 'travel.leisure', 'restrict_luxury_consumption',
         'restrict'),
        ('high_consumption_restricted', 'vehicle.non_business.buy',
         'restrict_luxury_consumption', 'restrict')
),
own AS (
    SELECT m.subject_key, a.action, a.measure_name, a.outcome,
           CAST(NULL AS VARCHAR) AS via_subject, CAST(NULL AS VARCHAR) AS via_role
    FROM h_memberships AS m JOIN measure_action AS a ON a.list_name = m.list_name
),
-- officers holding a role on D; the consumption measures reach all four roles (Art 3 para 2)
officer AS (
    SELECT subject_key, 'uscc:' || entity_code AS entity_key, role
    FROM h_live
    WHERE record_type = 'registration.officer_role'
      AND appointed_on <= :as_of AND (ceased_on IS NULL OR :as_of < ceased_on)
)
SELECT * FROM own
UNION ALL
SELECT DISTINCT o.subject_key, d.action, d.measure_name, d.outcome, d.subject_key, o.role
FROM own AS d JOIN officer AS o ON o.entity_key = d.subject_key
WHERE d.measure_name IN ('restrict_air_travel', 'restrict_high_speed_rail',
                         'restrict_luxury_consumption');
