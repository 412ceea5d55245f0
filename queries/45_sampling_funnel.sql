-- sampling_funnel: the control limits of the funnel plot of sample fail
-- rates, as the dashboard draws them (the alarm itself is in alerts).
-- For each quarter with a national rate p0 and each limit of
-- ref_funnel_limits: 100 points n = k N / 100 (k = 1..100; N = 1.08 x the
-- largest province sample count of the quarter, at least 10), with limits
-- p0 -/+ z sqrt(p0 (1 - p0) / n), clipped to [0, 1].
-- Grain: quarter x limit x point. Unit: batches (n), shares (the rest).
-- Sources: regional_indicators, ref_funnel_limits (data/reference/).
--
-- @table sampling_funnel
-- @column quarter: YYYYQn
-- @column limit_name: control limit by coverage (ref_funnel_limits)
-- @column alarm: true for the limit above which a province is a sampling_outlier
-- @column n: batches sampled
-- @column p0: national sample_fail_rate of the quarter
-- @column lower: lower control limit at n (at least 0)
-- @column upper: upper control limit at n (at most 1)

CREATE TABLE sampling_funnel AS
WITH q AS (
  SELECT n.quarter, n.sample_fail_rate AS p0,
         greatest(10.0, 1.08 * max(CAST(r.samples AS DOUBLE))) AS n_max
  FROM regional_indicators n
  JOIN regional_indicators r ON r.quarter = n.quarter AND r.region_code <> '000000'
  WHERE n.region_code = '000000' AND n.sample_fail_rate IS NOT NULL
  GROUP BY n.quarter, n.sample_fail_rate
),
k AS (SELECT unnest(range(1, 101)) AS k),
pts AS (
  SELECT q.quarter, l.limit_name, l.alarm, l.z, q.p0, q.n_max * CAST(k.k AS DOUBLE) / 100.0 AS n
  FROM q CROSS JOIN ref_funnel_limits l CROSS JOIN k
)
SELECT quarter, limit_name, alarm, n, p0,
       greatest(0.0, p0 - z * sqrt(p0 * (1 - p0) / n)) AS lower,
       least(1.0, p0 + z * sqrt(p0 * (1 - p0) / n)) AS upper
FROM pts
ORDER BY quarter, limit_name, n;
