-- platform_indicators: the platform indicator family of indicators.md.
-- Grain: one row per quarter × platform, for every platform in `platforms`
--   and every quarter of the grid.
-- Units: counts; rates are fractions in [0, 1]; complaints per 10 000
--   merchants on the platform.
-- Sources: platforms, entities, complaints, sampling, monitoring, cases.
--
-- @table platform_indicators
-- @column quarter: YYYYQn
-- @column platform_id: platform
-- @column platform_name: platform name
-- @column business_format: 业态
-- @column merchants: 平台内经营者 on the platform registered by the quarter's last day (missing date counts)
-- @column complaints: online complaints naming the platform
-- @column complaints_per_10k_merchants: complaints per 10 000 merchants (NULL without merchants)
-- @column seven_day_return_share: share of the platform's complaints about seven-day return
-- @column samples: sampling batches naming the platform
-- @column sample_fail_rate: failed batches / samples
-- @column monitor_checks: monitoring records naming the platform
-- @column monitor_hit_rate: records with a finding / checks
-- @column cases: online cases naming the platform, not 撤销

CREATE TABLE platform_indicators AS
WITH grid AS (
  SELECT q.quarter, q.quarter_end, p.platform_id, p.name AS platform_name, p.business_format
  FROM quarters q CROSS JOIN platforms p
),
merchants AS (
  SELECT g.quarter, g.platform_id, COUNT(e.uscc) AS merchants
  FROM grid g
  LEFT JOIN entities e
    ON e.platform_id = g.platform_id
   AND e.entity_type = '平台内经营者'
   AND (e.registered_on IS NULL OR e.registered_on <= g.quarter_end)
  GROUP BY g.quarter, g.platform_id
),
c AS (
  SELECT quarter, platform_id, COUNT(*) AS complaints,
         SUM(CASE WHEN seven_day_return THEN 1 ELSE 0 END) AS seven_day
  FROM complaints
  WHERE kind = '投诉' AND is_online AND platform_id IS NOT NULL
  GROUP BY quarter, platform_id
),
s AS (
  SELECT quarter, platform_id, COUNT(*) AS samples,
         SUM(CASE WHEN result = '不合格' THEN 1 ELSE 0 END) AS failed
  FROM sampling WHERE platform_id IS NOT NULL
  GROUP BY quarter, platform_id
),
m AS (
  SELECT quarter, platform_id, COUNT(*) AS checks,
         SUM(CASE WHEN finding <> '未发现问题' THEN 1 ELSE 0 END) AS hits
  FROM monitoring WHERE platform_id IS NOT NULL
  GROUP BY quarter, platform_id
),
k AS (
  SELECT quarter, platform_id, COUNT(*) AS cases
  FROM cases WHERE is_online AND status <> '撤销' AND platform_id IS NOT NULL
  GROUP BY quarter, platform_id
)
SELECT
  g.quarter,
  g.platform_id,
  g.platform_name,
  g.business_format,
  mr.merchants,
  COALESCE(c.complaints, 0) AS complaints,
  CASE WHEN mr.merchants > 0 THEN CAST(COALESCE(c.complaints, 0) AS DOUBLE) / mr.merchants * 10000 END
    AS complaints_per_10k_merchants,
  CASE WHEN c.complaints > 0 THEN CAST(c.seven_day AS DOUBLE) / c.complaints END AS seven_day_return_share,
  COALESCE(s.samples, 0) AS samples,
  CASE WHEN s.samples > 0 THEN CAST(s.failed AS DOUBLE) / s.samples END AS sample_fail_rate,
  COALESCE(m.checks, 0) AS monitor_checks,
  CASE WHEN m.checks > 0 THEN CAST(m.hits AS DOUBLE) / m.checks END AS monitor_hit_rate,
  COALESCE(k.cases, 0) AS cases
FROM grid g
JOIN merchants mr ON mr.quarter = g.quarter AND mr.platform_id = g.platform_id
LEFT JOIN c ON c.quarter = g.quarter AND c.platform_id = g.platform_id
LEFT JOIN s ON s.quarter = g.quarter AND s.platform_id = g.platform_id
LEFT JOIN m ON m.quarter = g.quarter AND m.platform_id = g.platform_id
LEFT JOIN k ON k.quarter = g.quarter AND k.platform_id = g.platform_id
ORDER BY g.quarter, g.platform_id;
