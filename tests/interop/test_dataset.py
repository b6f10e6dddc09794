"""pyarrow, DuckDB and polars read conductor's Hive-partitioned dataset and get
conductor's own numbers: the row counts it wrote, and `conductor report`'s group sizes,
cycle-time percentiles (Hyndman–Fan type 7: DuckDB's quantile_cont, pyarrow's linear
interpolation) and bottleneck hours.

The report rounds to 4 decimals, so a figure agrees when it is within half a unit of the
4th decimal; a different percentile method misses by far more (tested below), so these
comparisons can fail.
"""

import shutil

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

from conftest import PERCENTILES, TABLES, close, rows_by


def hive(path) -> ds.Dataset:
    return ds.dataset(path, format="parquet", partitioning="hive")


def duck_scan(runs, table: str) -> str:
    files = ", ".join(f"'{r.glob(table)}'" for r in runs.values())
    return f"read_parquet([{files}], hive_partitioning = true)"


def duck_rows(sql: str) -> list[dict]:
    rel = duckdb.sql(sql)
    return [dict(zip(rel.columns, row)) for row in rel.fetchall()]


# ---------------------------------------------------------------------------------------
# Row counts


@pytest.mark.parametrize("table", TABLES)
def test_pyarrow_reads_every_row_conductor_wrote(runs, table):
    for r in runs.values():
        assert hive(r.path / table).count_rows() == r.rows[table], (r.name, table)


@pytest.mark.parametrize("table", TABLES)
def test_duckdb_reads_every_row_conductor_wrote(runs, table):
    for r in runs.values():
        [(count,)] = duckdb.sql(
            f"SELECT count(*) FROM read_parquet('{r.glob(table)}', hive_partitioning = true)"
        ).fetchall()
        assert count == r.rows[table], (r.name, table)


@pytest.mark.parametrize("table", TABLES)
def test_polars_reads_every_row_conductor_wrote(runs, table):
    for r in runs.values():
        lf = pl.scan_parquet(r.glob(table), hive_partitioning=True)
        assert lf.select(pl.len()).collect().item() == r.rows[table], (r.name, table)


