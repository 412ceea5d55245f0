-- Shared pieces: the quarter grid and the regions of every indicator table.
-- quarters: every quarter from the earliest to the latest found in any event
--   table (complaints received_at, cases filed_at, sampling sampled_at,
--   monitoring observed_at; `quarter` is set by ingest from the local date).
--   Grain: one row per quarter. quarter_idx = year * 4 + (n - 1).
-- quarters is read by nearly every statement, so it is computed once, as the
--   work table _quarters (a view would scan the event tables each time).
-- regions: the 31 provinces with their 2020 census population, plus 全国
--   (000000) with the sum. Sources: ref_provinces.

-- The first and last quarter of each event table (quarter labels sort in
-- time order). min/max of the partition column alone is cheap; an
-- expression over every row's quarter would read every row.
CREATE VIEW event_quarters AS
SELECT min(quarter) AS first_q, max(quarter) AS last_q FROM complaints
UNION ALL SELECT min(quarter), max(quarter) FROM cases
UNION ALL SELECT min(quarter), max(quarter) FROM sampling
UNION ALL SELECT min(quarter), max(quarter) FROM monitoring;

CREATE TABLE _quarters AS
WITH bounds AS (
  SELECT min(CAST(substr(first_q, 1, 4) AS BIGINT) * 4 + CAST(substr(first_q, 6, 1) AS BIGINT) - 1) AS lo,
         max(CAST(substr(last_q, 1, 4) AS BIGINT) * 4 + CAST(substr(last_q, 6, 1) AS BIGINT) - 1) AS hi
  FROM event_quarters
),
idx AS (
  SELECT unnest(range(lo, hi + 1)) AS quarter_idx FROM bounds WHERE lo IS NOT NULL
)
SELECT
  quarter_idx,
  concat(CAST(quarter_idx / 4 AS VARCHAR), 'Q', CAST(quarter_idx % 4 + 1 AS VARCHAR)) AS quarter,
  to_date(concat(
    CAST(quarter_idx / 4 AS VARCHAR),
    CASE quarter_idx % 4 WHEN 0 THEN '-03-31' WHEN 1 THEN '-06-30' WHEN 2 THEN '-09-30' ELSE '-12-31' END
  )) AS quarter_end
FROM idx;

CREATE VIEW quarters AS SELECT quarter_idx, quarter, quarter_end FROM _quarters;

CREATE VIEW regions AS
SELECT code AS region_code, name AS region_name, population FROM ref_provinces
UNION ALL
SELECT '000000' AS region_code, '全国' AS region_name, sum(population) AS population FROM ref_provinces;
