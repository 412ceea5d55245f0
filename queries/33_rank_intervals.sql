-- risk_rank_intervals: how sure is the ranking (statistics.md)? Every
-- reasonable choice of weights and normalisation is run, and the spread of
-- each province's ranks is the answer. No random numbers: the same lake
-- gives the same intervals.
-- Scenarios (S = 3^6 x 3 = 2187): each of the six weights of risk_weights
--   times a factor in {0.5, 1, 2}, independently (729 weight vectors), used
--   divided by their sum; times three normalisations of each component x over
--   the provinces with x in the quarter ("lower = riskier" turned around):
--   z       as risk_index (risk_z: clipped z-score; NULL x or no spread -> 0);
--   minmax  (x - min)/(max - min), 1 minus that for "lower = riskier";
--           NULL x or max = min -> 0.5;
--   rank    PERCENT_RANK() by x ascending (descending for "lower =
--           riskier"), ties share the lower value; NULL x -> 0.5.
--   score = Σ w n / Σ w (six terms in a fixed order, so that equal inputs
--   give equal scores); rank by score descending, ties share the lower rank.
--   Scores are ranked rounded to 1e-9: with the rank normalisation (values
--   k/(n − 1)) and weights from {0.5, 1, 2} × the defaults, different
--   provinces often have mathematically equal scores that floating point
--   makes differ in the 16th digit; unrounded, such a tie would be broken
--   by rounding noise (thousands of such pairs in eight national quarters).
--   Distinct scores differ by far more than 1e-9.
-- Percentiles are nearest-rank: the ⌈p·S⌉-th smallest of the S ranks, taken
--   from a count of each rank (integer arithmetic: ⌈5S/100⌉ = (5S + 99)/100).
-- The scenario with every factor 1 and z is the published risk_index.
-- Grain: one row per quarter × province. Sources: risk_components, risk_z,
--   risk_weights, risk_weight_vector, risk_index.
--
-- @table risk_rank_intervals
-- @column quarter: YYYYQn
-- @column region_code: province
-- @column region_name: province name
-- @column rank: the published risk_index.rank
-- @column rank_median: nearest-rank median of the 2187 scenario ranks (the ⌈0.5·S⌉-th smallest)
-- @column rank_p05: the ⌈0.05·S⌉-th smallest scenario rank (排名区间 lower end)
-- @column rank_p95: the ⌈0.95·S⌉-th smallest scenario rank (排名区间 upper end)
-- @column rank_best: the smallest (riskiest) scenario rank
-- @column rank_worst: the largest scenario rank

-- Each component of each province normalised three ways, one row per norm.
-- A work table (31 provinces × 6 components × 3 norms per quarter): its SQL
-- reads regional_indicators 36 times through risk_components, and inlined
-- as a view under the scenario ranks' cross join the statement took 1.06 s
-- of a two-quarter run against 0.16 s this way (docs/benchmarks.md).
CREATE TABLE _rr_normalised AS
WITH c AS (
  SELECT c.quarter, c.region_code, c.region_name, c.component, c.x,
         w.direction = 'lower' AS lower_riskier
  FROM risk_components c JOIN risk_weights w ON w.component = c.component
),
stats AS (
  SELECT quarter, component, min(x) AS lo, max(x) AS hi FROM c GROUP BY quarter, component
),
ranked AS (
  SELECT quarter, region_code, component,
         PERCENT_RANK() OVER (
           PARTITION BY quarter, component, x IS NULL
           ORDER BY CASE WHEN lower_riskier THEN -x ELSE x END) AS pr
  FROM c
)
SELECT quarter, region_code, region_name, 'z' AS norm, component, z AS v FROM risk_z
UNION ALL
SELECT c.quarter, c.region_code, c.region_name, 'minmax', c.component,
       CASE WHEN c.x IS NULL OR s.hi = s.lo THEN 0.5
            WHEN c.lower_riskier THEN 1 - (c.x - s.lo) / (s.hi - s.lo)
            ELSE (c.x - s.lo) / (s.hi - s.lo) END
FROM c JOIN stats s ON s.quarter = c.quarter AND s.component = c.component
UNION ALL
SELECT c.quarter, c.region_code, c.region_name, 'rank', c.component,
       CASE WHEN c.x IS NULL THEN 0.5 ELSE r.pr END
FROM c JOIN ranked r
  ON r.quarter = c.quarter AND r.region_code = c.region_code AND r.component = c.component;

CREATE VIEW rr_normalised AS SELECT * FROM _rr_normalised;

-- The 729 weight vectors: the id reads the six factor indices as base-3 digits.
CREATE VIEW rr_weight_vectors AS
WITH f AS (SELECT 0 AS i, 0.5 AS f UNION ALL SELECT 1, 1.0 UNION ALL SELECT 2, 2.0)
SELECT ((((f1.i * 3 + f2.i) * 3 + f3.i) * 3 + f4.i) * 3 + f5.i) * 3 + f6.i AS weights_id,
       w.w_complaints * f1.f AS w_complaints, w.w_quality * f2.f AS w_quality,
       w.w_violations * f3.f AS w_violations, w.w_timeliness * f4.f AS w_timeliness,
       w.w_repeat * f5.f AS w_repeat, w.w_credit * f6.f AS w_credit
FROM risk_weight_vector w
CROSS JOIN f f1 CROSS JOIN f f2 CROSS JOIN f f3 CROSS JOIN f f4 CROSS JOIN f f5 CROSS JOIN f f6;

-- Every province's rank in every scenario (quarter × norm × weight vector).
CREATE VIEW rr_scenario_ranks AS
WITH n AS (
  SELECT quarter, region_code, norm,
    max(CASE WHEN component = 'complaints' THEN v END) AS n_complaints,
    max(CASE WHEN component = 'quality' THEN v END) AS n_quality,
    max(CASE WHEN component = 'violations' THEN v END) AS n_violations,
    max(CASE WHEN component = 'timeliness' THEN v END) AS n_timeliness,
    max(CASE WHEN component = 'repeat' THEN v END) AS n_repeat,
    max(CASE WHEN component = 'credit' THEN v END) AS n_credit
  FROM rr_normalised GROUP BY quarter, region_code, norm
),
scored AS (
  SELECT n.quarter, n.region_code, n.norm, v.weights_id,
    (v.w_complaints * n.n_complaints + v.w_quality * n.n_quality + v.w_violations * n.n_violations
     + v.w_timeliness * n.n_timeliness + v.w_repeat * n.n_repeat + v.w_credit * n.n_credit)
    / (v.w_complaints + v.w_quality + v.w_violations + v.w_timeliness + v.w_repeat + v.w_credit) AS score
  FROM n CROSS JOIN rr_weight_vectors v
)
SELECT quarter, region_code, norm, weights_id, score,
       CAST(RANK() OVER (PARTITION BY quarter, norm, weights_id ORDER BY round(score, 9) DESC) AS BIGINT) AS rank
FROM scored;

CREATE TABLE risk_rank_intervals AS
WITH hist AS (
  SELECT quarter, region_code, rank, count(*) AS n
  FROM rr_scenario_ranks GROUP BY quarter, region_code, rank
),
cum AS (
  SELECT quarter, region_code, rank,
         SUM(n) OVER (PARTITION BY quarter, region_code ORDER BY rank) AS at_most,
         SUM(n) OVER (PARTITION BY quarter, region_code) AS s
  FROM hist
),
pct AS (
  SELECT quarter, region_code,
         min(CASE WHEN at_most >= (s + 1) / 2 THEN rank END) AS rank_median,
         min(CASE WHEN at_most >= (5 * s + 99) / 100 THEN rank END) AS rank_p05,
         min(CASE WHEN at_most >= (95 * s + 99) / 100 THEN rank END) AS rank_p95,
         min(rank) AS rank_best,
         max(rank) AS rank_worst
  FROM cum GROUP BY quarter, region_code
)
SELECT k.quarter, k.region_code, k.region_name, k.rank,
       p.rank_median, p.rank_p05, p.rank_p95, p.rank_best, p.rank_worst
FROM risk_index k
JOIN pct p ON p.quarter = k.quarter AND p.region_code = k.region_code
ORDER BY k.quarter, k.rank, k.region_code;
