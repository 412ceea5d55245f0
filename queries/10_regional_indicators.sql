-- regional_indicators: the regional indicator family of indicators.md.
-- Grain: one row per quarter × province (31) plus the national row
--   (000000 全国, computed from the rows themselves via GROUPING SETS, never
--   by averaging provinces). Every quarter of the grid and every province is
--   present; counts are 0 and rates NULL where there are no records.
-- Units: counts; rates are fractions in [0, 1]; per-100k figures per 100 000
--   residents (2020 census); money in yuan; durations in whole days between
--   local dates.
-- Sources: complaints, cases, sampling, monitoring, entities, ref_provinces.
--
-- @table regional_indicators
-- @column quarter: YYYYQn
-- @column region_code: province XX0000, or 000000 for 全国
-- @column region_name: full name, 全国 for the national row
-- @column population: 2020 census population (sum for 全国)
-- @column complaints: online complaints (kind 投诉, online) received in the quarter
-- @column reports: online reports (kind 举报, online)
-- @column online_share: (complaints + reports) / all complaint-table records of the quarter
-- @column complaints_per_100k: complaints per 100 000 residents
-- @column complaints_qoq: complaints / previous quarter - 1 (NULL if previous is 0 or absent)
-- @column complaints_yoy: complaints / same quarter a year earlier - 1 (NULL if 0 or absent)
-- @column closed_60d_rate: share of online complaints closed within 60 days (local dates)
-- @column mediation_success_rate: 调解成功 / (调解成功 + 调解不成功) among online complaints
-- @column recovery_ratio: Σ recovered_yuan / Σ amount_yuan over online complaints with both, amount > 0
-- @column seven_day_return_share: share of online complaints about seven-day no-reason return
-- @column complaint_to_case_rate: online records of both kinds with outcome 转立案 / (complaints + reports)
-- @column cases: online cases filed in the quarter, not 撤销
-- @column cases_per_100k: cases per 100 000 residents
-- @column cross_region_case_share: share of cases (known party region) whose party province differs from the handling province
-- @column penalties_yuan: Σ fine + confiscated (missing as 0), yuan
-- @column case_median_days: median days filed -> closed over closed cases
-- @column police_transfers: cases transferred to the police
-- @column samples: sampling batches sampled in the quarter
-- @column sample_fail_rate: batches 不合格 / samples
-- @column sample_fail_ci_low: Wilson 95 % lower bound of sample_fail_rate
-- @column sample_fail_ci_high: Wilson 95 % upper bound of sample_fail_rate
-- @column counterfeit_rate: counterfeit batches / samples
-- @column monitor_checks: monitoring records observed in the quarter
-- @column monitor_hit_rate: records with a finding (≠ 未发现问题) / checks
-- @column monitor_counterfeit_rate: records 疑似假冒 / checks
-- @column monitor_referral_rate: findings with action 移送立案 / findings
-- @column repeat_offender_share: share of distinct party USCCs of the quarter's online cases that had an online case in an earlier quarter
-- @column credit_flagged_share: share of distinct respondent USCCs of online complaints on the abnormal or serious list on the quarter's last day

