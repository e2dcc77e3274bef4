-- xy_records
SELECT
  r.seq,
  r.record_type,
  r.subject_key,
  r.subject_kind,
  r.subject_birth_date,
  r.decision_date,
  r.fulfilled_on,
  r.restored_on,
  CASE
    WHEN r.record_type IN ('registration.officer_role')
    THEN CAST(JSON_EXTRACT_PATH_TEXT(r.attributes, 'appointed_on') AS DATE)
  END AS a_appointed_on,
  CASE
    WHEN r.record_type IN (
      'court.enforcement.consumption_restriction',
      'court.enforcement.consumption_restriction_lifted',
      'court.enforcement.dishonesty_decision',
      'court.enforcement.list_deletion',
      'court.enforcement.listing_bar',
      'court.enforcement.listing_extension',
      'court.enforcement.notice',
      'court.enforcement.performance',
      'court.enforcement.settlement_performance'
    )
    THEN JSON_EXTRACT_PATH_TEXT(r.attributes, 'case_number')
  END AS a_case_number,
  CASE
    WHEN r.record_type IN ('registration.officer_role')
    THEN CAST(JSON_EXTRACT_PATH_TEXT(r.attributes, 'ceased_on') AS DATE)
  END AS a_ceased_on,
  CASE
    WHEN r.record_type IN ('court.enforcement.listing_extension')
    THEN JSON_EXTRACT_PATH_TEXT(r.attributes, 'circumstance')
  END AS a_circumstance,
  CASE
    WHEN r.record_type IN ('court.enforcement.performance', 'court.enforcement.settlement_performance')
    THEN JSON_EXTRACT_PATH_TEXT(r.attributes, 'complete')
  END AS a_complete,
  CASE
    WHEN r.record_type IN ('registration.officer_role')
    THEN JSON_EXTRACT_PATH_TEXT(r.attributes, 'entity_uscc')
  END AS a_entity_uscc,
  CASE
    WHEN r.record_type IN ('court.enforcement.listing_extension')
    THEN CAST(JSON_EXTRACT_PATH_TEXT(r.attributes, 'extended_by_years') AS BIGINT)
  END AS a_extended_by_years,
  CASE
    WHEN r.record_type IN ('court.enforcement.dishonesty_decision')
    THEN JSON_EXTRACT_PATH_TEXT(r.attributes, 'ground')
  END AS a_ground,
  CASE
    WHEN r.record_type IN ('court.enforcement.notice')
    THEN JSON_EXTRACT_PATH_TEXT(r.attributes, 'listing_risk_warning')
  END AS a_listing_risk_warning,
  CASE
    WHEN r.record_type IN ('registration.officer_role')
    THEN JSON_EXTRACT_PATH_TEXT(r.attributes, 'role')
  END AS a_role
