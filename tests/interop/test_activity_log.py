"""PM4Py reads `conductor export --format activity-log` and measures the same durations
as conductor, within one second: every case (track) from its branch cut to its end, and
per activity the service time per track-cycle that `conductor report` gives (`states` for
state activities, `bottlenecks` for waiting-on labels).

PM4Py is a test tool only: it runs in its own process (pm4py_durations.py), which writes
its measurements to a file.
"""

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from conftest import conductor, rows_by

HERE = Path(__file__).parent
SECOND = 1.0


# The logs the tests read: (file format, --activity, --lifecycle).
LOGS = [
    ("xes", "state", "start-complete"),
    ("csv", "waiting-on", "start-complete"),
    ("xes", "state", "interval"),
    ("csv", "state", "start-complete"),
    ("csv", "waiting-on", "interval"),
    ("xes", "waiting-on", "start-complete"),
]


@pytest.fixture(scope="module")
def pm4py_measures(run, tmp_path_factory) -> dict[tuple, dict]:
    """What PM4Py measures in each of LOGS, exported from `run`: one PM4Py process reads
    them all (importing PM4Py takes seconds)."""
    tmp = tmp_path_factory.mktemp("activity-logs")
    args = []
    for fmt, activity, lifecycle in LOGS:
        log = tmp / f"{activity}-{lifecycle}.{fmt}"
        conductor("export", run.path, "--format", "activity-log", "--out", log,
                  "--activity", activity, "--lifecycle", lifecycle)
        args += [log, log.with_suffix(f".{fmt}.json")]
    done = subprocess.run([sys.executable, HERE / "pm4py_durations.py", *args],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return {key: json.loads(out.read_text()) for key, out in zip(LOGS, args[1::2])}


def conductor_cases(run) -> dict[str, dict]:
    """Every track of the run from the cycles table (pyarrow), by its activity-log case id."""
    table = ds.dataset(run.path / "cycles", format="parquet", partitioning="hive").to_table(
        columns=["scenario", "policy", "seed", "version", "platform", "branched_at",
                 "ended_at", "cycle_hours"])
    cases = {}
    for r in table.to_pylist():
        cases[f"{r['scenario']}/{r['policy']}/seed={r['seed']}/v{r['version']}/{r['platform']}"] = {
            "seconds": (r["ended_at"] - r["branched_at"]).total_seconds(),
            "cycle_hours": r["cycle_hours"],
        }
    return cases


@pytest.mark.parametrize("fmt,activity", [("xes", "state"), ("csv", "waiting-on")])
def test_pm4py_case_durations_are_conductors(run, pm4py_measures, fmt, activity):
    """With start and complete events, PM4Py's case duration (first event to last) is the
    track's whole life: `ended_at - branched_at`, and the cycle time for shipped tracks."""
    measured = pm4py_measures[(fmt, activity, "start-complete")]
    expected = conductor_cases(run)
    if fmt == "xes":  # the public function the docs show (docs/formats.md)
        assert sorted(measured["cases"].values()) == measured["all_case_durations"]
    assert set(measured["cases"]) == set(expected)
    for case, seconds in measured["cases"].items():
        want = expected[case]
        assert abs(seconds - want["seconds"]) <= SECOND, case
        if want["cycle_hours"] is not None:
            assert abs(seconds - want["cycle_hours"] * 3600) <= SECOND, case


def test_interval_logs_need_start_complete_for_case_durations(run, pm4py_measures):
    """The documented pitfall (docs/formats.md): from one event per activity PM4Py times a
    case from its first *completion*, so it misses the first activity (the `branched`
    stay); the start-complete form is the one to use for case durations."""
    measured = pm4py_measures[("xes", "state", "interval")]
    expected = conductor_cases(run)
    short = [c for c, s in measured["cases"].items() if s < expected[c]["seconds"] - SECOND]
    assert len(short) == len(expected)


@pytest.mark.parametrize("fmt,lifecycle", [("xes", "interval"), ("csv", "start-complete")])
def test_pm4py_state_service_times_are_the_reports(run, report, pm4py_measures, fmt, lifecycle):
    measured = pm4py_measures[(fmt, "state", lifecycle)]
    expected = rows_by(report["states"], "scenario", "policy", "platform", "state")
    compare_service(measured, expected, run.name, "state")


@pytest.mark.parametrize("fmt,lifecycle", [("csv", "interval"), ("xes", "start-complete")])
def test_pm4py_waiting_on_service_times_are_the_reports(run, report, pm4py_measures, fmt,
                                                         lifecycle):
    measured = pm4py_measures[(fmt, "waiting-on", lifecycle)]
    expected = rows_by(report["bottlenecks"], "scenario", "policy", "platform", "waiting_on")
    compare_service(measured, expected, run.name, "waiting_on")


def compare_service(measured: dict, expected: dict, scenario: str, key: str) -> None:
    """PM4Py's summed service time per activity, per case, against the report's hours per
    track-cycle (platform `all`); activities the report has no row for must be absent."""
    assert sorted(measured["service"]) == ["manual", "robot", "robot-except-100"]
    for policy, m in measured["service"].items():
        rows = {k[3]: v for k, v in expected.items()
                if k[0] == scenario and k[1] == policy and k[2] == "all"}
        nonzero = {a for a, s in m["seconds"].items() if s > 0}
        assert nonzero == {a for a, r in rows.items() if r["hours_per_cycle"] > 0}, policy
        for activity, seconds in m["seconds"].items():
            per_cycle = seconds / m["cases"]
            want = rows[activity]["hours_per_cycle"] * 3600
            # The report's 4 decimals of an hour are 0.18 s; PM4Py's sums are exact.
            assert abs(per_cycle - want) <= SECOND, (policy, key, activity, per_cycle, want)