-- Complaint-table figures. "Online complaints" = kind 投诉 and online.
CREATE VIEW ri_complaints AS
SELECT
  quarter,
  COALESCE(province_code, '000000') AS region_code,
  SUM(CASE WHEN kind = '投诉' AND is_online THEN 1 ELSE 0 END) AS complaints,
  SUM(CASE WHEN kind = '举报' AND is_online THEN 1 ELSE 0 END) AS reports,
  COUNT(*) AS all_records,
  -- Whole days between local dates: each time floored to its day (date_bin
  -- is integer arithmetic; a cast to DATE goes through calendar
  -- conversions, a quarter of this statement's time), in microseconds.
  SUM(CASE WHEN kind = '投诉' AND is_online AND closed_at IS NOT NULL
            AND CAST(date_bin(INTERVAL '1 day', closed_at) AS BIGINT)
                - CAST(date_bin(INTERVAL '1 day', received_at) AS BIGINT) <= 60 * 86400000000
           THEN 1 ELSE 0 END) AS closed_60d,
  SUM(CASE WHEN kind = '投诉' AND is_online AND outcome = '调解成功' THEN 1 ELSE 0 END) AS mediated_ok,
  SUM(CASE WHEN kind = '投诉' AND is_online AND outcome IN ('调解成功', '调解不成功') THEN 1 ELSE 0 END) AS mediated,
  SUM(CASE WHEN kind = '投诉' AND is_online AND recovered_yuan IS NOT NULL AND amount_yuan > 0
           THEN recovered_yuan END) AS recovered,
  SUM(CASE WHEN kind = '投诉' AND is_online AND recovered_yuan IS NOT NULL AND amount_yuan > 0
           THEN amount_yuan END) AS involved,
  SUM(CASE WHEN kind = '投诉' AND is_online AND recovered_yuan IS NOT NULL AND amount_yuan > 0
           THEN 1 ELSE 0 END) AS recovery_base,
  SUM(CASE WHEN kind = '投诉' AND is_online AND seven_day_return THEN 1 ELSE 0 END) AS seven_day,
  SUM(CASE WHEN is_online AND outcome = '转立案' THEN 1 ELSE 0 END) AS to_case
FROM complaints
GROUP BY GROUPING SETS ((quarter, province_code), (quarter));

-- Online cases filed in the quarter, any status but 撤销.
CREATE VIEW ri_cases AS
SELECT
  quarter,
  COALESCE(province_code, '000000') AS region_code,
  COUNT(*) AS cases,
  SUM(CASE WHEN party_region_code IS NOT NULL THEN 1 ELSE 0 END) AS party_known,
  SUM(CASE WHEN party_region_code IS NOT NULL
            AND substr(party_region_code, 1, 2) <> substr(province_code, 1, 2) THEN 1 ELSE 0 END) AS cross_region,
  SUM(COALESCE(fine_yuan, 0) + COALESCE(confiscated_yuan, 0)) AS penalties_yuan,
  SUM(CASE WHEN COALESCE(fine_yuan, 0) + COALESCE(confiscated_yuan, 0) > 0 THEN 1 ELSE 0 END) AS penalised,
  median(CASE WHEN closed_at IS NOT NULL
              THEN CAST(CAST(closed_at AS BIGINT) - CAST(filed_at AS BIGINT) AS DOUBLE) END) AS case_median_days,
  SUM(CASE WHEN police_transfer THEN 1 ELSE 0 END) AS police_transfers
FROM cases
WHERE is_online AND status <> '撤销'
GROUP BY GROUPING SETS ((quarter, province_code), (quarter));

-- Repeat offenders: distinct party USCCs of the quarter's online cases that
-- were party to an online case (any province, not 撤销) in an earlier quarter.
CREATE VIEW ri_repeat AS
WITH online_cases AS (
  SELECT quarter, province_code, party_uscc FROM cases
  WHERE is_online AND status <> '撤销' AND party_uscc IS NOT NULL
),
first_seen AS (
  SELECT party_uscc, min(quarter) AS first_quarter FROM online_cases GROUP BY party_uscc
)
SELECT
  o.quarter,
  COALESCE(o.province_code, '000000') AS region_code,
  COUNT(DISTINCT o.party_uscc) AS parties,
  COUNT(DISTINCT CASE WHEN f.first_quarter < o.quarter THEN o.party_uscc END) AS repeaters
FROM online_cases o JOIN first_seen f ON f.party_uscc = o.party_uscc
GROUP BY GROUPING SETS ((o.quarter, o.province_code), (o.quarter));

-- Credit exposure: distinct respondent USCCs of the quarter's online
-- complaints on the abnormal or serious list on the quarter's last day.
-- _ri_credit_flags: the quarter × USCC pairs on a list that day (only listed
-- entities, so small). A province counts its distinct respondents, the
-- national row distinct respondents over all provinces (one in two
-- provinces counts once). Each count is its own work table, so the two
-- large DISTINCTs run one after the other, never together, and a plain
-- DISTINCT replaces COUNT(DISTINCT) over grouping sets, which DataFusion
-- runs several times more slowly (docs/benchmarks.md).
CREATE TABLE _ri_credit_flags AS
SELECT DISTINCT q.quarter, e.uscc
FROM entities e CROSS JOIN quarters q
WHERE (e.abnormal_since <= q.quarter_end
       AND (e.abnormal_until IS NULL OR e.abnormal_until > q.quarter_end))
   OR e.serious_since <= q.quarter_end;

CREATE TABLE _ri_credit_province AS
SELECT r.quarter, COALESCE(r.province_code, '000000') AS region_code,
       COUNT(*) AS respondents,
       SUM(CASE WHEN f.uscc IS NOT NULL THEN 1 ELSE 0 END) AS flagged
FROM (
  SELECT DISTINCT quarter, province_code, respondent_uscc AS uscc FROM complaints
  WHERE kind = '投诉' AND is_online AND respondent_uscc IS NOT NULL
) r
LEFT JOIN _ri_credit_flags f ON f.quarter = r.quarter AND f.uscc = r.uscc
GROUP BY r.quarter, r.province_code;

CREATE TABLE _ri_credit_national AS
SELECT r.quarter, '000000' AS region_code,
       COUNT(*) AS respondents,
       SUM(CASE WHEN f.uscc IS NOT NULL THEN 1 ELSE 0 END) AS flagged
FROM (
  SELECT DISTINCT quarter, respondent_uscc AS uscc FROM complaints
  WHERE kind = '投诉' AND is_online AND respondent_uscc IS NOT NULL
) r
LEFT JOIN _ri_credit_flags f ON f.quarter = r.quarter AND f.uscc = r.uscc
GROUP BY r.quarter;

CREATE VIEW ri_credit AS
SELECT * FROM _ri_credit_province UNION ALL SELECT * FROM _ri_credit_national;

CREATE VIEW ri_sampling AS
SELECT
  quarter,
  COALESCE(province_code, '000000') AS region_code,
  COUNT(*) AS samples,
  SUM(CASE WHEN result = '不合格' THEN 1 ELSE 0 END) AS failed,
  SUM(CASE WHEN counterfeit THEN 1 ELSE 0 END) AS counterfeit
FROM sampling
GROUP BY GROUPING SETS ((quarter, province_code), (quarter));

CREATE VIEW ri_monitoring AS
SELECT
  quarter,
  COALESCE(province_code, '000000') AS region_code,
  COUNT(*) AS checks,
  SUM(CASE WHEN finding <> '未发现问题' THEN 1 ELSE 0 END) AS hits,
  SUM(CASE WHEN finding = '疑似假冒' THEN 1 ELSE 0 END) AS counterfeit,
  SUM(CASE WHEN finding <> '未发现问题' AND action = '移送立案' THEN 1 ELSE 0 END) AS referred
FROM monitoring
GROUP BY GROUPING SETS ((quarter, province_code), (quarter));

-- Every quarter × region with its raw figures (0 where nothing happened).
-- A work table: regional_indicators reads it three times (the quarter, the
-- one before, a year before) and the release tables once more; as a view
-- each read would scan the lake again.
CREATE TABLE _ri_base AS
SELECT
  q.quarter, q.quarter_idx, g.region_code, g.region_name, g.population,
  COALESCE(c.complaints, 0) AS complaints,
  COALESCE(c.reports, 0) AS reports,
  COALESCE(c.all_records, 0) AS all_records,
  COALESCE(c.closed_60d, 0) AS closed_60d,
  COALESCE(c.mediated_ok, 0) AS mediated_ok,
  COALESCE(c.mediated, 0) AS mediated,
  c.recovered, c.involved,
  COALESCE(c.recovery_base, 0) AS recovery_base,
  COALESCE(c.seven_day, 0) AS seven_day,
  COALESCE(c.to_case, 0) AS to_case,
  COALESCE(k.cases, 0) AS cases,
  COALESCE(k.party_known, 0) AS party_known,
  COALESCE(k.cross_region, 0) AS cross_region,
  COALESCE(k.penalties_yuan, 0) AS penalties_yuan,
  COALESCE(k.penalised, 0) AS penalised,
  k.case_median_days,
  COALESCE(k.police_transfers, 0) AS police_transfers,
  COALESCE(s.samples, 0) AS samples,
  COALESCE(s.failed, 0) AS failed,
  COALESCE(s.counterfeit, 0) AS counterfeit,
  COALESCE(m.checks, 0) AS checks,
  COALESCE(m.hits, 0) AS hits,
  COALESCE(m.counterfeit, 0) AS monitor_counterfeit,
  COALESCE(m.referred, 0) AS referred,
  COALESCE(r.parties, 0) AS parties,
  COALESCE(r.repeaters, 0) AS repeaters,
  COALESCE(cr.respondents, 0) AS respondents,
  COALESCE(cr.flagged, 0) AS flagged
FROM quarters q
CROSS JOIN regions g
LEFT JOIN ri_complaints c ON c.quarter = q.quarter AND c.region_code = g.region_code
LEFT JOIN ri_cases k ON k.quarter = q.quarter AND k.region_code = g.region_code
LEFT JOIN ri_sampling s ON s.quarter = q.quarter AND s.region_code = g.region_code
LEFT JOIN ri_monitoring m ON m.quarter = q.quarter AND m.region_code = g.region_code
LEFT JOIN ri_repeat r ON r.quarter = q.quarter AND r.region_code = g.region_code
LEFT JOIN ri_credit cr ON cr.quarter = q.quarter AND cr.region_code = g.region_code;

CREATE VIEW ri_base AS SELECT * FROM _ri_base;

CREATE TABLE regional_indicators AS
SELECT
  b.quarter,
  b.region_code,
  b.region_name,
  b.population,
  b.complaints,
  b.reports,
  CASE WHEN b.all_records > 0 THEN CAST(b.complaints + b.reports AS DOUBLE) / b.all_records END AS online_share,
  CAST(b.complaints AS DOUBLE) / b.population * 100000 AS complaints_per_100k,
  CASE WHEN p.complaints > 0 THEN CAST(b.complaints AS DOUBLE) / p.complaints - 1 END AS complaints_qoq,
  CASE WHEN y.complaints > 0 THEN CAST(b.complaints AS DOUBLE) / y.complaints - 1 END AS complaints_yoy,
  CASE WHEN b.complaints > 0 THEN CAST(b.closed_60d AS DOUBLE) / b.complaints END AS closed_60d_rate,
  CASE WHEN b.mediated > 0 THEN CAST(b.mediated_ok AS DOUBLE) / b.mediated END AS mediation_success_rate,
  CASE WHEN b.involved > 0 THEN CAST(b.recovered AS DOUBLE) / CAST(b.involved AS DOUBLE) END AS recovery_ratio,
  CASE WHEN b.complaints > 0 THEN CAST(b.seven_day AS DOUBLE) / b.complaints END AS seven_day_return_share,
  CASE WHEN b.complaints + b.reports > 0 THEN CAST(b.to_case AS DOUBLE) / (b.complaints + b.reports) END AS complaint_to_case_rate,
  b.cases,
  CAST(b.cases AS DOUBLE) / b.population * 100000 AS cases_per_100k,
  CASE WHEN b.party_known > 0 THEN CAST(b.cross_region AS DOUBLE) / b.party_known END AS cross_region_case_share,
  CAST(b.penalties_yuan AS DECIMAL(20, 2)) AS penalties_yuan,
  b.case_median_days,
  b.police_transfers,
  b.samples,
  CASE WHEN b.samples > 0 THEN CAST(b.failed AS DOUBLE) / b.samples END AS sample_fail_rate,
  CASE WHEN b.samples > 0 THEN
    (CAST(b.failed AS DOUBLE) / b.samples + 1.959964 * 1.959964 / (2.0 * b.samples)
     - 1.959964 * sqrt(CAST(b.failed AS DOUBLE) / b.samples * (1 - CAST(b.failed AS DOUBLE) / b.samples) / b.samples
                       + 1.959964 * 1.959964 / (4.0 * b.samples * b.samples)))
    / (1 + 1.959964 * 1.959964 / b.samples) END AS sample_fail_ci_low,
  CASE WHEN b.samples > 0 THEN
    (CAST(b.failed AS DOUBLE) / b.samples + 1.959964 * 1.959964 / (2.0 * b.samples)
     + 1.959964 * sqrt(CAST(b.failed AS DOUBLE) / b.samples * (1 - CAST(b.failed AS DOUBLE) / b.samples) / b.samples
                       + 1.959964 * 1.959964 / (4.0 * b.samples * b.samples)))
    / (1 + 1.959964 * 1.959964 / b.samples) END AS sample_fail_ci_high,
  CASE WHEN b.samples > 0 THEN CAST(b.counterfeit AS DOUBLE) / b.samples END AS counterfeit_rate,
  b.checks AS monitor_checks,
  CASE WHEN b.checks > 0 THEN CAST(b.hits AS DOUBLE) / b.checks END AS monitor_hit_rate,
  CASE WHEN b.checks > 0 THEN CAST(b.monitor_counterfeit AS DOUBLE) / b.checks END AS monitor_counterfeit_rate,
  CASE WHEN b.hits > 0 THEN CAST(b.referred AS DOUBLE) / b.hits END AS monitor_referral_rate,
  CASE WHEN b.parties > 0 THEN CAST(b.repeaters AS DOUBLE) / b.parties END AS repeat_offender_share,
  CASE WHEN b.respondents > 0 THEN CAST(b.flagged AS DOUBLE) / b.respondents END AS credit_flagged_share
FROM ri_base b
LEFT JOIN ri_base p ON p.region_code = b.region_code AND p.quarter_idx = b.quarter_idx - 1
LEFT JOIN ri_base y ON y.region_code = b.region_code AND y.quarter_idx = b.quarter_idx - 4
ORDER BY b.quarter, b.region_code;