FROM (
  SELECT
    r.seq,
    r.record_type,
    r.subject_key,
    r.subject_kind,
    r.subject_birth_date,
    r.decision_date,
    a.fulfilled_on,
    a.restored_on,
    COALESCE(c.attributes, r.attributes) AS attributes
  FROM (
    SELECT
      seq,
      entry_kind,
      refers_to,
      record_type,
      subject_key,
      subject_kind,
      subject_birth_date,
      decision_date,
      attributes
    FROM xy_input
    WHERE
      entry_kind <> 'step'
      AND decision_date <= CAST('2024-06-01' AS DATE)
      AND record_type IN (
        'court.enforcement.consumption_restriction',
        'court.enforcement.consumption_restriction_lifted',
        'court.enforcement.dishonesty_decision',
        'court.enforcement.list_deletion',
        'court.enforcement.listing_bar',
        'court.enforcement.listing_extension',
        'court.enforcement.notice',
        'court.enforcement.performance',
        'court.enforcement.settlement_performance',
        'registration.officer_role',
        'tax.rating.a_grade'
      )
  ) AS r
  LEFT JOIN (
    SELECT
      refers_to,
      attributes
    FROM (
      SELECT
        refers_to,
        attributes,
        ROW_NUMBER() OVER (
          PARTITION BY refers_to
          ORDER BY decision_date DESC NULLS LAST, seq DESC NULLS LAST
        ) AS rn
      FROM (
        SELECT
          seq,
          entry_kind,
          refers_to,
          record_type,
          subject_key,
          subject_kind,
          subject_birth_date,
          decision_date,
          attributes
        FROM xy_input
        WHERE
          entry_kind <> 'step'
          AND decision_date <= CAST('2024-06-01' AS DATE)
          AND record_type IN (
            'court.enforcement.consumption_restriction',
            'court.enforcement.consumption_restriction_lifted',
            'court.enforcement.dishonesty_decision',
            'court.enforcement.list_deletion',
            'court.enforcement.listing_bar',
            'court.enforcement.listing_extension',
            'court.enforcement.notice',
            'court.enforcement.performance',
            'court.enforcement.settlement_performance',
            'registration.officer_role',
            'tax.rating.a_grade'
          )
      ) AS e
      WHERE
        entry_kind = 'correction'
    ) AS l
    WHERE
      rn = 1
  ) AS c
    ON c.refers_to = r.seq
  LEFT JOIN (
    SELECT
      refers_to,
      MIN(CASE WHEN entry_kind = 'revocation' THEN decision_date END) AS revoked_on,
      MIN(CASE WHEN entry_kind = 'fulfilment' THEN decision_date END) AS fulfilled_on,
      MIN(CASE WHEN entry_kind = 'restoration' THEN decision_date END) AS restored_on
    FROM (
      SELECT
        seq,
        entry_kind,
        refers_to,
        record_type,
        subject_key,
        subject_kind,
        subject_birth_date,
        decision_date,
        attributes
      FROM xy_input
      WHERE
        entry_kind <> 'step'
        AND decision_date <= CAST('2024-06-01' AS DATE)
        AND record_type IN (
          'court.enforcement.consumption_restriction',
          'court.enforcement.consumption_restriction_lifted',
          'court.enforcement.dishonesty_decision',
          'court.enforcement.list_deletion',
          'court.enforcement.listing_bar',
          'court.enforcement.listing_extension',
          'court.enforcement.notice',
          'court.enforcement.performance',
          'court.enforcement.settlement_performance',
          'registration.officer_role',
          'tax.rating.a_grade'
        )
    ) AS e
    WHERE
      entry_kind IN ('revocation', 'fulfilment', 'restoration')
    GROUP BY
      refers_to
  ) AS a
    ON a.refers_to = r.seq
  WHERE
    r.entry_kind = 'record' AND a.revoked_on IS NULL
) AS r;

-- xy_live
SELECT
  r.seq,
  r.record_type,
  r.subject_key,
  r.subject_kind,
  r.subject_birth_date,
  r.decision_date,
  r.fulfilled_on,
  r.restored_on,
  r.a_appointed_on,
  r.a_case_number,
  r.a_ceased_on,
  r.a_circumstance,
  r.a_complete,
  r.a_entity_uscc,
  r.a_extended_by_years,
  r.a_ground,
  r.a_listing_risk_warning,
  r.a_role
FROM xy_records AS r
WHERE
  r.record_type IN (
    'court.enforcement.consumption_restriction_lifted',
    'court.enforcement.list_deletion',
    'court.enforcement.listing_bar',
    'court.enforcement.listing_extension',
    'court.enforcement.notice',
    'court.enforcement.performance',
    'court.enforcement.settlement_performance',
    'registration.officer_role',
    'tax.rating.a_grade'
  )
  AND (
    (
      r.record_type = 'tax.rating.a_grade'
      AND (
        CAST(r.decision_date + INTERVAL '12 MONTH' AS DATE) IS NULL
        OR CAST('2024-06-01' AS DATE) < CAST(r.decision_date + INTERVAL '12 MONTH' AS DATE)
      )
    )
    OR r.record_type IN (
      'court.enforcement.consumption_restriction_lifted',
      'court.enforcement.list_deletion',
      'court.enforcement.listing_bar',
      'court.enforcement.listing_extension',
      'court.enforcement.notice',
      'court.enforcement.performance',
      'court.enforcement.settlement_performance',
      'registration.officer_role'
    )
  )
