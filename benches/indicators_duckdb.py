#!/usr/bin/env python3
"""Runs the indicator SQL of queries/*.sql in DuckDB over the lake's Parquet
files, for the indicators benchmark. The SQL is the project's own, with the
few DataFusion-only spellings rewritten to DuckDB's (listed below), so both
engines do the same work on the same files.

Usage: indicators_duckdb.py LAKE_DIR QUERIES_DIR
Prints the seconds spent and the row count of each output table."""
import glob, json, os, re, sys, time

import duckdb

lake, queries = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET threads = 2")

# Current files of each Delta table: replay the log (add/remove actions).
def current_files(table_dir):
    files = set()
    for log in sorted(glob.glob(os.path.join(table_dir, "_delta_log", "*.json"))):
        for line in open(log, encoding="utf-8"):
            a = json.loads(line)
            if "add" in a:
                files.add(a["add"]["path"])
            elif "remove" in a:
                files.discard(a["remove"]["path"])
    return [os.path.join(table_dir, f) for f in sorted(files)]

catalog = json.load(open(os.path.join(lake, "_catalog", "current.json")))
for name, entry in catalog["tables"].items():
    if entry["kind"] == "indicator":
        continue
    files = current_files(os.path.join(lake, name))
    if not files:
        continue
    lst = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{lst}], hive_partitioning = true, union_by_name = true)")
con.execute(f"CREATE TABLE risk_weights AS SELECT * FROM read_csv('{queries}/risk_weights.csv', header = true)")
# The contract's vocabularies, registered by wangjian from the same files.
reference = os.path.join(os.path.dirname(os.path.abspath(queries)), "data", "reference")
for table, file in [("ref_tiers", "tiers"), ("ref_alert_types", "alert_types"), ("ref_funnel_limits", "funnel_limits")]:
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{reference}/{file}.csv', header = true)")

REWRITES = [
    # date difference in days
    (r"CAST\(CAST\((\w+) AS DATE\) AS BIGINT\) - CAST\(CAST\((\w+) AS DATE\) AS BIGINT\)",
     r"date_diff('day', CAST(\2 AS DATE), CAST(\1 AS DATE))"),
    (r"CAST\(CAST\((\w+) AS BIGINT\) - CAST\((\w+) AS BIGINT\) AS DOUBLE\)",
     r"CAST(date_diff('day', \2, \1) AS DOUBLE)"),
    # a timestamp floored to its day, in microseconds
    (r"CAST\(date_bin\(INTERVAL '1 day', (\w+)\) AS BIGINT\)", r"epoch_us(date_trunc('day', \1))"),
    # to_date(text) -> CAST(text AS DATE)
    (r"to_date\(concat\(", "CAST(concat("),
    (r"END\n  \)\) AS quarter_end", "END\n  ) AS DATE) AS quarter_end"),
    # integer division of the quarter index
    (r"quarter_idx / 4", "quarter_idx // 4"),
    # integer divisions of the rank intervals' percentiles and the months
    (r"\(s \+ 1\) / 2", "(s + 1) // 2"),
    (r" \+ 99\) / 100", " + 99) // 100"),
    (r"month_idx / 12", "month_idx // 12"),
    (r"AS BIGINT\) \+ 2\) / 3", "AS BIGINT) + 2) // 3"),
    # a timestamp floored to its day (after the BIGINT form above)
    (r"date_bin\(INTERVAL '1 day', (\w+)\)", r"date_trunc('day', \1)"),
]

total = 0.0
for path in sorted(glob.glob(os.path.join(queries, "*.sql"))):
    sql = open(path, encoding="utf-8").read()
    for pat, rep in REWRITES:
        sql = re.sub(pat, rep, sql)
    for stmt in [x for x in re.split(r";\s*\n", sql) if x.strip() and not all(l.startswith("--") or not l.strip() for l in x.splitlines())]:
        t = time.time()
        con.execute(stmt)
        spent = time.time() - t
        total += spent
        if os.environ.get("TIMINGS"):
            head = " ".join(l for l in stmt.splitlines() if not l.startswith("--")).split(" AS ")[0][:60]
            print(f"{spent:.2f} s: {head}")
for name in ["regional_indicators", "platform_indicators", "risk_index", "risk_rank_intervals", "complaint_cusum", "alerts"]:
    print(name, con.execute(f"SELECT count(*) FROM {name}").fetchone()[0])
print(f"duckdb indicators: {total:.2f} s")
