-- risk_index: the composite regional risk index of indicators.md
-- (OECD/JRC handbook: normalise -> weight -> aggregate), on a T-score scale
-- where 50 is the average province of the quarter.
-- Grain: one row per quarter × province (no national row).
-- Unit: index points; z columns are clipped, signed z-scores.
-- Sources: regional_indicators; weights in queries/risk_weights.csv
--   (registered as the table risk_weights; used divided by their sum); tier
--   bounds in ref_tiers (data/reference/tiers.csv).
--
-- @table risk_index
-- @column quarter: YYYYQn
-- @column region_code: province
-- @column region_name: province name
-- @column z_complaints: clipped z of complaints_per_100k
-- @column z_quality: clipped z of sample_fail_rate
-- @column z_violations: clipped z of monitor_hit_rate
-- @column z_timeliness: clipped, negated z of closed_60d_rate
-- @column z_repeat: clipped z of repeat_offender_share
-- @column z_credit: clipped z of credit_flagged_share
-- @column risk_index: 50 + 10 Σ w z / Σ w (T-score: 50 is the average province)
-- @column rank: 1 = highest risk in the quarter (ties share the lower number)
-- @column tier: the tier of ref_tiers whose bounds hold the index (高 ≥ 60, 较高 ≥ 55, 一般 ≥ 45, else 较低)
-- @column rank_change: previous rank - rank (positive: towards higher risk); NULL in the first quarter

-- One row per quarter, province and component, with its direction.
CREATE VIEW risk_components AS
SELECT quarter, region_code, region_name, 'complaints' AS component, complaints_per_100k AS x FROM regional_indicators WHERE region_code <> '000000'
UNION ALL SELECT quarter, region_code, region_name, 'quality', sample_fail_rate FROM regional_indicators WHERE region_code <> '000000'
UNION ALL SELECT quarter, region_code, region_name, 'violations', monitor_hit_rate FROM regional_indicators WHERE region_code <> '000000'
UNION ALL SELECT quarter, region_code, region_name, 'timeliness', closed_60d_rate FROM regional_indicators WHERE region_code <> '000000'
UNION ALL SELECT quarter, region_code, region_name, 'repeat', repeat_offender_share FROM regional_indicators WHERE region_code <> '000000'
UNION ALL SELECT quarter, region_code, region_name, 'credit', credit_flagged_share FROM regional_indicators WHERE region_code <> '000000';

-- z = (x - mean) / population sd over the provinces with x; 0 when x is NULL
-- or sd is 0; negated for "lower = riskier"; clipped to [-3, 3].
CREATE VIEW risk_z AS
WITH stats AS (
  SELECT quarter, component, avg(x) AS mean, stddev_pop(x) AS sd
  FROM risk_components GROUP BY quarter, component
)
SELECT c.quarter, c.region_code, c.region_name, c.component,
  CASE WHEN c.x IS NULL OR s.sd IS NULL OR s.sd = 0 THEN 0.0
       ELSE greatest(-3.0, least(3.0,
              (CASE WHEN w.direction = 'lower' THEN -1.0 ELSE 1.0 END) * (c.x - s.mean) / s.sd))
  END AS z
FROM risk_components c
JOIN stats s ON s.quarter = c.quarter AND s.component = c.component
JOIN risk_weights w ON w.component = c.component;

-- The six weights as one row (also the base of the rank intervals' scenarios).
CREATE VIEW risk_weight_vector AS
SELECT
  max(CASE WHEN component = 'complaints' THEN weight END) AS w_complaints,
  max(CASE WHEN component = 'quality' THEN weight END) AS w_quality,
  max(CASE WHEN component = 'violations' THEN weight END) AS w_violations,
  max(CASE WHEN component = 'timeliness' THEN weight END) AS w_timeliness,
  max(CASE WHEN component = 'repeat' THEN weight END) AS w_repeat,
  max(CASE WHEN component = 'credit' THEN weight END) AS w_credit,
  sum(weight) AS w_total
FROM risk_weights;

-- The weighted sum in a fixed order, so that equal inputs give equal outputs.
CREATE VIEW risk_scores AS
WITH zs AS (
  SELECT quarter, region_code, region_name,
    max(CASE WHEN component = 'complaints' THEN z END) AS z_complaints,
    max(CASE WHEN component = 'quality' THEN z END) AS z_quality,
    max(CASE WHEN component = 'violations' THEN z END) AS z_violations,
    max(CASE WHEN component = 'timeliness' THEN z END) AS z_timeliness,
    max(CASE WHEN component = 'repeat' THEN z END) AS z_repeat,
    max(CASE WHEN component = 'credit' THEN z END) AS z_credit
  FROM risk_z GROUP BY quarter, region_code, region_name
)
SELECT zs.*,
  50 + 10 * (w_complaints * z_complaints + w_quality * z_quality + w_violations * z_violations
             + w_timeliness * z_timeliness + w_repeat * z_repeat + w_credit * z_credit) / w_total AS risk_index
FROM zs CROSS JOIN risk_weight_vector w;

-- Ranks, tiers and rank changes (a view, so that other weights can be tried
-- by replacing risk_weights).
CREATE VIEW risk_ranked AS
WITH ranked AS (
  SELECT s.*, q.quarter_idx,
         CAST(RANK() OVER (PARTITION BY s.quarter ORDER BY s.risk_index DESC) AS BIGINT) AS rank
  FROM risk_scores s JOIN quarters q ON q.quarter = s.quarter
)
SELECT
  r.quarter, r.region_code, r.region_name,
  r.z_complaints, r.z_quality, r.z_violations, r.z_timeliness, r.z_repeat, r.z_credit,
  r.risk_index,
  r.rank,
  t.tier,
  p.rank - r.rank AS rank_change
FROM ranked r
LEFT JOIN ranked p ON p.region_code = r.region_code AND p.quarter_idx = r.quarter_idx - 1
-- Tiers on the index rounded to 1e-9, so that float noise does not move a boundary case.
LEFT JOIN ref_tiers t
  ON (t.min_index IS NULL OR round(r.risk_index, 9) >= t.min_index)
 AND (t.max_index IS NULL OR round(r.risk_index, 9) < t.max_index);

CREATE TABLE risk_index AS
SELECT * FROM risk_ranked ORDER BY quarter, rank, region_code;
