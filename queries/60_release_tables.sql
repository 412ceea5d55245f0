-- release tables: the tables of the quarterly statistical release
-- (release.md), for every quarter of the grid; `wangjian release` selects
-- one quarter, applies disclosure control and writes them. Figures are the
-- indicator tables' own (regional_indicators, platform_indicators,
-- risk_index, headline_figures, alerts) or the same definitions applied by
-- complaint category, problem type and product category.
-- Units as published: counts; rates and shares in per cent (× 100);
-- money in 万元 (yuan / 10 000); changes of counts and money in per cent,
-- changes of rates in percentage points.
-- Columns prefixed n_ are the counts disclosure control needs (numerators,
-- denominators, the number of cases behind a money sum); they are not
-- published.
-- Sources: regional_indicators, ri_base, platform_indicators, risk_index,
--   risk_rank_intervals,
--   headline_figures, alerts, complaints, cases, sampling, ref_categories,
--   ref_problems, ref_alert_types.
--
-- @table release_headline
-- @column quarter: YYYYQn
-- @column ord: the measure's place in the table
-- @column measure: measure code (complaints, reports, cases, penalties, recovered, samples, sample_fail_rate, monitor_checks, monitor_hit_rate)
-- @column measure_name: the measure's Chinese name with its unit
-- @column is_rate: whether the measure is a rate (its changes are in percentage points)
-- @column value: the quarter's value, national
-- @column previous: the previous quarter's value (NULL when the lake does not hold it)
-- @column year_ago: the value of the same quarter a year earlier (NULL when not held)
-- @column change_qoq: change on the previous quarter: per cent for counts and money (NULL when previous is 0), percentage points for rates
-- @column change_yoy: change on the same quarter a year earlier, as change_qoq
--
-- @table release_by_province
-- @column quarter: YYYYQn
-- @column region_code: province XX0000, or 000000 for 全国
-- @column region_name: full name, 全国 for the national row
-- @column complaints: online complaints
-- @column reports: online reports
-- @column complaints_per_100k: online complaints per 100 000 residents
-- @column closed_60d_rate: online complaints closed within 60 days, per cent
-- @column recovery_ratio: Σ recovered / Σ amount involved, per cent
-- @column cases: online cases, not 撤销
-- @column penalties_wan: fines and confiscations, 万元
-- @column samples: sampling batches
-- @column sample_fail_rate: failed batches / samples, per cent
-- @column monitor_hit_rate: monitoring records with a finding / checks, per cent
-- @column risk_index: composite risk index (NULL for 全国)
-- @column rank: rank by risk index (NULL for 全国)
-- @column tier: risk tier (NULL for 全国)
-- @column rank_p05: lower end of the rank interval (排名区间), risk_rank_intervals.rank_p05 (NULL for 全国)
-- @column rank_p95: upper end of the rank interval, risk_rank_intervals.rank_p95 (NULL for 全国)
-- @column n_closed_60d: numerator of closed_60d_rate
-- @column n_recovery_base: online complaints behind recovery_ratio (recovered and amount > 0 known)
-- @column n_penalised: cases with a fine or confiscation (behind penalties_wan)
-- @column n_failed: failed batches
-- @column n_monitor_checks: monitoring records (denominator of monitor_hit_rate)
-- @column n_monitor_hits: monitoring records with a finding
--
-- @table release_by_category
-- @column quarter: YYYYQn
-- @column category_code: complaint category code (ref_categories)
-- @column category_name: category name
-- @column complaints: online complaints in the category, national
-- @column share: share of all online complaints of the quarter, per cent
-- @column change_qoq: change on the previous quarter, per cent (NULL when previous is 0 or not held)
--
-- @table release_by_problem
-- @column quarter: YYYYQn
-- @column problem_code: problem type code (ref_problems)
-- @column problem_name: problem type name
-- @column complaints: online complaints of the type, national
-- @column share: share of all online complaints of the quarter, per cent
-- @column change_qoq: change on the previous quarter, per cent (NULL when previous is 0 or not held)
--
-- @table release_by_platform
-- @column quarter: YYYYQn
-- @column platform_id: platform
-- @column platform_name: platform name
-- @column complaints: online complaints naming the platform
-- @column complaints_per_10k_merchants: complaints per 10 000 merchants on the platform
-- @column samples: sampling batches naming the platform
-- @column sample_fail_rate: failed batches / samples, per cent
-- @column cases: online cases naming the platform, not 撤销
-- @column n_merchants: merchants on the platform (denominator of complaints_per_10k_merchants)
-- @column n_failed: failed batches
--
-- @table release_sampling_by_category
-- @column quarter: YYYYQn
-- @column category_code: product category code (goods, ref_categories G..)
-- @column category_name: category name
-- @column samples: sampling batches, national
-- @column failed: failed batches
-- @column sample_fail_rate: failed / samples, per cent
-- @column ci_low: Wilson 95 % lower bound of sample_fail_rate, per cent
-- @column ci_high: Wilson 95 % upper bound of sample_fail_rate, per cent
--
-- @table release_trend
-- @column quarter: YYYYQn
-- @column complaints: online complaints, national
-- @column reports: online reports
-- @column cases: online cases
-- @column penalties_wan: fines and confiscations, 万元
-- @column recovered_wan: recovered for consumers, 万元
-- @column samples: sampling batches
-- @column sample_fail_rate: per cent
-- @column monitor_checks: monitoring records
-- @column monitor_hit_rate: per cent
--
-- @table release_alerts
-- @column quarter: YYYYQn
-- @column region_code: province
-- @column region_name: province name
-- @column alert: alert type code
-- @column alert_label: alert type name (ref_alert_types)
-- @column value: the alert's value in its unit: per cent (growth for complaint_surge, failure rate for sampling_outlier), or the CUSUM (complaint_cusum)
-- @column threshold: the limit it passed, in the same unit
-- @column unit: % or 累积和 (complaint_cusum)

