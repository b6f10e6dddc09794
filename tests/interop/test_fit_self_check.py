"""`conductor fit` checks itself against SciPy: the two-sample Kolmogorov–Smirnov statistic
and its exact p-value (`scipy.stats.ks_2samp(..., method="exact")`) and the Wasserstein
distance (`scipy.stats.wasserstein_distance`) of the fitted scenario's simulated cycle times
against the log's, per platform and pooled, recomputed from the two samples
`fit --format json` lists.

The samples themselves are checked against conductor's datasets, read with pyarrow: the
log's are the shipped cycle times of `conductor replay LOG --policy recorded`, the
simulation's those of `conductor simulate FITTED.toml` on the same seeds and policy.
"""

import json

import pyarrow.dataset as ds
import pytest
from scipy import stats

from conftest import ROOT, conductor

#: Hours: the datasets hold timestamps to the millisecond, the fit the same instants.
HOURS = 1e-9


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> dict:
    """The sample log and a ten-season simulated one (780 track-cycles)."""
    tmp = tmp_path_factory.mktemp("fit-logs")
    season = tmp / "season.csv"
    conductor("simulate", "--seeds", "10", "--weeks", "26", "--policy", "manual",
              "--event-log", season)
    return {"sample": ROOT / "data" / "sample-events.csv", "season": season}


@pytest.fixture(scope="module")
def fits(logs, tmp_path_factory) -> dict:
    """`conductor fit LOG -o FITTED --format json` of each log: (its JSON, the fitted file)."""
    tmp = tmp_path_factory.mktemp("fits")
    out = {}
    for name, log in logs.items():
        fitted = tmp / f"{name}-fitted.toml"
        out[name] = (json.loads(conductor("fit", log, "-o", fitted, "--format", "json")),
                     fitted)
    return out


def samples(check: dict) -> dict[str, tuple[list, list]]:
    """(log, simulated) cycle hours per platform and pooled (`all`)."""
    out = {s["platform"]: (s["log_cycle_hours"], s["simulated_cycle_hours"])
           for s in check["samples"]}
    out["all"] = (sorted(h for s in check["samples"] for h in s["log_cycle_hours"]),
                  sorted(h for s in check["samples"] for h in s["simulated_cycle_hours"]))
    return out


@pytest.mark.parametrize("name", ["sample", "season"])
def test_ks_and_wasserstein_are_scipys(fits, name):
    check = fits[name][0]["self_check"]
    by_platform = samples(check)
    assert [c["platform"] for c in check["comparisons"]] == list(by_platform)
    for c in check["comparisons"]:
        log, sim = by_platform[c["platform"]]
        assert (c["log_n"], c["simulated_n"]) == (len(log), len(sim))
        ks = stats.ks_2samp(log, sim, method="exact")
        assert c["ks_p_method"] == "exact"
        assert c["ks_d"] == pytest.approx(ks.statistic, abs=1e-12), c["platform"]
        assert c["ks_p"] == pytest.approx(ks.pvalue, rel=1e-6, abs=1e-12), c["platform"]
        w = stats.wasserstein_distance(log, sim)
        assert c["wasserstein_hours"] == pytest.approx(w, rel=1e-9, abs=1e-9), c["platform"]


@pytest.mark.parametrize("name", ["sample", "season"])
def test_the_samples_are_the_replayed_and_simulated_cycles(fits, logs, name, tmp_path):
    doc, fitted = fits[name]
    check = doc["self_check"]
    replayed, simulated = tmp_path / "replayed", tmp_path / "simulated"
    conductor("replay", logs[name], "--policy", "recorded", "--out", replayed)
    conductor("simulate", fitted, "--seeds", check["seeds"], "--seed", check["first_seed"],
              "--policy", check["policy"], "--out", simulated)
    for run, key in [(replayed, "log_cycle_hours"), (simulated, "simulated_cycle_hours")]:
        cycles = ds.dataset(run / "cycles", format="parquet", partitioning="hive").to_table(
            columns=["platform", "outcome", "cycle_hours"]).to_pylist()
        for s in check["samples"]:
            want = sorted(r["cycle_hours"] for r in cycles
                          if r["platform"] == s["platform"] and r["outcome"] == "shipped")
            assert len(s[key]) == len(want), (key, s["platform"])
            assert all(abs(a - b) <= HOURS for a, b in zip(s[key], want)), (key, s["platform"])


def test_the_asymptotic_p_value_would_be_caught(fits):
    """The agreement above is the exact method's: SciPy's asymptotic p-value of the same D
    misses conductor's by more than the tolerance on every comparison of the sample."""
    check = fits["sample"][0]["self_check"]
    by_platform = samples(check)
    for c in check["comparisons"]:
        log, sim = by_platform[c["platform"]]
        asymp = stats.ks_2samp(log, sim, method="asymp").pvalue
        assert c["ks_p"] != pytest.approx(asymp, rel=1e-6, abs=1e-12), c["platform"]
