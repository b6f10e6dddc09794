"""Fixtures of the interop tests: small runs written by the real conductor binary, and
conductor's own report of them, which the other tools' figures are compared with.

The binary is $CONDUCTOR_BIN (notebooks/run sets it), else target/{debug,release}/conductor.
"""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: The run directory's tables (docs/formats.md).
TABLES = ["snapshots", "transitions", "segments", "cycles"]
#: The report's cycle-time percentiles, by their JSON field.
PERCENTILES = {"cycle_p50_hours": 0.5, "cycle_p85_hours": 0.85, "cycle_p95_hours": 0.95}
#: The report rounds to 4 decimals: a figure agrees when it is within half a unit of the
#: 4th decimal.
ROUNDING = 0.5e-4 + 1e-9


def close(a, b) -> bool:
    """Whether `a` (a reader's figure) is `b` (the report's) to the report's rounding."""
    return abs(a - b) <= ROUNDING

# Two small runs, so that queries over several run directories are tested too: the
# baseline (three policies; some tracks are cancelled, so null cycle times occur) and a
# what-if with other seeds and weeks.
RUNS = {
    "baseline": ("scenarios/baseline.toml", ["--seeds", "12", "--weeks", "10"]),
    "bake-12h": ("scenarios/bake-12h.toml", ["--seeds", "6", "--weeks", "8", "--seed", "101"]),
}


def binary() -> Path:
    given = os.environ.get("CONDUCTOR_BIN")
    candidates = [Path(given)] if given else [
        ROOT / "target" / "debug" / "conductor",
        ROOT / "target" / "release" / "conductor",
    ]
    for c in candidates:
        if c.is_file():
            return c
    pytest.exit(f"no conductor binary at {', '.join(map(str, candidates))}: "
                "build one (cargo build) or set CONDUCTOR_BIN", returncode=2)


def conductor(*args) -> str:
    """Runs conductor with `args`; its standard output, or a failure showing its errors."""
    done = subprocess.run([binary(), *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"conductor {' '.join(map(str, args))} exited {done.returncode}:\n"
                    f"{done.stderr}")
    return done.stdout


@dataclass
class Run:
    name: str
    path: Path
    rows: dict  # rows per table, as conductor counted them when writing

    def glob(self, table: str) -> str:
        """The table's files as a glob (DuckDB's read_parquet)."""
        return str(self.path / table / "*" / "*.parquet")


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> dict[str, Run]:
    base = tmp_path_factory.mktemp("runs")
    out = {}
    for name, (scenario, args) in RUNS.items():
        path = base / name
        written = json.loads(
            conductor("simulate", ROOT / scenario, *args, "--out", path, "--format", "json"))
        assert written["parts_skipped"] == 0
        out[name] = Run(name, path, written["rows_written"])
    return out


@pytest.fixture(scope="session")
def run(runs) -> Run:
    return runs["baseline"]


@pytest.fixture(scope="session")
def report(runs) -> dict:
    """`conductor report --format json` of both runs side by side."""
    return json.loads(conductor("report", *(r.path for r in runs.values()), "--format", "json"))


def rows_by(table: list[dict], *keys: str) -> dict:
    """A report table's rows keyed by the values of `keys`."""
    return {tuple(r[k] for k in keys): r for r in table}


def spark_missing() -> str | None:
    """Why Spark cannot run here (no Java runtime, no pyspark), or None."""
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and (Path(java_home) / "bin" / "java").is_file()) \
            and not shutil.which("java"):
        return ("no Java runtime (no `java` on PATH, no JAVA_HOME): Spark needs Java 17 or "
                "later (Debian: apt-get install default-jre-headless)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed in this environment (tests/interop/requirements.txt)"
    return None


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (two worker threads, UTC, loopback only) for every Spark
    test."""
    from pyspark.sql import SparkSession

    # Local mode talks to itself over RPC: keep it on the loopback interface (Spark would
    # otherwise pick the machine's first non-loopback address and say so).
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    session = (
        SparkSession.builder.master("local[2]")
        .appName("conductor-interop")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
