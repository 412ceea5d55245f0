-- load_summary: the latest load run by source, as the dashboard's data
-- quality section shows it. A view (run at report time), not a stored table:
-- it must follow every ingest, also those after the last `indicators`.
-- Grain: one row per source of the latest run. Sources: load_runs.
SELECT run, source,
       count(*) AS files,
       sum(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) AS rejected,
       sum(rows_read) AS rows_read,
       sum(loaded) AS loaded,
       sum(superseded) AS superseded,
       sum(quarantined) AS quarantined
FROM load_runs
WHERE run = (SELECT max(run) FROM load_runs)
GROUP BY run, source
ORDER BY source
