-- complaint_cusum: what is rising now, inside the quarter (statistics.md)?
-- Monthly online complaints (kind 投诉, online) of each province against its
-- own share of the nation a year earlier, accumulated by a one-sided CUSUM.
-- Grid: every month from the first month of the lake's first quarter
--   (quarters) to the last month of its last, for every province of
--   ref_provinces; 0 where a province has no complaint in a month. Month of
--   the local received date (received_at is local time).
-- c: the province's count in month t; N: the national count, the sum over
--   the provinces (a record without a province is in neither).
-- Eligible: month t − 12 on the grid and N(t − 12) > 0.
--   e = c(t−12) · N(t) / N(t−12); r = (c − e) / √max(e, 1);
--   φ = max(1, mean r² over every eligible province-month of the lake);
--   z = r / √φ.
-- CUSUM over each province's eligible months in order: S = 0 before the
--   first; S(t) = max(0, S' + z − k) with k = 0.5 and S' = S of the previous
--   eligible month, or 0 when that month alarmed; alarm when S(t) ≥ h (the
--   threshold of complaint_cusum in ref_alert_types, 5). A month that is not
--   eligible (only possible when a whole national month a year earlier is
--   empty) is skipped: the sum carries over it unchanged.
-- The running sum is a recursive CTE over the eligible months (one step per
--   month, 31 rows a step), its inputs first materialised in the work tables
--   _cusum_counts (the only scan of the complaints) and _cusum_z, so that no
--   step reads the complaints again.
-- Grain: one row per eligible month × province. Sources: complaints,
--   quarters, ref_provinces, ref_alert_types.
--
-- @table complaint_cusum
-- @column month: YYYY-MM, month of the local received date
-- @column region_code: province
-- @column region_name: province name
-- @column complaints: c, online complaints received in the month
-- @column expected: e = c(t−12) · N(t) / N(t−12), the count the province's share a year earlier gives
-- @column z: (c − e) / √max(e, 1), divided by √φ (φ = max(1, mean square over all eligible province-months))
-- @column cusum: S = max(0, S' + z − 0.5), S' the previous eligible month's S (0 after an alarm)
-- @column alarm: S ≥ 5 (threshold of ref_alert_types.complaint_cusum)

-- Online complaints by province and month index (year · 12 + month − 1),
-- materialised once: the grid below is read twice and the residuals twice,
-- and DataFusion would scan the complaints for each. Counted by day first
-- (date_bin is integer arithmetic), then the few thousand days put in their
-- months (date_trunc per value on every row took 3× as long).
CREATE TABLE _cusum_counts AS
WITH d AS (
  SELECT province_code, date_bin(INTERVAL '1 day', received_at) AS day, count(*) AS n
  FROM complaints
  WHERE kind = '投诉' AND is_online AND province_code IS NOT NULL AND received_at IS NOT NULL
  GROUP BY province_code, date_bin(INTERVAL '1 day', received_at)
),
m AS (
  SELECT province_code, date_trunc('month', day) AS month_start, sum(n) AS complaints
  FROM d GROUP BY province_code, date_trunc('month', day)
)
SELECT province_code AS region_code,
       CAST(date_part('year', month_start) AS BIGINT) * 12 + CAST(date_part('month', month_start) AS BIGINT) - 1 AS month_idx,
       CAST(complaints AS BIGINT) AS complaints
FROM m;

-- The grid of months × provinces with c and N.
CREATE VIEW cs_grid AS
WITH months AS (
  SELECT unnest(range(lo, hi + 1)) AS month_idx
  FROM (SELECT min(quarter_idx) * 3 AS lo, max(quarter_idx) * 3 + 2 AS hi FROM quarters) b
  WHERE lo IS NOT NULL
),
cells AS (
  SELECT m.month_idx, p.code AS region_code, p.name AS region_name, COALESCE(c.complaints, 0) AS c
  FROM months m CROSS JOIN ref_provinces p
  LEFT JOIN _cusum_counts c ON c.month_idx = m.month_idx AND c.region_code = p.code
)
SELECT month_idx, region_code, region_name, c,
       SUM(c) OVER (PARTITION BY month_idx) AS n
FROM cells;

-- Expected counts and standardised residuals of the eligible months.
CREATE VIEW cs_residuals AS
SELECT t.month_idx, t.region_code, t.region_name, t.c AS complaints,
       CAST(y.c AS DOUBLE) * t.n / y.n AS expected,
       (t.c - CAST(y.c AS DOUBLE) * t.n / y.n) / sqrt(greatest(CAST(y.c AS DOUBLE) * t.n / y.n, 1.0)) AS r
FROM cs_grid t
JOIN cs_grid y ON y.region_code = t.region_code AND y.month_idx = t.month_idx - 12
WHERE y.n > 0;

-- The CUSUM's reference value k (its one home) and alarm threshold h (from
-- the vocabulary).
CREATE VIEW cs_params AS
SELECT 0.5 AS k, threshold AS h FROM ref_alert_types WHERE alert = 'complaint_cusum';

-- z and the step number of each eligible month within its province.
CREATE TABLE _cusum_z AS
WITH phi AS (SELECT greatest(1.0, avg(r * r)) AS phi FROM cs_residuals)
SELECT r.month_idx, r.region_code, r.region_name, r.complaints, r.expected,
       r.r / sqrt(phi.phi) AS z,
       ROW_NUMBER() OVER (PARTITION BY r.region_code ORDER BY r.month_idx) AS step
FROM cs_residuals r CROSS JOIN phi;

CREATE TABLE complaint_cusum AS
WITH RECURSIVE walk AS (
  SELECT z.region_code, z.step, z.month_idx,
         greatest(0.0, z.z - p.k) AS cusum,
         greatest(0.0, z.z - p.k) >= p.h AS alarm
  FROM _cusum_z z CROSS JOIN cs_params p
  WHERE z.step = 1
  UNION ALL
  SELECT z.region_code, z.step, z.month_idx,
         greatest(0.0, CASE WHEN w.alarm THEN 0.0 ELSE w.cusum END + z.z - p.k) AS cusum,
         greatest(0.0, CASE WHEN w.alarm THEN 0.0 ELSE w.cusum END + z.z - p.k) >= p.h AS alarm
  FROM walk w
  JOIN _cusum_z z ON z.region_code = w.region_code AND z.step = w.step + 1
  CROSS JOIN cs_params p
)
SELECT concat(CAST(z.month_idx / 12 AS VARCHAR), '-', lpad(CAST(z.month_idx % 12 + 1 AS VARCHAR), 2, '0')) AS month,
       z.region_code, z.region_name, z.complaints, z.expected, z.z, w.cusum, w.alarm
FROM walk w
JOIN _cusum_z z ON z.region_code = w.region_code AND z.step = w.step
ORDER BY month, region_code;
