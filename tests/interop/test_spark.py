"""Spark (pyspark, local mode) reads conductor's dataset the ways docs/formats.md documents
and gets conductor's own numbers, as DuckDB does in test_dataset.py: every row written,
`conductor report`'s group sizes, cycle-time percentiles (Spark SQL's `percentile` is
linear interpolation, Hyndman–Fan type 7) and bottleneck hours, over both runs in one read.

The reads documented for Spark:
- one run, a table's folder (Hive partition discovery) or the same `*/*.parquet` glob as
  DuckDB and polars (no discovery: the `policy` column comes from the files, schema 4);
- several run directories in one read: their globs, or their folders with
  `recursiveFileLookup`; their folders without it fail with
  CONFLICTING_DIRECTORY_STRUCTURES (pinned below, so the docs' warning stays true).

Spark needs a Java 17+ runtime; without one (or without pyspark in the environment) these
tests are skipped and say why. `.ci/run` installs Debian's default-jre-headless.
"""

import shutil

import pytest

from conftest import PERCENTILES, TABLES, close, rows_by, spark_missing

pytestmark = [
    pytest.mark.skipif(spark_missing() is not None, reason=spark_missing() or ""),
    # pyspark 4.3 warns that it does not support pandas 3 yet; these tests use no pandas.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
]


def both(spark, runs, table: str):
    """The documented read of several run directories: their tables' globs."""
    return spark.read.parquet(*(r.glob(table) for r in runs.values()))


def spark_rows(spark, sql: str) -> list[dict]:
    return [row.asDict() for row in spark.sql(sql).collect()]


# ---------------------------------------------------------------------------------------
# Reading


@pytest.mark.parametrize("table", TABLES)
def test_spark_reads_every_row_conductor_wrote(spark, runs, table):
    for r in runs.values():
        assert spark.read.parquet(r.glob(table)).count() == r.rows[table], (r.name, table)
        assert spark.read.parquet(str(r.path / table)).count() == r.rows[table], \
            (r.name, table, "folder")


def test_spark_reads_several_run_directories_in_one_read(spark, runs):
    total = sum(r.rows["cycles"] for r in runs.values())
    assert both(spark, runs, "cycles").count() == total
    folders = [str(r.path / "cycles") for r in runs.values()]
    recursive = spark.read.option("recursiveFileLookup", "true").parquet(*folders)
    assert recursive.count() == total
    # The scenario column tells the runs apart, the policy column the policies.
    got = {(row["scenario"], row["policy"]) for row in
           recursive.select("scenario", "policy").distinct().collect()}
    assert got == {(s, p) for s in runs for p in ["manual", "robot", "robot-except-100"]}
    # Partition discovery over two run directories' folders is what Spark refuses.
    with pytest.raises(Exception, match="CONFLICTING_DIRECTORY_STRUCTURES"):
        spark.read.parquet(*folders).count()


def test_the_policy_column_is_in_the_files(spark, run):
    """The documented glob turns partition discovery off; the files' own `policy` column
    still gives every row its policy, the same one as the Hive path."""
    glob = spark.read.parquet(run.glob("cycles"))
    counts = {row["policy"]: row["count"] for row in glob.groupBy("policy").count().collect()}
    assert sorted(counts) == ["manual", "robot", "robot-except-100"]
    assert sum(counts.values()) == run.rows["cycles"]
    one = next((run.path / "cycles" / "policy=robot").glob("*.parquet"))
    assert [r["policy"] for r in spark.read.parquet(str(one)).select("policy").distinct()
            .collect()] == ["robot"]
    folder = spark.read.parquet(str(run.path / "cycles"))
    assert {row["policy"]: row["count"] for row in folder.groupBy("policy").count()
            .collect()} == counts