UNION ALL
SELECT
  r.seq,
  r.record_type,
  r.subject_key,
  r.subject_kind,
  r.subject_birth_date,
  r.decision_date,
  r.fulfilled_on,
  r.restored_on,
  r.a_appointed_on,
  r.a_case_number,
  r.a_ceased_on,
  r.a_circumstance,
  r.a_complete,
  r.a_entity_uscc,
  r.a_extended_by_years,
  r.a_ground,
  r.a_listing_risk_warning,
  r.a_role
FROM xy_records AS r
LEFT JOIN (
  SELECT
    subject_key,
    a_case_number,
    MAX(decision_date) AS last_on
  FROM (
    SELECT
      subject_key,
      a_case_number AS a_case_number,
      decision_date
    FROM xy_records
    WHERE
      record_type = 'court.enforcement.consumption_restriction_lifted'
  ) AS n
  GROUP BY
    subject_key,
    a_case_number
) AS n
  ON n.subject_key = r.subject_key AND n.a_case_number = r.a_case_number
WHERE
  r.record_type = 'court.enforcement.consumption_restriction'
  AND (
    r.record_type = 'court.enforcement.consumption_restriction'
    AND (
      CASE WHEN n.last_on >= r.decision_date THEN n.last_on END IS NULL
      OR CAST('2024-06-01' AS DATE) < CASE WHEN n.last_on >= r.decision_date THEN n.last_on END
    )
  )
UNION ALL
SELECT
  r.seq,
  r.record_type,
  r.subject_key,
  r.subject_kind,
  r.subject_birth_date,
  r.decision_date,
  r.fulfilled_on,
  r.restored_on,
  r.a_appointed_on,
  r.a_case_number,
  r.a_ceased_on,
  r.a_circumstance,
  r.a_complete,
  r.a_entity_uscc,
  r.a_extended_by_years,
  r.a_ground,
  r.a_listing_risk_warning,
  r.a_role
FROM xy_records AS r
LEFT JOIN (
  SELECT
    subject_key,
    a_case_number,
    MAX(decision_date) AS last_on
  FROM (
    SELECT
      subject_key,
      a_case_number AS a_case_number,
      decision_date
    FROM xy_records
    WHERE
      record_type = 'court.enforcement.list_deletion'
  ) AS n
  GROUP BY
    subject_key,
    a_case_number
) AS n
  ON n.subject_key = r.subject_key AND n.a_case_number = r.a_case_number
WHERE
  r.record_type = 'court.enforcement.dishonesty_decision'
  AND (
    r.record_type = 'court.enforcement.dishonesty_decision'
    AND (
      CASE WHEN n.last_on >= r.decision_date THEN n.last_on END IS NULL
      OR CAST('2024-06-01' AS DATE) < CASE WHEN n.last_on >= r.decision_date THEN n.last_on END
    )
  );

-- xy_a0
SELECT
  subject_key,
  subject_kind,
  subject_birth_date,
  seq AS anchor_seq,
  CAST(NULL AS VARCHAR) AS via_list,
  decision_date AS since,
  CAST(NULL AS DATE) AS cap_until,
  fulfilled_on,
  restored_on
FROM (
  SELECT
    *
  FROM xy_live AS x
  WHERE
    x.record_type = 'tax.rating.a_grade'
    AND CAST('2024-06-01' AS DATE) < CAST(x.decision_date + INTERVAL '12 MONTH' AS DATE)
) AS m
WHERE
  subject_kind IN ('enterprise');

