#!/usr/bin/env python3
"""`conductor report` against the same aggregations written as SQL in DuckDB.

Usage:
    python3 benches/report_vs_duckdb.py RUN_DIR [--conductor PATH] [--repeat N]

Times `conductor report RUN_DIR --format json` (a whole process: start, scan, aggregate,
bootstrap, render) and, in this process, DuckDB running the report's queries over the same
Parquet files (scan, aggregate, fetch; the savings' bootstrap in NumPy), each `--repeat`
times, alternating, and prints the medians. It then checks that both computed the same
figures (cycle-time percentiles, bottleneck hours, paired savings), so the comparison is of
equal work. Needs `pip install duckdb numpy`.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np

LABELS = [
    "bug_fix", "build_and_test", "signoff", "crash_rate", "beta_usage", "store_review",
    "pause_fix", "bake", "itgc", "manual_action", "robot_poll", "unknown",
]


def tables(run):
    def t(name):
        return f"read_parquet('{run}/{name}/*/*.parquet', hive_partitioning = true)"
    return t("cycles"), t("segments"), t("transitions")


def duckdb_report(run, baseline="manual", seed=1, version=0):
    cycles, segments, transitions = tables(run)
    con = duckdb.connect()
    sets = "GROUPING SETS ((scenario, policy, platform), (scenario, policy))"
    label_sums = ", ".join(f"sum(hours_{l}) AS sum_{l}" for l in LABELS)
    out = {}
    out["cycles"] = con.sql(f"""
        SELECT scenario, policy, coalesce(platform, 'all') AS platform,
               count(*) AS tracks,
               count(*) FILTER (outcome = 'shipped') AS shipped,
               quantile_cont(cycle_hours, 0.5) AS p50,
               quantile_cont(cycle_hours, 0.85) AS p85,
               quantile_cont(cycle_hours, 0.95) AS p95,
               avg(cycle_hours) AS mean,
               count(*) FILTER (outcome = 'cancelled') AS cancelled,
               count(*) FILTER (pauses > 0) AS paused,
               sum(pauses) AS pauses,
               avg(blockers) AS blockers, avg(late_bugs) AS late_bugs,
               sum(rejections) AS rejections,
               count(submitted_at) + sum(resubmissions) AS submissions,
               avg(hours_manual_action) AS idle_mean,
               quantile_cont(hours_manual_action, [0.5, 0.9, 0.99]) AS idle_q,
               max(hours_manual_action) AS idle_max,
               {label_sums}
        FROM {cycles} GROUP BY {sets}""").fetchall()
    out["states"] = con.sql(f"""
        SELECT scenario, policy, coalesce(platform, 'all'), state, waiting_on, sum(hours)
        FROM {segments}
        GROUP BY GROUPING SETS ((scenario, policy, platform, state, waiting_on),
                                (scenario, policy, state, waiting_on))""").fetchall()
    out["reviews"] = con.sql(f"""
        SELECT scenario, policy, coalesce(platform, 'all'), count(*),
               quantile_cont(hours, 0.5), quantile_cont(hours, 0.9)
        FROM {segments} WHERE waiting_on = 'store_review' GROUP BY {sets}""").fetchall()
    out["longest"] = con.sql(f"""
        SELECT scenario, policy, coalesce(platform, 'all'), max(hours)
        FROM {segments} WHERE waiting_on = 'manual_action' GROUP BY {sets}""").fetchall()
    # The charts' distributions: per platform and pooled, as the report's small multiples.
    out["ecdf"] = con.sql(f"""
        SELECT scenario, policy, coalesce(platform, 'all'), list(cycle_hours ORDER BY cycle_hours)
        FROM {cycles} WHERE outcome = 'shipped' GROUP BY {sets}""").fetchall()
    policies = [r[0] for r in con.sql(
        f"SELECT DISTINCT policy FROM {cycles} ORDER BY policy").fetchall()]
    out["savings"] = {}
    out["steps"] = {}
    for other in (p for p in policies if p != baseline):
        pairs = f"""
            SELECT a.scenario, a.seed, a.version, a.platform,
                   a.cycle_hours - b.cycle_hours AS saving
            FROM {cycles} a JOIN {cycles} b USING (scenario, seed, version, platform)
            WHERE a.policy = '{baseline}' AND b.policy = '{other}'
              AND a.outcome = 'shipped' AND b.outcome = 'shipped'"""
        rows = con.sql(f"""
            SELECT scenario, coalesce(platform, 'all'), count(*), avg(saving),
                   quantile_cont(saving, 0.5), quantile_cont(saving, 0.9),
                   list(saving ORDER BY seed, version, platform), list(seed ORDER BY seed, version, platform)
            FROM ({pairs}) GROUP BY GROUPING SETS ((scenario, platform), (scenario))""").fetchall()
        result = []
        rng = np.random.default_rng(0)
        for scenario, platform, n, mean, p50, p90, savings, seeds in rows:
            # Percentile bootstrap of the mean, resampling whole seeds, 2000 times.
            s = np.asarray(savings)
            seeds = np.asarray(seeds)
            uniq, inv = np.unique(seeds, return_inverse=True)
            sums = np.bincount(inv, weights=s)
            counts = np.bincount(inv)
            picks = rng.integers(0, len(uniq), size=(2000, len(uniq)))
            means = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
            lo, hi = np.quantile(means, [0.025, 0.975])
            result.append((scenario, platform, n, mean, p50, p90, lo, hi))
        out["savings"][other] = result
        waits = lambda p: f"""
            SELECT scenario, seed, version, platform, from_state, to_state,
                   sum(wait_minutes) / 60 AS h
            FROM {transitions} WHERE policy = '{p}' AND wait_minutes IS NOT NULL
            GROUP BY ALL"""
        out["steps"][other] = con.sql(f"""
            WITH p AS ({pairs}),
                 j AS (SELECT scenario, seed, version, platform, from_state, to_state,
                              coalesce(a.h, 0) AS base, coalesce(b.h, 0) AS other
                       FROM ({waits(baseline)}) a
                       FULL JOIN ({waits(other)}) b
                       USING (scenario, seed, version, platform, from_state, to_state))
            SELECT scenario, coalesce(j.platform, 'all'), from_state, to_state,
                   sum(base), sum(other)
            FROM j JOIN p USING (scenario, seed, version, platform)
            GROUP BY GROUPING SETS ((scenario, j.platform, from_state, to_state),
                                    (scenario, from_state, to_state))""").fetchall()
    out["timeline"] = con.sql(f"""
        SELECT policy, platform, state, epoch_ms(start), epoch_ms("end")
        FROM {segments} WHERE seed = {seed} AND version = {version}
        ORDER BY start""").fetchall()
    con.close()
    return out


def conductor_report(binary, run):
    out = subprocess.run(
        [binary, "report", str(run), "--format", "json"],
        check=True, capture_output=True,
    )
    return json.loads(out.stdout)


def check_same(duck, report):
    """The figures both computed agree (to the report's 4-decimal rounding)."""
    mine = {(r["scenario"], r["policy"], r["platform"]): r for r in report["cycle_time"]}
    checked = 0
    for row in duck["cycles"]:
        r = mine[(row[0], row[1], row[2])]
        assert r["tracks"] == row[3] and r["shipped"] == row[4], (r, row)
        for key, v in zip(["cycle_p50_hours", "cycle_p85_hours", "cycle_p95_hours",
                           "cycle_mean_hours"], row[5:9]):
            assert abs(r[key] - v) < 2e-4, (key, r[key], v)
            checked += 1
    bott = {(r["scenario"], r["policy"], r["platform"], r["waiting_on"]): r
            for r in report["bottlenecks"]}
    for row in duck["cycles"]:
        for label, total in zip(LABELS, row[-len(LABELS):]):
            r = bott.get((row[0], row[1], row[2], label))
            got = r["hours_per_cycle"] if r else 0.0
            assert abs(got - total / row[3]) < 2e-4, (label, got, total / row[3])
            checked += 1
    sav = {(r["scenario"], r["policy"], r["platform"]): r for r in report["savings"]}
    for other, rows in duck["savings"].items():
        for scenario, platform, n, mean, p50, p90, lo, hi in rows:
            r = sav[(scenario, other, platform)]
            assert r["pairs"] == n
            for key, v in [("saving_mean_hours", mean), ("saving_p50_hours", p50),
                           ("saving_p90_hours", p90)]:
                assert abs(r[key] - v) < 2e-4, (key, r[key], v)
                checked += 1
            # Different generators: the intervals agree to sampling noise only.
            assert abs(r["saving_ci95_low_hours"] - lo) < 0.1 * max(1.0, hi - lo), (r, lo)
    return checked


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--conductor", default="target/release/conductor")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    conductor_report(args.conductor, args.run)  # warm the page cache
    duckdb_report(args.run)
    times = {"conductor": [], "duckdb": []}
    for _ in range(args.repeat):
        t = time.perf_counter()
        report = conductor_report(args.conductor, args.run)
        times["conductor"].append(time.perf_counter() - t)
        t = time.perf_counter()
        duck = duckdb_report(args.run)
        times["duckdb"].append(time.perf_counter() - t)
    checked = check_same(duck, report)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"figures cross-checked: {checked}")
    print(f"duckdb {duckdb.__version__}, {args.repeat} runs each, alternating; median (min–max) s")
    for k, v in times.items():
        print(f"  {k:10s} {med[k]:.3f} ({min(v):.3f}–{max(v):.3f})")
    print(f"  conductor / duckdb = {med['conductor'] / med['duckdb']:.2f}")


if __name__ == "__main__":
    sys.exit(main())