CREATE TABLE release_trend AS
SELECT
  r.quarter,
  r.complaints,
  r.reports,
  r.cases,
  CAST(r.penalties_yuan AS DOUBLE) / 10000 AS penalties_wan,
  CAST(h.recovered_yuan AS DOUBLE) / 10000 AS recovered_wan,
  r.samples,
  r.sample_fail_rate * 100 AS sample_fail_rate,
  r.monitor_checks,
  r.monitor_hit_rate * 100 AS monitor_hit_rate
FROM regional_indicators r
JOIN headline_figures h ON h.quarter = r.quarter
WHERE r.region_code = '000000'
ORDER BY r.quarter;

CREATE VIEW rl_measures AS
SELECT
  t.quarter, q.quarter_idx, m.ord, m.measure, m.measure_name, m.is_rate,
  CASE m.measure
    WHEN 'complaints' THEN CAST(t.complaints AS DOUBLE)
    WHEN 'reports' THEN CAST(t.reports AS DOUBLE)
    WHEN 'cases' THEN CAST(t.cases AS DOUBLE)
    WHEN 'penalties' THEN t.penalties_wan
    WHEN 'recovered' THEN t.recovered_wan
    WHEN 'samples' THEN CAST(t.samples AS DOUBLE)
    WHEN 'sample_fail_rate' THEN t.sample_fail_rate
    WHEN 'monitor_checks' THEN CAST(t.monitor_checks AS DOUBLE)
    WHEN 'monitor_hit_rate' THEN t.monitor_hit_rate
  END AS value
FROM release_trend t
JOIN quarters q ON q.quarter = t.quarter
CROSS JOIN (VALUES
  (1, 'complaints', '网购投诉量（件）', false),
  (2, 'reports', '网购举报量（件）', false),
  (3, 'cases', '网络案件数（件）', false),
  (4, 'penalties', '罚没金额（万元）', false),
  (5, 'recovered', '为消费者挽回经济损失（万元）', false),
  (6, 'samples', '网络商品抽检批次（批）', false),
  (7, 'sample_fail_rate', '抽检不合格率（%）', true),
  (8, 'monitor_checks', '定向监测记录（条）', false),
  (9, 'monitor_hit_rate', '监测发现问题率（%）', true)
) AS m(ord, measure, measure_name, is_rate);