-- xy_l0
SELECT
  subject_key,
  list_name,
  rule_name,
  anchor_seq,
  via_list,
  since,
  until,
  status,
  subject_kind,
  subject_birth_date
FROM (
  SELECT
    a.subject_key,
    'a_grade_taxpayers' AS list_name,
    'a_grade_rating' AS rule_name,
    a.anchor_seq,
    a.via_list,
    a.since,
    CAST(LEAST(a.cap_until, CAST(a.since + INTERVAL '12 MONTH' AS DATE)) AS DATE) AS until,
    'listed' AS status,
    a.subject_kind,
    a.subject_birth_date
  FROM xy_a0 AS a
) AS listing
WHERE
  since <= CAST('2024-06-01' AS DATE)
  AND (
    until IS NULL OR CAST('2024-06-01' AS DATE) < until
  );

-- xy_a1
SELECT
  subject_key,
  subject_kind,
  subject_birth_date,
  seq AS anchor_seq,
  CAST(NULL AS VARCHAR) AS via_list,
  decision_date AS since,
  CAST(NULL AS DATE) AS cap_until,
  fulfilled_on,
  restored_on,
  a_case_number AS a_case_number
FROM (
  SELECT
    *
  FROM xy_live AS x
  WHERE
    x.record_type = 'court.enforcement.dishonesty_decision'
    AND x.a_ground = 'refuses_despite_ability'
) AS m
WHERE
  subject_kind IN ('enterprise', 'individual', 'public_institution', 'social_organisation');

-- xy_a2
SELECT
  subject_key,
  subject_kind,
  subject_birth_date,
  seq AS anchor_seq,
  CAST(NULL AS VARCHAR) AS via_list,
  decision_date AS since,
  CAST(NULL AS DATE) AS cap_until,
  fulfilled_on,
  restored_on,
  a_case_number AS a_case_number
FROM (
  SELECT
    *
  FROM xy_live AS x
  WHERE
    x.record_type = 'court.enforcement.dishonesty_decision'
    AND x.a_ground IN (
      'obstructs_by_forgery_or_violence',
      'evades_by_sham_or_concealment',
      'violates_property_reporting',
      'violates_consumption_restriction',
      'refuses_settlement_agreement'
    )
) AS m
WHERE
  subject_kind IN ('enterprise', 'individual', 'public_institution', 'social_organisation');

-- xy_l1
SELECT
  subject_key,
  list_name,
  rule_name,
  anchor_seq,
  via_list,
  since,
  until,
  status,
  subject_kind,
  subject_birth_date
FROM (
  SELECT
    a.subject_key,
    'dishonest_judgment_debtors' AS list_name,
    'refuses_despite_ability' AS rule_name,
    a.anchor_seq,
    a.via_list,
    a.since,
    CAST(LEAST(a.cap_until, j0.v1, j0.v2, j0.v3) AS DATE) AS until,
    CASE WHEN j0.v4 IS NULL THEN 'notice_missing' ELSE 'listed' END AS status,
    a.subject_kind,
    a.subject_birth_date
  FROM xy_a1 AS a
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      COUNT(CASE WHEN x.record_type = 'court.enforcement.listing_bar' THEN 1 END) AS v0,
      MIN(
        CASE
          WHEN (
            x.record_type = 'court.enforcement.performance' AND x.a_complete = 'true'
          )
          AND x.decision_date >= a2.since
          THEN x.decision_date
        END
      ) AS v1,
      MIN(
        CASE
          WHEN (
            x.record_type = 'court.enforcement.settlement_performance'
            AND x.a_complete = 'true'
          )
          AND x.decision_date >= a2.since
          THEN x.decision_date
        END
      ) AS v2,
      MIN(
        CASE
          WHEN x.record_type = 'court.enforcement.list_deletion' AND x.decision_date >= a2.since
          THEN x.decision_date
        END
      ) AS v3,
      MIN(
        CASE
          WHEN (
            x.record_type = 'court.enforcement.notice' AND x.a_listing_risk_warning = 'true'
          )
          AND x.decision_date <= a2.since
          THEN x.decision_date
        END
      ) AS v4
    FROM xy_a1 AS a2
    JOIN xy_live AS x
      ON x.subject_key = a2.subject_key AND x.a_case_number = a2.a_case_number
    WHERE
      x.record_type IN (
        'court.enforcement.list_deletion',
        'court.enforcement.listing_bar',
        'court.enforcement.notice',
        'court.enforcement.performance',
        'court.enforcement.settlement_performance'
      )
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j0
    ON j0.anchor_seq = a.anchor_seq AND j0.since = a.since
  WHERE
    NOT COALESCE(j0.v0, 0) >= 1
    AND NOT (
      NOT a.subject_birth_date IS NULL
      AND a.since < CAST(a.subject_birth_date + INTERVAL '216 MONTH' AS DATE)
    )
) AS listing
WHERE
  since <= CAST('2024-06-01' AS DATE)
  AND (
    until IS NULL OR CAST('2024-06-01' AS DATE) < until
  )
