-- headline_figures: national money figures for the dashboard's headline row
-- that regional_indicators does not carry.
-- Grain: one row per quarter of the grid. Unit: yuan.
-- Sources: complaints.
--
-- @table headline_figures
-- @column quarter: YYYYQn
-- @column recovered_yuan: Σ recovered_yuan over the quarter's online complaints (kind 投诉), yuan
-- @column involved_yuan: Σ amount_yuan over the quarter's online complaints (kind 投诉), yuan

CREATE TABLE headline_figures AS
SELECT
  q.quarter,
  CAST(COALESCE(c.recovered_yuan, 0) AS DECIMAL(20, 2)) AS recovered_yuan,
  CAST(COALESCE(c.involved_yuan, 0) AS DECIMAL(20, 2)) AS involved_yuan
FROM quarters q
LEFT JOIN (
  SELECT quarter, SUM(recovered_yuan) AS recovered_yuan, SUM(amount_yuan) AS involved_yuan
  FROM complaints WHERE kind = '投诉' AND is_online
  GROUP BY quarter
) c ON c.quarter = q.quarter
ORDER BY q.quarter;
