-- xy_records
SELECT
  r.seq,
  r.record_type,
  r.subject_key,
  r.subject_kind,
  r.subject_birth_date,
  r.decision_date,
  COALESCE(c.attributes, r.attributes) AS attributes,
  a.fulfilled_on,
  a.restored_on
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
    decision_date <= CAST('2024-06-01' AS DATE)
    AND record_type IN (
      'court.enforcement.consumption_restriction',
      'court.enforcement.consumption_restriction_lifted',
      'court.enforcement.dishonesty_decision',
      'court.enforcement.list_deletion',
      'court.enforcement.listing_bar',
      'court.enforcement.notice',
      'court.enforcement.performance',
      'court.enforcement.settlement_performance',
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
        decision_date <= CAST('2024-06-01' AS DATE)
        AND record_type IN (
          'court.enforcement.consumption_restriction',
          'court.enforcement.consumption_restriction_lifted',
          'court.enforcement.dishonesty_decision',
          'court.enforcement.list_deletion',
          'court.enforcement.listing_bar',
          'court.enforcement.notice',
          'court.enforcement.performance',
          'court.enforcement.settlement_performance',
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
      decision_date <= CAST('2024-06-01' AS DATE)
      AND record_type IN (
        'court.enforcement.consumption_restriction',
        'court.enforcement.consumption_restriction_lifted',
        'court.enforcement.dishonesty_decision',
        'court.enforcement.list_deletion',
        'court.enforcement.listing_bar',
        'court.enforcement.notice',
        'court.enforcement.performance',
        'court.enforcement.settlement_performance',
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
  r.entry_kind = 'record' AND a.revoked_on IS NULL;

-- xy_t0_end
SELECT
  r.seq,
  MIN(n.decision_date) AS ended_on
FROM xy_records AS r
JOIN xy_records AS n
  ON n.subject_key = r.subject_key
  AND n.record_type IN ('court.enforcement.consumption_restriction_lifted')
  AND n.decision_date >= r.decision_date
  AND JSON_EXTRACT_PATH_TEXT(n.attributes, 'case_number') = JSON_EXTRACT_PATH_TEXT(r.attributes, 'case_number')
WHERE
  r.record_type = 'court.enforcement.consumption_restriction'
GROUP BY
  r.seq;

-- xy_t0
SELECT
  r.seq,
  r.subject_key,
  r.subject_kind,
  r.subject_birth_date,
  r.decision_date,
  r.fulfilled_on,
  r.restored_on,
  JSON_EXTRACT_PATH_TEXT(r.attributes, 'case_number') AS a_case_number
FROM xy_records AS r
LEFT JOIN xy_t0_end AS n
  ON n.seq = r.seq
WHERE
  r.record_type = 'court.enforcement.consumption_restriction'
  AND (
    n.ended_on IS NULL OR CAST('2024-06-01' AS DATE) < n.ended_on
  );

-- xy_t1
SELECT
  r.seq,
  r.subject_key,
  r.subject_kind,
  r.subject_birth_date,
  r.decision_date,
  r.fulfilled_on,
  r.restored_on,
  JSON_EXTRACT_PATH_TEXT(r.attributes, 'case_number') AS a_case_number
FROM xy_records AS r
WHERE
  r.record_type = 'court.enforcement.consumption_restriction_lifted';

-- xy_t2_end
SELECT
  r.seq,
  MIN(n.decision_date) AS ended_on
FROM xy_records AS r
JOIN xy_records AS n
  ON n.subject_key = r.subject_key
  AND n.record_type IN ('court.enforcement.list_deletion')
  AND n.decision_date >= r.decision_date
  AND JSON_EXTRACT_PATH_TEXT(n.attributes, 'case_number') = JSON_EXTRACT_PATH_TEXT(r.attributes, 'case_number')
WHERE
  r.record_type = 'court.enforcement.dishonesty_decision'
GROUP BY
  r.seq;

-- xy_t2
SELECT
  r.seq,
  r.subject_key,
  r.subject_kind,
  r.subject_birth_date,
  r.decision_date,
  r.fulfilled_on,
  r.restored_on,
  JSON_EXTRACT_PATH_TEXT(r.attributes, 'case_number') AS a_case_number,
  JSON_EXTRACT_PATH_TEXT(r.attributes, 'ground') AS a_ground,
  JSON_EXTRACT_PATH_TEXT(r.attributes, 'serious_obstruction') AS a_serious_obstruction
FROM xy_records AS r
LEFT JOIN xy_t2_end AS n
  ON n.seq = r.seq
WHERE
  r.record_type = 'court.enforcement.dishonesty_decision'
  AND (
    n.ended_on IS NULL OR CAST('2024-06-01' AS DATE) < n.ended_on
  );

-- xy_t3
SELECT
  r.seq,
  r.subject_key,
  r.subject_kind,
  r.subject_birth_date,
  r.decision_date,
  r.fulfilled_on,
  r.restored_on,
  JSON_EXTRACT_PATH_TEXT(r.attributes, 'case_number') AS a_case_number
FROM xy_records AS r
WHERE
  r.record_type = 'court.enforcement.list_deletion';

-- xy_t4
SELECT
  r.seq,
  r.subject_key,
  r.subject_kind,
  r.subject_birth_date,
  r.decision_date,
  r.fulfilled_on,
  r.restored_on,
  JSON_EXTRACT_PATH_TEXT(r.attributes, 'case_number') AS a_case_number
FROM xy_records AS r
WHERE
  r.record_type = 'court.enforcement.listing_bar';

-- xy_t5
SELECT
  r.seq,
  r.subject_key,
  r.subject_kind,
  r.subject_birth_date,
  r.decision_date,
  r.fulfilled_on,
  r.restored_on,
  JSON_EXTRACT_PATH_TEXT(r.attributes, 'case_number') AS a_case_number,
  JSON_EXTRACT_PATH_TEXT(r.attributes, 'listing_risk_warning') AS a_listing_risk_warning
FROM xy_records AS r
WHERE
  r.record_type = 'court.enforcement.notice';

-- xy_t6
SELECT
  r.seq,
  r.subject_key,
  r.subject_kind,
  r.subject_birth_date,
  r.decision_date,
  r.fulfilled_on,
  r.restored_on,
  JSON_EXTRACT_PATH_TEXT(r.attributes, 'case_number') AS a_case_number,
  JSON_EXTRACT_PATH_TEXT(r.attributes, 'complete') AS a_complete
FROM xy_records AS r
WHERE
  r.record_type = 'court.enforcement.performance';

-- xy_t7
SELECT
  r.seq,
  r.subject_key,
  r.subject_kind,
  r.subject_birth_date,
  r.decision_date,
  r.fulfilled_on,
  r.restored_on,
  JSON_EXTRACT_PATH_TEXT(r.attributes, 'case_number') AS a_case_number,
  JSON_EXTRACT_PATH_TEXT(r.attributes, 'complete') AS a_complete
FROM xy_records AS r
WHERE
  r.record_type = 'court.enforcement.settlement_performance';

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
    seq,
    subject_key,
    subject_kind,
    subject_birth_date,
    decision_date,
    fulfilled_on,
    restored_on
  FROM (
    SELECT
      r.seq,
      r.subject_key,
      r.subject_kind,
      r.subject_birth_date,
      r.decision_date,
      r.fulfilled_on,
      r.restored_on
    FROM xy_records AS r
    WHERE
      r.record_type = 'tax.rating.a_grade'
      AND (
        CAST(r.decision_date + INTERVAL '12 MONTH' AS DATE) IS NULL
        OR CAST('2024-06-01' AS DATE) < CAST(r.decision_date + INTERVAL '12 MONTH' AS DATE)
      )
  ) AS t
  WHERE
    CAST('2024-06-01' AS DATE) < CAST(decision_date + INTERVAL '12 MONTH' AS DATE)
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
  a_case_number
FROM (
  SELECT
    seq,
    subject_key,
    subject_kind,
    subject_birth_date,
    decision_date,
    fulfilled_on,
    restored_on,
    a_case_number,
    a_ground,
    a_serious_obstruction
  FROM xy_t2 AS t
  WHERE
    a_ground = 'refuses_despite_ability'
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
  a_case_number
FROM (
  SELECT
    seq,
    subject_key,
    subject_kind,
    subject_birth_date,
    decision_date,
    fulfilled_on,
    restored_on,
    a_case_number,
    a_ground,
    a_serious_obstruction
  FROM xy_t2 AS t
  WHERE
    a_ground IN (
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
    CAST(LEAST(a.cap_until, j1.first_on, j2.first_on, j3.first_on) AS DATE) AS until,
    CASE WHEN j4.first_on IS NULL THEN 'notice_missing' ELSE 'listed' END AS status,
    a.subject_kind,
    a.subject_birth_date
  FROM xy_a1 AS a
  LEFT JOIN (
    SELECT
      subject_key,
      a_case_number,
      COUNT(*) AS n
    FROM xy_t4 AS m
    GROUP BY
      subject_key,
      a_case_number
  ) AS j0
    ON j0.subject_key = a.subject_key AND j0.a_case_number = a.a_case_number
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a1 AS a2
    JOIN (
      SELECT
        seq,
        subject_key,
        subject_kind,
        subject_birth_date,
        decision_date,
        fulfilled_on,
        restored_on,
        a_case_number,
        a_complete
      FROM xy_t6 AS t
      WHERE
        a_complete = 'true'
    ) AS x
      ON x.subject_key = a2.subject_key
      AND x.a_case_number = a2.a_case_number
      AND x.decision_date >= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j1
    ON j1.anchor_seq = a.anchor_seq AND j1.since = a.since
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a1 AS a2
    JOIN (
      SELECT
        seq,
        subject_key,
        subject_kind,
        subject_birth_date,
        decision_date,
        fulfilled_on,
        restored_on,
        a_case_number,
        a_complete
      FROM xy_t7 AS t
      WHERE
        a_complete = 'true'
    ) AS x
      ON x.subject_key = a2.subject_key
      AND x.a_case_number = a2.a_case_number
      AND x.decision_date >= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j2
    ON j2.anchor_seq = a.anchor_seq AND j2.since = a.since
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a1 AS a2
    JOIN xy_t3 AS x
      ON x.subject_key = a2.subject_key
      AND x.a_case_number = a2.a_case_number
      AND x.decision_date >= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j3
    ON j3.anchor_seq = a.anchor_seq AND j3.since = a.since
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a1 AS a2
    JOIN (
      SELECT
        seq,
        subject_key,
        subject_kind,
        subject_birth_date,
        decision_date,
        fulfilled_on,
        restored_on,
        a_case_number,
        a_listing_risk_warning
      FROM xy_t5 AS t
      WHERE
        a_listing_risk_warning = 'true'
    ) AS x
      ON x.subject_key = a2.subject_key
      AND x.a_case_number = a2.a_case_number
      AND x.decision_date <= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j4
    ON j4.anchor_seq = a.anchor_seq AND j4.since = a.since
  WHERE
    NOT COALESCE(j0.n, 0) >= 1
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
      CASE
        WHEN COALESCE(j0.n, 0) >= 1
        THEN CAST(CAST(a.since + INTERVAL '24 MONTH' AS DATE) + INTERVAL '12 MONTH' AS DATE)
        WHEN COALESCE(j1.n, 0) >= 2
        THEN CAST(CAST(a.since + INTERVAL '24 MONTH' AS DATE) + INTERVAL '12 MONTH' AS DATE)
        ELSE CAST(a.since + INTERVAL '24 MONTH' AS DATE)
      END,
      j2.first_on,
      j3.first_on,
      j4.first_on
    ) AS DATE) AS until,
    CASE WHEN j5.first_on IS NULL THEN 'notice_missing' ELSE 'listed' END AS status,
    a.subject_kind,
    a.subject_birth_date
  FROM xy_a2 AS a
  LEFT JOIN (
    SELECT
      subject_key,
      a_case_number,
      COUNT(*) AS n
    FROM (
      SELECT
        seq,
        subject_key,
        subject_kind,
        subject_birth_date,
        decision_date,
        fulfilled_on,
        restored_on,
        a_case_number,
        a_ground,
        a_serious_obstruction
      FROM xy_t2 AS t
      WHERE
        a_serious_obstruction = 'true'
    ) AS m
    GROUP BY
      subject_key,
      a_case_number
  ) AS j0
    ON j0.subject_key = a.subject_key AND j0.a_case_number = a.a_case_number
  LEFT JOIN (
    SELECT
      subject_key,
      COUNT(*) AS n
    FROM xy_t2 AS m
    GROUP BY
      subject_key
  ) AS j1
    ON j1.subject_key = a.subject_key
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a2 AS a2
    JOIN (
      SELECT
        seq,
        subject_key,
        subject_kind,
        subject_birth_date,
        decision_date,
        fulfilled_on,
        restored_on,
        a_case_number,
        a_complete
      FROM xy_t6 AS t
      WHERE
        a_complete = 'true'
    ) AS x
      ON x.subject_key = a2.subject_key
      AND x.a_case_number = a2.a_case_number
      AND x.decision_date >= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j2
    ON j2.anchor_seq = a.anchor_seq AND j2.since = a.since
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a2 AS a2
    JOIN (
      SELECT
        seq,
        subject_key,
        subject_kind,
        subject_birth_date,
        decision_date,
        fulfilled_on,
        restored_on,
        a_case_number,
        a_complete
      FROM xy_t7 AS t
      WHERE
        a_complete = 'true'
    ) AS x
      ON x.subject_key = a2.subject_key
      AND x.a_case_number = a2.a_case_number
      AND x.decision_date >= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j3
    ON j3.anchor_seq = a.anchor_seq AND j3.since = a.since
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a2 AS a2
    JOIN xy_t3 AS x
      ON x.subject_key = a2.subject_key
      AND x.a_case_number = a2.a_case_number
      AND x.decision_date >= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j4
    ON j4.anchor_seq = a.anchor_seq AND j4.since = a.since
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a2 AS a2
    JOIN (
      SELECT
        seq,
        subject_key,
        subject_kind,
        subject_birth_date,
        decision_date,
        fulfilled_on,
        restored_on,
        a_case_number,
        a_listing_risk_warning
      FROM xy_t5 AS t
      WHERE
        a_listing_risk_warning = 'true'
    ) AS x
      ON x.subject_key = a2.subject_key
      AND x.a_case_number = a2.a_case_number
      AND x.decision_date <= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j5
    ON j5.anchor_seq = a.anchor_seq AND j5.since = a.since
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
  a_case_number
FROM xy_t0 AS m
WHERE
  subject_kind IN ('enterprise', 'individual', 'public_institution', 'social_organisation');

-- xy_a4
SELECT
  subject_key,
  subject_kind,
  subject_birth_date,
  anchor_seq,
  'dishonest_judgment_debtors' AS via_list,
  since,
  until AS cap_until,
  CAST(NULL AS DATE) AS fulfilled_on,
  CAST(NULL AS DATE) AS restored_on,
  CAST(NULL AS VARCHAR) AS a_case_number
FROM xy_l1
WHERE
  status = 'listed'
  AND subject_kind IN ('enterprise', 'individual', 'public_institution', 'social_organisation');

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
    CAST(LEAST(a.cap_until, j0.first_on, j1.first_on) AS DATE) AS until,
    CASE WHEN j2.first_on IS NULL THEN 'notice_missing' ELSE 'listed' END AS status,
    a.subject_kind,
    a.subject_birth_date
  FROM xy_a3 AS a
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a3 AS a2
    JOIN (
      SELECT
        seq,
        subject_key,
        subject_kind,
        subject_birth_date,
        decision_date,
        fulfilled_on,
        restored_on,
        a_case_number,
        a_complete
      FROM xy_t6 AS t
      WHERE
        a_complete = 'true'
    ) AS x
      ON x.subject_key = a2.subject_key
      AND x.a_case_number = a2.a_case_number
      AND x.decision_date >= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j0
    ON j0.anchor_seq = a.anchor_seq AND j0.since = a.since
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a3 AS a2
    JOIN xy_t1 AS x
      ON x.subject_key = a2.subject_key
      AND x.a_case_number = a2.a_case_number
      AND x.decision_date >= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j1
    ON j1.anchor_seq = a.anchor_seq AND j1.since = a.since
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a3 AS a2
    JOIN xy_t5 AS x
      ON x.subject_key = a2.subject_key AND x.decision_date <= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j2
    ON j2.anchor_seq = a.anchor_seq AND j2.since = a.since
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
    CAST(LEAST(a.cap_until, j0.first_on, j1.first_on) AS DATE) AS until,
    CASE WHEN j2.first_on IS NULL THEN 'notice_missing' ELSE 'listed' END AS status,
    a.subject_kind,
    a.subject_birth_date
  FROM xy_a4 AS a
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a4 AS a2
    JOIN (
      SELECT
        seq,
        subject_key,
        subject_kind,
        subject_birth_date,
        decision_date,
        fulfilled_on,
        restored_on,
        a_case_number,
        a_complete
      FROM xy_t6 AS t
      WHERE
        a_complete = 'true'
    ) AS x
      ON x.subject_key = a2.subject_key
      AND x.a_case_number = a2.a_case_number
      AND x.decision_date >= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j0
    ON j0.anchor_seq = a.anchor_seq AND j0.since = a.since
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a4 AS a2
    JOIN xy_t1 AS x
      ON x.subject_key = a2.subject_key
      AND x.a_case_number = a2.a_case_number
      AND x.decision_date >= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j1
    ON j1.anchor_seq = a.anchor_seq AND j1.since = a.since
  LEFT JOIN (
    SELECT
      a2.anchor_seq,
      a2.since,
      MIN(x.decision_date) AS first_on
    FROM xy_a4 AS a2
    JOIN xy_t5 AS x
      ON x.subject_key = a2.subject_key AND x.decision_date <= a2.since
    GROUP BY
      a2.anchor_seq,
      a2.since
  ) AS j2
    ON j2.anchor_seq = a.anchor_seq AND j2.since = a.since
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

-- decisions (output)
SELECT
  subject_key,
  'admin.green_channel' AS action,
  'a_grade_green_channel' AS measure_name,
  'reward' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'a_grade_taxpayers'
) AS t
UNION ALL
SELECT
  subject_key,
  'admin.inspection_reduced' AS action,
  'a_grade_green_channel' AS measure_name,
  'reward' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'a_grade_taxpayers'
) AS t
UNION ALL
SELECT
  subject_key,
  'procurement.bid' AS action,
  'bar_government_procurement' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'dishonest_judgment_debtors'
) AS t
UNION ALL
SELECT
  subject_key,
  'tender.bid' AS action,
  'bar_government_procurement' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'dishonest_judgment_debtors'
) AS t
UNION ALL
SELECT
  subject_key,
  'air_travel.book' AS action,
  'restrict_air_travel' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'high_consumption_restricted'
) AS t
UNION ALL
SELECT
  subject_key,
  'bond.issue' AS action,
  'restrict_financial_activity' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'dishonest_judgment_debtors'
) AS t
UNION ALL
SELECT
  subject_key,
  'financial_institution.establish' AS action,
  'restrict_financial_activity' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'dishonest_judgment_debtors'
) AS t
UNION ALL
SELECT
  subject_key,
  'rail.high_speed.book' AS action,
  'restrict_high_speed_rail' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'high_consumption_restricted'
) AS t
UNION ALL
SELECT
  subject_key,
  'rail.soft_sleeper.book' AS action,
  'restrict_high_speed_rail' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'high_consumption_restricted'
) AS t
UNION ALL
SELECT
  subject_key,
  'company.officer.appoint' AS action,
  'restrict_important_posts' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'dishonest_judgment_debtors'
) AS t
UNION ALL
SELECT
  subject_key,
  'hotel.star.book' AS action,
  'restrict_luxury_consumption' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'high_consumption_restricted'
) AS t
UNION ALL
SELECT
  subject_key,
  'insurance.high_premium.buy' AS action,
  'restrict_luxury_consumption' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'high_consumption_restricted'
) AS t
UNION ALL
SELECT
  subject_key,
  'office.high_end.rent' AS action,
  'restrict_luxury_consumption' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'high_consumption_restricted'
) AS t
UNION ALL
SELECT
  subject_key,
  'real_estate.buy' AS action,
  'restrict_luxury_consumption' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'high_consumption_restricted'
) AS t
UNION ALL
SELECT
  subject_key,
  'ship.upper_class.book' AS action,
  'restrict_luxury_consumption' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'high_consumption_restricted'
) AS t
UNION ALL
SELECT
  subject_key,
  'travel.leisure' AS action,
  'restrict_luxury_consumption' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'high_consumption_restricted'
) AS t
UNION ALL
SELECT
  subject_key,
  'vehicle.buy' AS action,
  'restrict_luxury_consumption' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'high_consumption_restricted'
) AS t
UNION ALL
SELECT
  subject_key,
  'honour.award' AS action,
  'restrict_subsidies_and_honours' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'dishonest_judgment_debtors'
) AS t
UNION ALL
SELECT
  subject_key,
  'subsidy.apply' AS action,
  'restrict_subsidies_and_honours' AS measure_name,
  'restrict' AS outcome
FROM (
  SELECT
    subject_key
  FROM memberships
  WHERE
    list_name = 'dishonest_judgment_debtors'
) AS t;