def test_a_part_being_written_is_invisible_to_spark(spark, run, tmp_path):
    """docs/formats.md: Spark skips the hidden `.<name>.tmp` of a part being written."""
    copy = tmp_path / "run"
    shutil.copytree(run.path, copy)
    for table in TABLES:
        folder = copy / table / "policy=robot"
        half = next(folder.glob("*.parquet")).read_bytes()
        (folder / ".seeds-00000099-00000106.parquet.tmp").write_bytes(half[: len(half) // 2])
        assert spark.read.parquet(str(copy / table)).count() == run.rows[table]
        assert spark.read.parquet(str(copy / table / "*" / "*.parquet")).count() \
            == run.rows[table]


def test_spark_sees_the_documented_types(spark, run):
    """docs/formats.md's column types in Spark's words: signed integers (no decimal(20,0)
    for a seed), timestamps, plain strings."""
    snapshots = {f.name: f.dataType.simpleString()
                 for f in spark.read.parquet(run.glob("snapshots")).schema.fields}
    expected = {
        "policy": "string", "scenario": "string", "seed": "bigint", "version": "int",
        "version_label": "string", "platform": "string", "ts": "timestamp", "state": "string",
        "rollout_percent": "smallint", "open_blockers": "int", "signoffs_done": "smallint",
        "latest_build": "int", "crash_rate_percent": "float", "usage_percent": "smallint",
        "gate_bake": "boolean",
    }
    assert {k: snapshots[k] for k in expected} == expected
    cycles = {f.name: f.dataType.simpleString()
              for f in spark.read.parquet(run.glob("cycles")).schema.fields}
    assert (cycles["cycle_hours"], cycles["rollout_100_at"], cycles["pauses"]) \
        == ("double", "timestamp", "int")


# ---------------------------------------------------------------------------------------
# conductor's numbers


@pytest.fixture(scope="module")
def views(spark, runs):
    """Both runs' cycles and segments as the SQL views `cycles` and `segments`."""
    both(spark, runs, "cycles").createOrReplaceTempView("cycles")
    both(spark, runs, "segments").createOrReplaceTempView("segments")


SETS = "GROUPING SETS ((scenario, policy, platform), (scenario, policy))"


def test_spark_group_sizes_match_the_report(spark, views, report):
    rows = spark_rows(spark, f"""
        SELECT scenario, policy, coalesce(platform, 'all') AS platform,
               count(*) AS tracks, count(*) FILTER (WHERE outcome = 'shipped') AS shipped
        FROM cycles GROUP BY {SETS}""")
    expected = rows_by(report["cycle_time"], "scenario", "policy", "platform")
    assert len(rows) == len(expected) == 2 * 3 * 4
    for row in rows:
        want = expected[(row["scenario"], row["policy"], row["platform"])]
        assert (row["tracks"], row["shipped"]) == (want["tracks"], want["shipped"]), row


def spark_cycle_time(spark, percentile: str) -> list[dict]:
    cols = ",\n".join(f"{percentile}(cycle_hours, {q}) AS {name}"
                      for name, q in PERCENTILES.items())
    return spark_rows(spark, f"""
        SELECT scenario, policy, coalesce(platform, 'all') AS platform,
               {cols}, avg(cycle_hours) AS cycle_mean_hours
        FROM cycles WHERE outcome = 'shipped' GROUP BY {SETS}""")


def test_spark_percentile_gives_the_reports_percentiles(spark, views, report):
    expected = rows_by(report["cycle_time"], "scenario", "policy", "platform")
    rows = spark_cycle_time(spark, "percentile")
    assert len(rows) == len(expected)
    for row in rows:
        want = expected[(row["scenario"], row["policy"], row["platform"])]
        for name in [*PERCENTILES, "cycle_mean_hours"]:
            assert close(row[name], want[name]), (row, name, want[name])


def test_spark_percentile_approx_would_be_caught(spark, views, report):
    """`percentile_approx` (an approximate order statistic) misses most of the report's
    percentiles by more than the comparison allows, so the test above can fail."""
    expected = rows_by(report["cycle_time"], "scenario", "policy", "platform")
    misses = [
        (row["scenario"], row["policy"], row["platform"], name)
        for row in spark_cycle_time(spark, "percentile_approx")
        for name in PERCENTILES
        if not close(row[name], expected[(row["scenario"], row["policy"], row["platform"])][name])
    ]
    assert len(misses) > len(expected) * len(PERCENTILES) / 2, misses


def test_spark_bottleneck_hours_match_the_report(spark, views, report):
    rows = spark_rows(spark, f"""
        WITH tracks AS (
            SELECT scenario, policy, coalesce(platform, 'all') AS platform, count(*) AS n
            FROM cycles GROUP BY {SETS}),
        hours AS (
            SELECT scenario, policy, coalesce(platform, 'all') AS platform, waiting_on,
                   sum(hours) AS hours
            FROM segments
            GROUP BY GROUPING SETS ((scenario, policy, platform, waiting_on),
                                    (scenario, policy, waiting_on)))
        SELECT h.scenario, h.policy, h.platform, h.waiting_on, h.hours / t.n AS hours_per_cycle,
               h.hours / sum(h.hours) OVER (PARTITION BY h.scenario, h.policy, h.platform)
                   AS share
        FROM hours h JOIN tracks t
          ON h.scenario = t.scenario AND h.policy = t.policy AND h.platform = t.platform""")
    expected = rows_by(report["bottlenecks"], "scenario", "policy", "platform", "waiting_on")
    assert {(r["scenario"], r["policy"], r["platform"], r["waiting_on"]) for r in rows} \
        == set(expected)
    for row in rows:
        want = expected[(row["scenario"], row["policy"], row["platform"], row["waiting_on"])]
        assert close(row["hours_per_cycle"], want["hours_per_cycle"]), (row, want)
        assert close(row["share"], want["share"]), (row, want)