UNION ALL
SELECT
  subject_key,
  list_name,
  rule_name,
  anchor_seq,
  via_list,
  since,
  until,
  status,
  subject_kind,
  subject_birth_date
FROM (
  SELECT
    a.subject_key,
    'dishonest_judgment_debtors' AS list_name,
    'other_grounds' AS rule_name,
    a.anchor_seq,
    a.via_list,
    a.since,
    CAST(LEAST(
      a.cap_until,
      GREATEST(
        CAST(a.since + INTERVAL '24 MONTH' AS DATE),
        CASE
          WHEN COALESCE(j0.v0, 0) >= 1
          THEN CASE
            WHEN j0.v1 >= 3
            THEN CAST(CAST(a.since + INTERVAL '24 MONTH' AS DATE) + INTERVAL '36 MONTH' AS DATE)
            WHEN j0.v1 >= 2
            THEN CAST(CAST(a.since + INTERVAL '24 MONTH' AS DATE) + INTERVAL '24 MONTH' AS DATE)
            ELSE CAST(CAST(a.since + INTERVAL '24 MONTH' AS DATE) + INTERVAL '12 MONTH' AS DATE)
          END
        END
      ),
      j0.v2
    ) AS DATE) AS until,
    CASE WHEN j0.v3 IS NULL THEN 'notice_missing' ELSE 'listed' END AS status,
    a.subject_kind,
    a.subject_birth_date
  FROM xy_a2 AS a
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      COUNT(
        CASE
          WHEN x.record_type = 'court.enforcement.listing_extension'
          AND x.a_circumstance IN ('serious_violent_or_threatening_obstruction', 'multiple_dishonest_acts')
          THEN 1
        END
      ) AS v0,
      MAX(
        CASE
          WHEN x.record_type = 'court.enforcement.listing_extension'
          AND x.a_circumstance IN ('serious_violent_or_threatening_obstruction', 'multiple_dishonest_acts')
          THEN x.a_extended_by_years
        END
      ) AS v1,
      MIN(
        CASE
          WHEN x.record_type = 'court.enforcement.list_deletion' AND x.decision_date >= a2.since
          THEN x.decision_date
        END
      ) AS v2,
      MIN(
        CASE
          WHEN (
            x.record_type = 'court.enforcement.notice' AND x.a_listing_risk_warning = 'true'
          )
          AND x.decision_date <= a2.since
          THEN x.decision_date
        END
      ) AS v3
    FROM xy_a2 AS a2
    JOIN xy_live AS x
      ON x.subject_key = a2.subject_key AND x.a_case_number = a2.a_case_number
    WHERE
      x.record_type IN (
        'court.enforcement.list_deletion',
        'court.enforcement.listing_extension',
        'court.enforcement.notice'
      )
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j0
    ON j0.anchor_seq = a.anchor_seq AND j0.since = a.since
  WHERE
    NOT (
      NOT a.subject_birth_date IS NULL
      AND a.since < CAST(a.subject_birth_date + INTERVAL '216 MONTH' AS DATE)
    )
) AS listing
WHERE
  since <= CAST('2024-06-01' AS DATE)
  AND (
    until IS NULL OR CAST('2024-06-01' AS DATE) < until
  );

