-- smoothed_rates: what small provinces really show (statistics.md). A
-- province's fail or hit rate pulled towards the quarter's pooled rate by
-- empirical Bayes (beta-binomial, method of moments across the provinces of
-- the quarter): the fewer its trials, the stronger the pull.
-- Grain: one row per quarter × province (31) × measure. Provinces only; a
--   province with no trials has a row (raw_rate NULL, eb_rate = p̄, weight 0).
-- Method, per quarter and measure, over the k provinces with trials n > 0:
--   N = Σn, p̄ = Σx / N, p = x/n, n̄ = N / k, s² = Σ n (p − p̄)² / N,
--   τ² = s² − p̄(1 − p̄)/n̄; when τ² ≤ 0, k < 2 or p̄ is 0 or 1 there is no
--   prior (M NULL) and every eb_rate is p̄; else M = p̄(1 − p̄)/τ² − 1 and
--   eb_rate = (x + p̄M)/(n + M).
-- Units: rates are fractions in [0, 1]; prior_strength in trials.
-- Determinism: Σ n (p − p̄)² is summed in DECIMAL(38, 18), each term
--   rounded once: a sum of doubles depends on the order the partitions
--   meet in, and gave a different last digit from run to run.
-- Sources: _ri_base (the counts of regional_indicators).
--
-- @table smoothed_rates
-- @column quarter: YYYYQn
-- @column region_code: province XX0000
-- @column region_name: full name
-- @column measure: sample_fail_rate (x = batches 不合格, n = samples) or monitor_hit_rate (x = records with a finding, n = monitor_checks)
-- @column events: x: failed batches, or monitoring records with a finding
-- @column trials: n: sampled batches, or monitoring checks
-- @column raw_rate: x / n (NULL when n = 0)
-- @column eb_rate: (x + p̄·M) / (n + M); p̄, the quarter's pooled rate over the provinces, when M is NULL
-- @column weight: n / (n + M), the share of the province's own data in eb_rate; 0 when M is NULL or n = 0
-- @column prior_strength: M = p̄(1 − p̄)/τ² − 1, the prior's strength in trials; NULL when τ² ≤ 0, fewer than two provinces have trials, or p̄ is 0 or 1

CREATE VIEW sr_counts AS
SELECT quarter, region_code, region_name, 'sample_fail_rate' AS measure,
       failed AS events, samples AS trials
FROM ri_base WHERE region_code <> '000000'
UNION ALL
SELECT quarter, region_code, region_name, 'monitor_hit_rate' AS measure,
       hits AS events, checks AS trials
FROM ri_base WHERE region_code <> '000000';

-- k, N and p̄ of each quarter and measure.
CREATE VIEW sr_pooled AS
SELECT quarter, measure,
       SUM(CASE WHEN trials > 0 THEN 1 ELSE 0 END) AS k,
       SUM(trials) AS n_total,
       CASE WHEN SUM(trials) > 0 THEN CAST(SUM(events) AS DOUBLE) / SUM(trials) END AS p_bar
FROM sr_counts
GROUP BY quarter, measure;

-- τ² from the spread of the provinces' rates about p̄, then M.
CREATE VIEW sr_prior AS
SELECT p.quarter, p.measure, p.p_bar,
       CASE WHEN p.k >= 2 AND p.p_bar > 0 AND p.p_bar < 1
             AND s.s2 - p.p_bar * (1 - p.p_bar) / (CAST(p.n_total AS DOUBLE) / p.k) > 0
            THEN p.p_bar * (1 - p.p_bar)
                 / (s.s2 - p.p_bar * (1 - p.p_bar) / (CAST(p.n_total AS DOUBLE) / p.k)) - 1
       END AS m
FROM sr_pooled p
LEFT JOIN (
  SELECT c.quarter, c.measure,
         CAST(SUM(CAST(c.trials * (CAST(c.events AS DOUBLE) / c.trials - q.p_bar)
                                * (CAST(c.events AS DOUBLE) / c.trials - q.p_bar)
                       AS DECIMAL(38, 18))) AS DOUBLE) / MAX(q.n_total) AS s2
  FROM sr_counts c JOIN sr_pooled q ON q.quarter = c.quarter AND q.measure = c.measure
  WHERE c.trials > 0
  GROUP BY c.quarter, c.measure
) s ON s.quarter = p.quarter AND s.measure = p.measure;

CREATE TABLE smoothed_rates AS
SELECT
  c.quarter, c.region_code, c.region_name, c.measure,
  c.events, c.trials,
  CASE WHEN c.trials > 0 THEN CAST(c.events AS DOUBLE) / c.trials END AS raw_rate,
  CASE WHEN p.m IS NULL THEN p.p_bar ELSE (c.events + p.p_bar * p.m) / (c.trials + p.m) END AS eb_rate,
  CASE WHEN p.m IS NULL OR c.trials = 0 THEN 0.0 ELSE c.trials / (c.trials + p.m) END AS weight,
  p.m AS prior_strength
FROM sr_counts c
JOIN sr_prior p ON p.quarter = c.quarter AND p.measure = c.measure
ORDER BY c.quarter, c.measure, c.region_code;