CREATE TABLE release_headline AS
SELECT
  c.quarter, c.ord, c.measure, c.measure_name, c.is_rate, c.value,
  p.value AS previous,
  y.value AS year_ago,
  CASE WHEN c.is_rate THEN c.value - p.value
       WHEN p.value > 0 THEN (c.value / p.value - 1) * 100 END AS change_qoq,
  CASE WHEN c.is_rate THEN c.value - y.value
       WHEN y.value > 0 THEN (c.value / y.value - 1) * 100 END AS change_yoy
FROM rl_measures c
LEFT JOIN rl_measures p ON p.measure = c.measure AND p.quarter_idx = c.quarter_idx - 1
LEFT JOIN rl_measures y ON y.measure = c.measure AND y.quarter_idx = c.quarter_idx - 4
ORDER BY c.quarter, c.ord;

CREATE TABLE release_by_province AS
SELECT
  r.quarter, r.region_code, r.region_name,
  r.complaints, r.reports, r.complaints_per_100k,
  r.closed_60d_rate * 100 AS closed_60d_rate,
  r.recovery_ratio * 100 AS recovery_ratio,
  r.cases,
  CAST(r.penalties_yuan AS DOUBLE) / 10000 AS penalties_wan,
  r.samples,
  r.sample_fail_rate * 100 AS sample_fail_rate,
  r.monitor_hit_rate * 100 AS monitor_hit_rate,
  k.risk_index, k.rank, k.tier, ri.rank_p05, ri.rank_p95,
  b.closed_60d AS n_closed_60d,
  b.recovery_base AS n_recovery_base,
  b.penalised AS n_penalised,
  b.failed AS n_failed,
  b.checks AS n_monitor_checks,
  b.hits AS n_monitor_hits
FROM regional_indicators r
JOIN ri_base b ON b.quarter = r.quarter AND b.region_code = r.region_code
LEFT JOIN risk_index k ON k.quarter = r.quarter AND k.region_code = r.region_code
LEFT JOIN risk_rank_intervals ri ON ri.quarter = r.quarter AND ri.region_code = r.region_code
ORDER BY r.quarter, CASE WHEN r.region_code = '000000' THEN 1 ELSE 0 END, r.region_code;

-- Online complaints (kind 投诉) by complaint category and by problem type,
-- national, every quarter × every code of the list (0 where none), with the
-- share of the quarter's online complaints and the change on the previous
-- quarter.
CREATE VIEW rl_codes AS
SELECT 'category' AS dim, code, name FROM ref_categories
UNION ALL
SELECT 'problem' AS dim, code, name FROM ref_problems;

-- Online complaints counted once by quarter × category × problem (a work
-- table: one scan of complaints serves both breakdowns), then by each.
CREATE TABLE _rl_online AS
SELECT quarter, category, problem, count(*) AS n
FROM complaints WHERE kind = '投诉' AND is_online
GROUP BY quarter, category, problem;

CREATE VIEW rl_online AS
SELECT quarter, 'category' AS dim, category AS code, sum(n) AS n FROM _rl_online GROUP BY quarter, category
UNION ALL
SELECT quarter, 'problem' AS dim, problem AS code, sum(n) AS n FROM _rl_online GROUP BY quarter, problem;