-- xy_a3
SELECT
  subject_key,
  subject_kind,
  subject_birth_date,
  seq AS anchor_seq,
  CAST(NULL AS VARCHAR) AS via_list,
  decision_date AS since,
  CAST(NULL AS DATE) AS cap_until,
  fulfilled_on,
  restored_on,
  a_case_number AS a_case_number
FROM (
  SELECT
    *
  FROM xy_live AS x
  WHERE
    x.record_type = 'court.enforcement.consumption_restriction'
) AS m
WHERE
  subject_kind IN ('enterprise', 'individual', 'public_institution', 'social_organisation');

-- xy_a4
SELECT
  l.subject_key,
  l.subject_kind,
  l.subject_birth_date,
  l.anchor_seq,
  'dishonest_judgment_debtors' AS via_list,
  l.since,
  l.until AS cap_until,
  CAST(NULL AS DATE) AS fulfilled_on,
  CAST(NULL AS DATE) AS restored_on,
  r.a_case_number AS a_case_number
FROM xy_l1 AS l
LEFT JOIN xy_live AS r
  ON r.seq = l.anchor_seq
WHERE
  l.status = 'listed'
  AND l.subject_kind IN ('enterprise', 'individual', 'public_institution', 'social_organisation');

-- xy_l2
SELECT
  subject_key,
  list_name,
  rule_name,
  anchor_seq,
  via_list,
  since,
  until,
  status,
  subject_kind,
  subject_birth_date
FROM (
  SELECT
    a.subject_key,
    'high_consumption_restricted' AS list_name,
    'restriction_order' AS rule_name,
    a.anchor_seq,
    a.via_list,
    a.since,
    CAST(LEAST(a.cap_until, j0.v0, j0.v1) AS DATE) AS until,
    CASE WHEN j0.v2 IS NULL THEN 'notice_missing' ELSE 'listed' END AS status,
    a.subject_kind,
    a.subject_birth_date
  FROM xy_a3 AS a
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(
        CASE
          WHEN (
            x.record_type = 'court.enforcement.performance' AND x.a_complete = 'true'
          )
          AND x.decision_date >= a2.since
          THEN x.decision_date
        END
      ) AS v0,
      MIN(
        CASE
          WHEN x.record_type = 'court.enforcement.consumption_restriction_lifted'
          AND x.decision_date >= a2.since
          THEN x.decision_date
        END
      ) AS v1,
      MIN(
        CASE
          WHEN x.record_type = 'court.enforcement.notice' AND x.decision_date <= a2.since
          THEN x.decision_date
        END
      ) AS v2
    FROM xy_a3 AS a2
    JOIN xy_live AS x
      ON x.subject_key = a2.subject_key AND x.a_case_number = a2.a_case_number
    WHERE
      x.record_type IN (
        'court.enforcement.consumption_restriction_lifted',
        'court.enforcement.notice',
        'court.enforcement.performance'
      )
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j0
    ON j0.anchor_seq = a.anchor_seq AND j0.since = a.since
  WHERE
    NOT (
      NOT a.subject_birth_date IS NULL
      AND a.since < CAST(a.subject_birth_date + INTERVAL '216 MONTH' AS DATE)
    )
) AS listing
WHERE
  since <= CAST('2024-06-01' AS DATE)
  AND (
    until IS NULL OR CAST('2024-06-01' AS DATE) < until
  )
UNION ALL
SELECT
  subject_key,
  list_name,
  rule_name,
  anchor_seq,
  via_list,
  since,
  until,
  status,
  subject_kind,
  subject_birth_date
