-- alerts: one row per alarm, provinces only (never the national row).
-- sampling_outlier (funnel plot, Spiegelhalter): with p0 the national
--   sample_fail_rate of the quarter and n the province's samples (n >= 1),
--   the upper limit is p0 + z * sqrt(p0 (1 - p0) / n) with z of the alarm
--   limit of ref_funnel_limits (99.8 %: 3.090232); alarm when the province's
--   rate is above it. value = rate, threshold = limit.
-- complaint_surge: complaints_qoq > threshold (0.5) and complaints -
--   previous >= min_increase (100), both from ref_alert_types.
--   value = complaints_qoq, threshold = the threshold.
-- complaint_cusum (statistics.md): a province-quarter with at least one
--   alarm month in complaint_cusum; value = the largest CUSUM among its alarm
--   months, threshold = the threshold of ref_alert_types (5).
-- Grain: one row per alarm. Sources: regional_indicators, complaint_cusum,
--   ref_funnel_limits, ref_alert_types (data/reference/).
--
-- @table alerts
-- @column quarter: YYYYQn
-- @column region_code: province
-- @column region_name: province name
-- @column alert: sampling_outlier, complaint_surge or complaint_cusum
-- @column value: the figure (fail rate, complaints_qoq, or the largest CUSUM of the quarter's alarm months)
-- @column threshold: the limit it crossed

CREATE TABLE alerts AS
WITH r AS (
  SELECT ri.*, q.quarter_idx FROM regional_indicators ri JOIN quarters q ON q.quarter = ri.quarter
),
funnel AS (
  SELECT r.quarter, r.region_code, r.region_name, r.sample_fail_rate AS value,
         n.sample_fail_rate + l.z * sqrt(n.sample_fail_rate * (1 - n.sample_fail_rate) / r.samples) AS threshold
  FROM r JOIN regional_indicators n ON n.quarter = r.quarter AND n.region_code = '000000'
  CROSS JOIN (SELECT z FROM ref_funnel_limits WHERE alarm) l
  WHERE r.region_code <> '000000' AND r.samples >= 1
),
surge AS (SELECT threshold, min_increase FROM ref_alert_types WHERE alert = 'complaint_surge'),
cusum AS (
  SELECT concat(substr(c.month, 1, 4), 'Q', CAST((CAST(substr(c.month, 6, 2) AS BIGINT) + 2) / 3 AS VARCHAR)) AS quarter,
         c.region_code, c.region_name, c.cusum
  FROM complaint_cusum c WHERE c.alarm
)
SELECT quarter, region_code, region_name, 'sampling_outlier' AS alert, value, threshold
FROM funnel WHERE value > threshold
UNION ALL
SELECT r.quarter, r.region_code, r.region_name, 'complaint_surge' AS alert, r.complaints_qoq AS value, s.threshold
FROM r JOIN r p ON p.region_code = r.region_code AND p.quarter_idx = r.quarter_idx - 1
CROSS JOIN surge s
WHERE r.region_code <> '000000' AND r.complaints_qoq > s.threshold AND r.complaints - p.complaints >= s.min_increase
UNION ALL
SELECT c.quarter, c.region_code, c.region_name, 'complaint_cusum' AS alert, max(c.cusum) AS value, h.threshold
FROM cusum c CROSS JOIN (SELECT threshold FROM ref_alert_types WHERE alert = 'complaint_cusum') h
GROUP BY c.quarter, c.region_code, c.region_name, h.threshold
ORDER BY quarter, region_code, alert;