CREATE VIEW rl_breakdown AS
WITH n AS (
  SELECT q.quarter, q.quarter_idx, c.dim, c.code, c.name, COALESCE(o.n, 0) AS complaints
  FROM quarters q CROSS JOIN rl_codes c
  LEFT JOIN rl_online o
    ON o.quarter = q.quarter AND o.dim = c.dim AND o.code = c.code
),
t AS (SELECT quarter, dim, sum(complaints) AS total FROM n GROUP BY quarter, dim)
SELECT n.quarter, n.dim, n.code, n.name, n.complaints,
       CASE WHEN t.total > 0 THEN CAST(n.complaints AS DOUBLE) / t.total * 100 END AS share,
       CASE WHEN p.complaints > 0 THEN (CAST(n.complaints AS DOUBLE) / p.complaints - 1) * 100 END AS change_qoq
FROM n
JOIN t ON t.quarter = n.quarter AND t.dim = n.dim
LEFT JOIN n p ON p.dim = n.dim AND p.code = n.code AND p.quarter_idx = n.quarter_idx - 1;

CREATE TABLE release_by_category AS
SELECT quarter, code AS category_code, name AS category_name, complaints, share, change_qoq
FROM rl_breakdown WHERE dim = 'category'
ORDER BY quarter, code;

CREATE TABLE release_by_problem AS
SELECT quarter, code AS problem_code, name AS problem_name, complaints, share, change_qoq
FROM rl_breakdown WHERE dim = 'problem'
ORDER BY quarter, code;

CREATE TABLE release_by_platform AS
SELECT
  quarter, platform_id, platform_name, complaints, complaints_per_10k_merchants,
  samples, sample_fail_rate * 100 AS sample_fail_rate, cases,
  merchants AS n_merchants,
  CAST(round(COALESCE(sample_fail_rate, 0) * samples) AS BIGINT) AS n_failed
FROM platform_indicators
ORDER BY quarter, platform_id;

-- Wilson 95 % interval as in regional_indicators (z = 1.959964).
CREATE TABLE release_sampling_by_category AS
WITH s AS (
  SELECT q.quarter, c.code, c.name, COALESCE(x.samples, 0) AS samples, COALESCE(x.failed, 0) AS failed
  FROM quarters q CROSS JOIN ref_categories c
  LEFT JOIN (
    SELECT quarter, category, count(*) AS samples,
           SUM(CASE WHEN result = '不合格' THEN 1 ELSE 0 END) AS failed
    FROM sampling GROUP BY quarter, category
  ) x ON x.quarter = q.quarter AND x.category = c.code
  WHERE c.code LIKE 'G%'
),
p AS (SELECT *, CASE WHEN samples > 0 THEN CAST(failed AS DOUBLE) / samples END AS rate FROM s)
SELECT quarter, code AS category_code, name AS category_name, samples, failed,
  rate * 100 AS sample_fail_rate,
  CASE WHEN samples > 0 THEN
    (rate + 1.959964 * 1.959964 / (2.0 * samples)
     - 1.959964 * sqrt(rate * (1 - rate) / samples + 1.959964 * 1.959964 / (4.0 * samples * samples)))
    / (1 + 1.959964 * 1.959964 / samples) * 100 END AS ci_low,
  CASE WHEN samples > 0 THEN
    (rate + 1.959964 * 1.959964 / (2.0 * samples)
     + 1.959964 * sqrt(rate * (1 - rate) / samples + 1.959964 * 1.959964 / (4.0 * samples * samples)))
    / (1 + 1.959964 * 1.959964 / samples) * 100 END AS ci_high
FROM p
ORDER BY quarter, code;

CREATE TABLE release_alerts AS
SELECT a.quarter, a.region_code, a.region_name, a.alert, t.label AS alert_label,
       CASE WHEN a.alert = 'complaint_cusum' THEN a.value ELSE a.value * 100 END AS value,
       CASE WHEN a.alert = 'complaint_cusum' THEN a.threshold ELSE a.threshold * 100 END AS threshold,
       CASE WHEN a.alert = 'complaint_cusum' THEN '累积和' ELSE '%' END AS unit
FROM alerts a
LEFT JOIN ref_alert_types t ON t.alert = a.alert
ORDER BY a.quarter, a.region_code, a.alert;