FROM (
  SELECT
    a.subject_key,
    'high_consumption_restricted' AS list_name,
    'listed_as_dishonest' AS rule_name,
    a.anchor_seq,
    a.via_list,
    a.since,
    CAST(a.cap_until AS DATE) AS until,
    CASE WHEN j0.v0 IS NULL THEN 'notice_missing' ELSE 'listed' END AS status,
    a.subject_kind,
    a.subject_birth_date
  FROM xy_a4 AS a
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(
        CASE
          WHEN x.record_type = 'court.enforcement.notice' AND x.decision_date <= a2.since
          THEN x.decision_date
        END
      ) AS v0
    FROM xy_a4 AS a2
    JOIN xy_live AS x
      ON x.subject_key = a2.subject_key AND x.a_case_number = a2.a_case_number
    WHERE
      x.record_type IN ('court.enforcement.notice')
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j0
    ON j0.anchor_seq = a.anchor_seq AND j0.since = a.since
  WHERE
    NOT (
      NOT a.subject_birth_date IS NULL
      AND a.since < CAST(a.subject_birth_date + INTERVAL '216 MONTH' AS DATE)
    )
) AS listing
WHERE
  since <= CAST('2024-06-01' AS DATE)
  AND (
    until IS NULL OR CAST('2024-06-01' AS DATE) < until
  );

-- listings (output)
SELECT
  subject_key,
  list_name,
  rule_name,
  anchor_seq,
  via_list,
  since,
  until,
  status
FROM xy_l0
UNION ALL
SELECT
  subject_key,
  list_name,
  rule_name,
  anchor_seq,
  via_list,
  since,
  until,
  status
FROM xy_l1
UNION ALL
SELECT
  subject_key,
  list_name,
  rule_name,
  anchor_seq,
  via_list,
  since,
  until,
  status
FROM xy_l2;

-- memberships (output)
SELECT
  subject_key,
  list_name,
  MIN(since) AS since,
  CASE WHEN COUNT(until) < COUNT(*) THEN CAST(NULL AS DATE) ELSE MAX(until) END AS until,
  COUNT(*) AS listings
FROM listings
WHERE
  status = 'listed'
GROUP BY
  subject_key,
  list_name;

-- score_items (output)
SELECT
  CAST(NULL AS VARCHAR) AS subject_key,
  CAST(NULL AS VARCHAR) AS scheme_name,
  CAST(NULL AS VARCHAR) AS item_name,
  CAST(NULL AS BIGINT) AS records,
  CAST(NULL AS BIGINT) AS points
WHERE
  FALSE;

-- scores (output)
SELECT
  CAST(NULL AS VARCHAR) AS subject_key,
  CAST(NULL AS VARCHAR) AS scheme_name,
  CAST(NULL AS BIGINT) AS points,
  CAST(NULL AS VARCHAR) AS grade
WHERE
  FALSE;

-- xy_own
SELECT
  m.subject_key,
  t.action,
  t.measure_name,
  t.outcome,
  CAST(NULL AS VARCHAR) AS via_subject,
  CAST(NULL AS VARCHAR) AS via_role
