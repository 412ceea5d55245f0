-- alerts: one row per alarm, provinces only (never the national row).
-- sampling_outlier (funnel plot, Spiegelhalter): with p0 the national
--   sample_fail_rate of the quarter and n the province's samples (n >= 1),
--   the 99.8 % upper limit is p0 + 3.090232 * sqrt(p0 (1 - p0) / n); alarm
--   when the province's rate is above it. value = rate, threshold = limit.
-- complaint_surge: complaints_qoq > 0.5 and complaints - previous >= 100.
--   value = complaints_qoq, threshold = 0.5.
-- Grain: one row per alarm. Sources: regional_indicators.
--
-- @table alerts
-- @column quarter: YYYYQn
-- @column region_code: province
-- @column region_name: province name
-- @column alert: sampling_outlier or complaint_surge
-- @column value: the figure (fail rate, or complaints_qoq)
-- @column threshold: the limit it crossed

CREATE TABLE alerts AS
WITH r AS (
  SELECT ri.*, q.quarter_idx FROM regional_indicators ri JOIN quarters q ON q.quarter = ri.quarter
),
funnel AS (
  SELECT r.quarter, r.region_code, r.region_name, r.sample_fail_rate AS value,
         n.sample_fail_rate + 3.090232 * sqrt(n.sample_fail_rate * (1 - n.sample_fail_rate) / r.samples) AS threshold
  FROM r JOIN regional_indicators n ON n.quarter = r.quarter AND n.region_code = '000000'
  WHERE r.region_code <> '000000' AND r.samples >= 1
)
SELECT quarter, region_code, region_name, 'sampling_outlier' AS alert, value, threshold
FROM funnel WHERE value > threshold
UNION ALL
SELECT r.quarter, r.region_code, r.region_name, 'complaint_surge' AS alert, r.complaints_qoq AS value, 0.5 AS threshold
FROM r JOIN r p ON p.region_code = r.region_code AND p.quarter_idx = r.quarter_idx - 1
WHERE r.region_code <> '000000' AND r.complaints_qoq > 0.5 AND r.complaints - p.complaints >= 100
ORDER BY quarter, region_code, alert;
