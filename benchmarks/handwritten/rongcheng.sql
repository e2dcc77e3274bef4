-- packs/rongcheng evaluated by hand, as an engineer who knows this one pack would write it for
-- DuckDB (benchmarks/evaluate.py compares it with the compiled plan; it must give the same rows).
-- `h_input` is the entries table and `:as_of` the evaluation date; the five outputs are h_<name>.
--
-- What knowing the pack buys over the general plan: no item reads an attribute, so corrections
-- (which replace attributes only) change nothing and no JSON is parsed; no record type has a
-- display period, so a record counts from its decision for the items' three years unless it is
-- revoked; every item is one record type, so one GROUP BY counts them all.

-- every subject with an entry by D is scored, records or not
CREATE TEMP TABLE h_subjects AS
SELECT subject_key, min(subject_kind) AS subject_kind
FROM h_input
WHERE decision_date <= :as_of
GROUP BY subject_key;

CREATE TEMP TABLE h_score_items AS
WITH item (record_type, item_name, points, ceiling) AS (
    VALUES
        ('commerce.contract_non_performance', 'contract_non_performance', -20, NULL),
        ('court.contract_breach_found', 'found_in_breach_by_court', -50, NULL),
        ('finance.bank_arrears', 'bank_arrears', -10, NULL),
        ('finance.private_lending_breach', 'private_lending_breach', -20, NULL),
        ('finance.illegal_fundraising', 'illegal_fundraising', -40, NULL),
        ('market.mlm_or_fraud', 'mlm_or_fraud', -30, NULL),
        ('market.counterfeit_goods', 'counterfeit_goods', -30, NULL),
        ('utility.late_payment', 'late_utility_fees', -20, NULL),
        ('utility.arrears_judgment', 'utility_arrears_found', -50, NULL),
        ('utility.illegal_heating_hookup', 'illegal_heating_hookup', -50, NULL),
        ('utility.theft', 'utility_theft', -60, NULL),
        ('utility.equipment_damage', 'utility_equipment_damage', -100, NULL),
        ('traffic.violation', 'traffic_violation', -5, NULL),
        ('traffic.drunk_driving', 'drunk_driving', 0, 'C'),
        ('honour.heroic_act', 'heroic_act', 30, NULL)
),
revoked AS (
    SELECT DISTINCT refers_to
    FROM h_input
    WHERE entry_kind = 'revocation' AND decision_date <= :as_of
),
counted AS (
    -- records of the last three years; bank arrears count once per calendar month
    SELECT r.subject_key, r.record_type,
           CASE WHEN r.record_type = 'finance.bank_arrears'
                THEN date_trunc('month', r.decision_date) END AS bucket,
           count(*) AS n
    FROM h_input AS r
    WHERE r.entry_kind = 'record' AND r.decision_date <= :as_of
      AND :as_of < CAST(r.decision_date + INTERVAL 36 MONTH AS DATE)
      AND r.subject_kind = 'individual'
      AND r.record_type IN (
          'commerce.contract_non_performance', 'court.contract_breach_found',
          'finance.bank_arrears', 'finance.private_lending_breach',
          'finance.illegal_fundraising', 'market.mlm_or_fraud', 'market.counterfeit_goods',
          'utility.late_payment', 'utility.arrears_judgment', 'utility.illegal_heating_hookup',
          'utility.theft', 'utility.equipment_damage', 'traffic.violation',
          'traffic.drunk_driving', 'honour.heroic_act')
      AND r.seq NOT IN (SELECT refers_to FROM revoked)
    GROUP BY r.subject_key, r.record_type, bucket
)
SELECT c.subject_key, 'personal_credit' AS scheme_name, i.item_name,
       CAST(sum(c.n) AS BIGINT) AS records,
       CAST(sum(CASE WHEN c.bucket IS NOT NULL THEN -least(10 * c.n, 10)
                     ELSE i.points * c.n END) AS BIGINT) AS points,
       i.ceiling
FROM counted AS c JOIN item AS i ON i.record_type = c.record_type
GROUP BY c.subject_key, i.item_name, i.ceiling;

CREATE TEMP TABLE h_scores AS
WITH total AS (
    SELECT s.subject_key, 1000 + coalesce(sum(i.points), 0) AS points,
           coalesce(bool_or(i.ceiling = 'C'), FALSE) AS drunk
    FROM h_subjects AS s LEFT JOIN h_score_items AS i ON i.subject_key = s.subject_key
    WHERE s.subject_kind = 'individual'
    GROUP BY s.subject_key
)
SELECT subject_key, 'personal_credit' AS scheme_name, CAST(points AS BIGINT) AS points,
       CASE WHEN points >= 1050 AND NOT drunk THEN 'AAA'
            WHEN points >= 1030 AND NOT drunk THEN 'AA'
            WHEN points >= 960 AND NOT drunk THEN 'A'
            WHEN points >= 850 AND NOT drunk THEN 'B'
            WHEN points >= 600 THEN 'C'
            ELSE 'D' END AS grade
FROM total;

CREATE TEMP TABLE h_listings AS
SELECT CAST(NULL AS VARCHAR) AS subject_key, CAST(NULL AS VARCHAR) AS list_name,
       CAST(NULL AS VARCHAR) AS rule_name, CAST(NULL AS BIGINT) AS anchor_seq,
       CAST(NULL AS VARCHAR) AS via_list, CAST(NULL AS DATE) AS since,
       CAST(NULL AS DATE) AS until, CAST(NULL AS VARCHAR) AS status
WHERE FALSE;

CREATE TEMP TABLE h_memberships AS
SELECT CAST(NULL AS VARCHAR) AS subject_key, CAST(NULL AS VARCHAR) AS list_name,
       CAST(NULL AS DATE) AS since, CAST(NULL AS DATE) AS until, CAST(NULL AS BIGINT) AS listings
WHERE FALSE;

CREATE TEMP TABLE h_decisions AS
SELECT subject_key, 'rental.deposit_waiver' AS action, 'deposit_free_public_bikes' AS measure_name,
       'reward' AS outcome, CAST(NULL AS VARCHAR) AS via_subject, CAST(NULL AS VARCHAR) AS via_role
FROM h_scores
WHERE grade IN ('A', 'AA', 'AAA')
UNION ALL
SELECT subject_key, 'utility.heating_discount', 'heating_fee_discount', 'reward', NULL, NULL
FROM h_scores
WHERE grade = 'AAA';