FROM memberships AS m
JOIN (VALUES
  ('a_grade_taxpayers', 'admin.green_channel', 'a_grade_green_channel', 'reward'),
  (
    'a_grade_taxpayers',
    'admin.inspection_reduced',
    'a_grade_green_channel',
    'reward'
  ),
  (
    'dishonest_judgment_debtors',
    'procurement.bid',
    'bar_government_procurement',
    'restrict'
  ),
  (
    'dishonest_judgment_debtors',
    'tender.bid',
    'bar_government_procurement',
    'restrict'
  ),
  (
    'high_consumption_restricted',
    'air_travel.book',
    'restrict_air_travel',
    'restrict'
  ),
  (
    'dishonest_judgment_debtors',
    'bond.issue',
    'restrict_financial_activity',
    'restrict'
  ),
  (
    'dishonest_judgment_debtors',
    'financial_institution.establish',
    'restrict_financial_activity',
    'restrict'
  ),
  (
    'high_consumption_restricted',
    'rail.high_speed.book',
    'restrict_high_speed_rail',
    'restrict'
  ),
  (
    'high_consumption_restricted',
    'rail.soft_sleeper.book',
    'restrict_high_speed_rail',
    'restrict'
  ),
  (
    'dishonest_judgment_debtors',
    'company.officer.appoint',
    'restrict_important_posts',
    'restrict'
  ),
  (
    'high_consumption_restricted',
    'golf.play',
    'restrict_luxury_consumption',
    'restrict'
  ),
  (
    'high_consumption_restricted',
    'hotel.star.book',
    'restrict_luxury_consumption',
    'restrict'
  ),
  (
    'high_consumption_restricted',
    'housing.build_or_renovate',
    'restrict_luxury_consumption',
    'restrict'
  ),
  (
    'high_consumption_restricted',
    'insurance.high_premium.buy',
    'restrict_luxury_consumption',
    'restrict'
  ),
  (
    'high_consumption_restricted',
    'nightclub.spend',
    'restrict_luxury_consumption',
    'restrict'
  ),
  (
    'high_consumption_restricted',
    'office.high_end.rent',
    'restrict_luxury_consumption',
    'restrict'
  ),
  (
    'high_consumption_restricted',
    'real_estate.buy',
    'restrict_luxury_consumption',
    'restrict'
  ),
  (
    'high_consumption_restricted',
    'ship.upper_class.book',
    'restrict_luxury_consumption',
    'restrict'
  ),
  (
    'high_consumption_restricted',
    'travel.leisure',
    'restrict_luxury_consumption',
    'restrict'
  ),
  (
    'high_consumption_restricted',
    'vehicle.non_business.buy',
    'restrict_luxury_consumption',
    'restrict'
  ),
  (
    'dishonest_judgment_debtors',
    'honour.award',
    'restrict_subsidies_and_honours',
    'restrict'
  ),
  (
    'dishonest_judgment_debtors',
    'subsidy.apply',
    'restrict_subsidies_and_honours',
    'restrict'
  )) AS t(list_name, action, measure_name, outcome)
  ON t.list_name = m.list_name;

-- decisions (output)
SELECT
  subject_key,
  action,
  measure_name,
  outcome,
  via_subject,
  via_role
FROM xy_own
UNION ALL
SELECT DISTINCT
  o.subject_key,
  d.action,
  d.measure_name,
  d.outcome,
  d.subject_key AS via_subject,
  o.role AS via_role
FROM xy_own AS d
JOIN (
  SELECT
    x.subject_key,
    'uscc:' || x.a_entity_uscc AS entity_key,
    x.a_role AS role
  FROM xy_live AS x
  WHERE
    x.record_type = 'registration.officer_role'
    AND x.a_appointed_on <= CAST('2024-06-01' AS DATE)
    AND (
      x.a_ceased_on IS NULL OR CAST('2024-06-01' AS DATE) < x.a_ceased_on
    )
) AS o
  ON o.entity_key = d.subject_key
JOIN (VALUES
  ('restrict_air_travel', 'actual_controller'),
  ('restrict_air_travel', 'directly_responsible_person'),
  ('restrict_air_travel', 'legal_representative'),
  ('restrict_air_travel', 'principal_responsible_person'),
  ('restrict_high_speed_rail', 'actual_controller'),
  ('restrict_high_speed_rail', 'directly_responsible_person'),
  ('restrict_high_speed_rail', 'legal_representative'),
  ('restrict_high_speed_rail', 'principal_responsible_person'),
  ('restrict_luxury_consumption', 'actual_controller'),
  ('restrict_luxury_consumption', 'directly_responsible_person'),
  ('restrict_luxury_consumption', 'legal_representative'),
  ('restrict_luxury_consumption', 'principal_responsible_person')) AS t(measure_name, role)
  ON t.measure_name = d.measure_name AND t.role = o.role;