def test_a_part_being_written_is_invisible_to_the_readers(run, tmp_path):
    """docs/formats.md: the hidden `.<name>.tmp` of a part being written is skipped by
    pyarrow and not matched by the `*/*.parquet` globs of DuckDB and polars."""
    copy = tmp_path / "run"
    shutil.copytree(run.path, copy)
    for table in TABLES:
        folder = copy / table / "policy=robot"
        half = next(folder.glob("*.parquet")).read_bytes()
        (folder / ".seeds-00000099-00000106.parquet.tmp").write_bytes(half[: len(half) // 2])
        glob = str(copy / table / "*" / "*.parquet")
        assert hive(copy / table).count_rows() == run.rows[table]
        [(count,)] = duckdb.sql(
            f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = true)").fetchall()
        assert count == run.rows[table]
        lf = pl.scan_parquet(glob, hive_partitioning=True)
        assert lf.select(pl.len()).collect().item() == run.rows[table]


def test_the_policy_partition_is_a_column(run):
    """The Hive path gives the policy, with the manifest's policies as its values."""
    policies = hive(run.path / "cycles").to_table(columns=["policy"]).column("policy")
    assert sorted(pc.unique(policies).to_pylist()) == ["manual", "robot", "robot-except-100"]
    [(count,)] = duckdb.sql(
        f"SELECT count(DISTINCT policy) FROM read_parquet('{run.glob('cycles')}', "
        "hive_partitioning = true)").fetchall()
    assert count == 3


def test_group_sizes_match_the_report(runs, report):
    """Tracks and shipped tracks per scenario × policy × platform (and pooled)."""
    rows = duck_rows(f"""
        SELECT scenario, policy, coalesce(platform, 'all') AS platform,
               count(*) AS tracks, count(*) FILTER (outcome = 'shipped') AS shipped
        FROM {duck_scan(runs, 'cycles')}
        GROUP BY GROUPING SETS ((scenario, policy, platform), (scenario, policy))""")
    expected = rows_by(report["cycle_time"], "scenario", "policy", "platform")
    assert len(rows) == len(expected) == 2 * 3 * 4
    for row in rows:
        want = expected[(row["scenario"], row["policy"], row["platform"])]
        assert (row["tracks"], row["shipped"]) == (want["tracks"], want["shipped"]), row


# ---------------------------------------------------------------------------------------
# Cycle-time percentiles


def duckdb_cycle_time(runs, quantile: str) -> list[dict]:
    """Per group: `quantile`(cycle_hours, q) for the report's percentiles, and the mean."""
    cols = ",\n".join(f"{quantile}(cycle_hours, {q}) AS {name}"
                      for name, q in PERCENTILES.items())
    return duck_rows(f"""
        SELECT scenario, policy, coalesce(platform, 'all') AS platform,
               {cols}, avg(cycle_hours) AS cycle_mean_hours
        FROM {duck_scan(runs, 'cycles')}
        WHERE outcome = 'shipped'
        GROUP BY GROUPING SETS ((scenario, policy, platform), (scenario, policy))""")


def test_duckdb_quantile_cont_gives_the_reports_percentiles(runs, report):
    expected = rows_by(report["cycle_time"], "scenario", "policy", "platform")
    assert report["percentile_method"].lower().startswith("linear"), report["percentile_method"]
    rows = duckdb_cycle_time(runs, "quantile_cont")
    assert len(rows) == len(expected)
    for row in rows:
        want = expected[(row["scenario"], row["policy"], row["platform"])]
        for name in [*PERCENTILES, "cycle_mean_hours"]:
            assert close(row[name], want[name]), (row, name, want[name])


def test_another_percentile_method_would_be_caught(runs, report):
    """quantile_disc (the nearest order statistic, type 1) misses the report's figures by
    more than the comparison allows, so the test above tells the methods apart."""
    expected = rows_by(report["cycle_time"], "scenario", "policy", "platform")
    misses = [
        (row["scenario"], row["policy"], row["platform"], name)
        for row in duckdb_cycle_time(runs, "quantile_disc")
        for name in PERCENTILES
        if not close(row[name], expected[(row["scenario"], row["policy"], row["platform"])][name])
    ]
    assert len(misses) > len(expected) * len(PERCENTILES) / 2, misses  # most figures differ


def test_pyarrow_linear_quantiles_give_the_reports_percentiles(runs, report):
    expected = rows_by(report["cycle_time"], "scenario", "policy", "platform")
    checked = 0
    for r in runs.values():
        table = hive(r.path / "cycles").to_table(
            columns=["scenario", "policy", "platform", "outcome", "cycle_hours"],
            filter=ds.field("outcome") == "shipped")
        for (scenario, policy, platform), want in expected.items():
            if scenario != r.name:
                continue
            mask = pc.equal(table["policy"], policy)
            if platform != "all":
                mask = pc.and_(mask, pc.equal(table["platform"], platform))
            hours = table.filter(mask)["cycle_hours"]
            got = pc.quantile(hours, q=list(PERCENTILES.values()), interpolation="linear")
            for name, value in zip(PERCENTILES, got.to_pylist()):
                assert close(value, want[name]), (scenario, policy, platform, name)
            assert close(pc.mean(hours).as_py(), want["cycle_mean_hours"])
            checked += 1
    assert checked == len(expected)


def test_polars_linear_quantiles_give_the_reports_percentiles(run, report):
    expected = rows_by(report["cycle_time"], "scenario", "policy", "platform")
    got = (
        pl.scan_parquet(run.glob("cycles"), hive_partitioning=True)
        .filter(pl.col("outcome") == "shipped")
        .group_by("scenario", "policy", "platform")
        .agg(pl.col("cycle_hours").quantile(q, interpolation="linear").alias(name)
             for name, q in PERCENTILES.items())
        .collect()
    )
    assert got.height == 3 * 3
    for row in got.iter_rows(named=True):
        want = expected[(row["scenario"], row["policy"], row["platform"])]
        for name in PERCENTILES:
            assert close(row[name], want[name]), (row, name)


def test_polars_scans_several_run_directories_in_one_scan(runs, report):
    """docs/formats.md: a list of the runs' globs is one frame; the scenario column tells
    the runs apart (group sizes and medians against the report)."""
    got = (
        pl.scan_parquet([r.glob("cycles") for r in runs.values()], hive_partitioning=True)
        .group_by("scenario", "policy", "platform")
        .agg(pl.len().alias("tracks"),
             pl.col("cycle_hours").filter(pl.col("outcome") == "shipped")
             .quantile(0.5, interpolation="linear").alias("cycle_p50_hours"))
        .collect()
    )
    expected = rows_by(report["cycle_time"], "scenario", "policy", "platform")
    assert got.height == 2 * 3 * 3
    for row in got.iter_rows(named=True):
        want = expected[(row["scenario"], row["policy"], row["platform"])]
        assert row["tracks"] == want["tracks"], row
        assert close(row["cycle_p50_hours"], want["cycle_p50_hours"]), row


# ---------------------------------------------------------------------------------------
# Where the time goes


def test_duckdb_bottleneck_hours_match_the_report(runs, report):
    """Hours per track-cycle on each waiting-on label, from the segments table, and its
    share of all track time: the report's `bottlenecks` table."""
    rows = duck_rows(f"""
        WITH tracks AS (
            SELECT scenario, policy, coalesce(platform, 'all') AS platform, count(*) AS n
            FROM {duck_scan(runs, 'cycles')}
            GROUP BY GROUPING SETS ((scenario, policy, platform), (scenario, policy))),
        hours AS (
            SELECT scenario, policy, coalesce(platform, 'all') AS platform, waiting_on,
                   sum(hours) AS hours
            FROM {duck_scan(runs, 'segments')}
            GROUP BY GROUPING SETS ((scenario, policy, platform, waiting_on),
                                    (scenario, policy, waiting_on)))
        SELECT h.*, h.hours / t.n AS hours_per_cycle,
               h.hours / sum(h.hours) OVER (PARTITION BY h.scenario, h.policy, h.platform)
                   AS share
        FROM hours h JOIN tracks t USING (scenario, policy, platform)""")
    expected = rows_by(report["bottlenecks"], "scenario", "policy", "platform", "waiting_on")
    # The report lists the labels a group waited on; so does the query.
    assert {(r["scenario"], r["policy"], r["platform"], r["waiting_on"]) for r in rows} \
        == set(expected)
    for row in rows:
        want = expected[(row["scenario"], row["policy"], row["platform"], row["waiting_on"])]
        assert close(row["hours_per_cycle"], want["hours_per_cycle"]), (row, want)
        assert close(row["share"], want["share"]), (row, want)


def test_cycles_hours_columns_sum_to_the_segments(run):
    """The cycles table's hours_* columns are the segments summed by label (pyarrow)."""
    segments = hive(run.path / "segments").to_table(
        columns=["policy", "seed", "version", "platform", "waiting_on", "hours"])
    by_label = segments.group_by(["policy", "seed", "version", "platform", "waiting_on"]) \
        .aggregate([("hours", "sum")])
    cycles = hive(run.path / "cycles").to_table()
    labels = [c.removeprefix("hours_") for c in cycles.column_names if c.startswith("hours_")]
    index = {
        (r["policy"], r["seed"], r["version"], r["platform"]): r
        for r in cycles.to_pylist()
    }
    assert set(by_label["waiting_on"].to_pylist()) <= set(labels)
    for r in by_label.to_pylist():
        track = index[(r["policy"], r["seed"], r["version"], r["platform"])]
        assert abs(track[f"hours_{r['waiting_on']}"] - r["hours_sum"]) < 1e-9, r


def test_documented_types_are_what_readers_see(run):
    """docs/formats.md: timestamps as timestamp[ms, UTC], keys and counts as signed
    integers (int64 seed, int32 version, int16/int32 counts: every reader, Spark and Java
    tools included, has them), strings as plain UTF-8 (no dictionary types), the policy
    stored in the files as well as in the Hive path."""
    snapshots = hive(run.path / "snapshots").schema
    expected = {
        "policy": pa.string(),
        "ts": pa.timestamp("ms", tz="UTC"),
        "seed": pa.int64(),
        "version": pa.int32(),
        "version_label": pa.string(),
        "platform": pa.string(),
        "state": pa.string(),
        "waiting_on": pa.string(),
        "rollout_percent": pa.int16(),
        "open_blockers": pa.int32(),
        "signoffs_done": pa.int16(),
        "latest_build": pa.int32(),
        "crash_rate_percent": pa.float32(),
        "usage_percent": pa.int16(),
        "gate_bake": pa.bool_(),
    }
    for name, type_ in expected.items():
        assert snapshots.field(name).type == type_, name
    cycles = hive(run.path / "cycles").schema
    assert cycles.field("cycle_hours").type == pa.float64()
    assert cycles.field("rollout_100_at").type == pa.timestamp("ms", tz="UTC")
    assert cycles.field("pauses").type == pa.int32()
    # A file read alone, without its folder's Hive path, still says which policy it holds.
    one = next((run.path / "cycles" / "policy=robot").glob("*.parquet"))
    alone = ds.dataset(one, format="parquet").to_table(columns=["policy"])
    assert pc.unique(alone["policy"]).to_pylist() == ["robot"]
