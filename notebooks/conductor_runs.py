"""Open a conductor run directory for the notebooks in this folder.

    from conductor_runs import open_run

    run = open_run("../data/runs/baseline")
    run.cycles.filter(pl.col("outcome") == "shipped").collect()

`open_run` checks the manifest and returns lazy polars frames over the four tables, so a
notebook reads only the columns and partitions its query needs. The tables and their
columns are described in docs/formats.md ("Run directories").
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

#: The tables' schema version these notebooks understand (manifest `schema_version`).
SCHEMA_VERSION = 6

#: States in the order a track moves through them (docs/model.md, section 2).
STATES = ["branched", "final_rc", "submitted", "rollout_1", "paused", "rollout_100", "cancelled"]

#: Waiting-on labels in precedence order, then the two "advance pending" labels and
#: `unknown` (docs/model.md, section 4); also the order of the cycles table's `hours_*`.
WAITING_ON = [
    "bug_fix", "build_and_test", "signoff", "crash_rate", "beta_usage", "store_review",
    "pause_fix", "bake", "itgc", "manual_action", "robot_poll", "unknown",
]

#: One colour per waiting-on label, the same in every notebook: the world's work in blues,
#: greens and browns, an advance that is allowed but not yet made in red (a person) and
#: orange (the robot), unknown in grey.
LABEL_COLOURS = {
    "bug_fix": "#1f77b4", "build_and_test": "#9ecae1", "signoff": "#2ca02c",
    "crash_rate": "#98df8a", "beta_usage": "#9467bd", "store_review": "#8c564b",
    "pause_fix": "#e377c2", "bake": "#bcbd22", "itgc": "#17becf",
    "manual_action": "#d62728", "robot_poll": "#ff7f0e", "unknown": "#7f7f7f",
}

#: One colour per state.
STATE_COLOURS = {
    "branched": "#6baed6", "final_rc": "#2171b5", "submitted": "#8c564b",
    "rollout_1": "#bcbd22", "paused": "#e377c2", "rollout_100": "#2ca02c",
    "cancelled": "#7f7f7f",
}


@dataclass(frozen=True)
class Run:
    """A run directory: its manifest, its scenario, and a lazy frame per table."""

    path: Path
    manifest: dict
    #: Policies in run order (manifest `policies`); `manual` first in the built-in scenarios.
    policies: list[str]
    #: Platforms in the scenario's order (`scenario.toml` `platforms`).
    platforms: list[str]
    #: The scenario as it was run (`scenario.toml`, parsed).
    scenario: dict
    cycles: pl.LazyFrame
    segments: pl.LazyFrame
    transitions: pl.LazyFrame
    snapshots: pl.LazyFrame

    @property
    def seeds(self) -> range:
        """The run's seeds, `first_seed … first_seed + seeds - 1`."""
        first = self.manifest["first_seed"]
        return range(first, first + self.manifest["seeds"])

    def describe(self) -> str:
        """Two lines saying what was run: scenario, seeds, versions, policies, platforms."""
        m = self.manifest
        return (
            f"{self.path}: scenario {m['scenario']!r}, seeds {self.seeds.start}-{self.seeds.stop - 1}, "
            f"{m['weeks']} versions per season\npolicies {self.policies}, platforms {self.platforms}"
        )

    def by_platform_and_all(
        self, frame: pl.DataFrame, aggs: list[pl.Expr], keys: list[str] = ()
    ) -> pl.DataFrame:
        """`aggs` per (policy, platform, *keys) and pooled over platforms (platform "all"),
        in the run's policy order and the scenario's platform order (the grouping of
        `conductor report`'s tables)."""
        per = frame.group_by("policy", "platform", *keys).agg(aggs)
        pooled = frame.group_by("policy", *keys).agg(aggs).with_columns(platform=pl.lit("all"))
        return (
            pl.concat([per, pooled.select(per.columns)])
            .with_columns(
                pl.col("policy").cast(pl.Enum(self.policies)),
                pl.col("platform").cast(pl.Enum([*self.platforms, "all"])),
            )
            .sort("policy", "platform", *keys)
        )


def open_run(path: str | Path, env_var: str = "CONDUCTOR_RUN") -> Run:
    """Check `path/manifest.json` (or a sharded run's `manifest-shard-*-of-*.json`) and
    return the run with lazy scans of its tables.

    Raises FileNotFoundError when there is no manifest (the message names the command that
    writes the run and `env_var`, the notebook's variable that points elsewhere), and
    ValueError when the run was not written by conductor or has another schema version.
    Prints a warning when the run is incomplete; only its complete parts are read.
    """
    path = Path(path)
    manifest_file = path / "manifest.json"
    # A sharded run keeps one manifest per shard (docs/scaling.md); their parts add up.
    manifest_files = [manifest_file] if manifest_file.is_file() else sorted(
        path.glob("manifest-shard-*-of-*.json"))
    if not manifest_files:
        raise FileNotFoundError(
            f"no conductor run at {str(path)!r} (looked for {manifest_file.resolve()}). "
            f"Write it from the repository root with `{_command_for(path)}`, or set "
            f"{env_var} to an existing run directory."
        )
    manifests = [(f, json.loads(f.read_text())) for f in manifest_files]
    for f, m in manifests:
        if m.get("tool") != "conductor":
            raise ValueError(f"{f}: `tool` is {m.get('tool')!r}, not 'conductor'")
        if m.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(
                f"{f}: schema_version is {m.get('schema_version')!r}; these notebooks read "
                f"version {SCHEMA_VERSION} (simulate the run again to rewrite it)"
            )
    manifest = manifests[0][1]
    parts = sorted(p for _, m in manifests for p in m["parts_complete"])
    total = sum(m["parts_total"] for _, m in manifests)
    shards = manifest.get("shards", 1)
    if len(parts) < total or len(manifests) < shards:
        print(
            f"warning: {path} is incomplete ({len(parts)} parts complete, "
            f"{len(manifests)} of {shards} shard manifests); reading the complete parts only"
        )
    if not parts:
        raise ValueError(f"{path}: no part is complete yet, there is nothing to read")
    scenario = tomllib.loads((path / "scenario.toml").read_text())

    def scan(table: str) -> pl.LazyFrame:
        # The complete parts' files, listed rather than the table's folder: polars 2.1
        # refuses a folder that holds a part being written (its hidden `.<name>.tmp` has
        # another extension), and an interrupted run may have a part in some tables only.
        files = [str(path / table / f"{part}.parquet") for part in parts]
        return pl.scan_parquet(files, hive_partitioning=True, hive_schema={"policy": pl.String})

    return Run(
        path=path,
        manifest=manifest,
        policies=list(manifest["policies"]),
        platforms=list(scenario["platforms"]),
        scenario=scenario,
        cycles=scan("cycles"),
        segments=scan("segments"),
        transitions=scan("transitions"),
        snapshots=scan("snapshots"),
    )


def _command_for(path: Path) -> str:
    """The command that writes `data/runs/<name>/` (`--out` names the folder after the scenario)."""
    if path.name == "baseline":
        return "cargo run --release -- simulate --out"
    return f"cargo run --release -- simulate scenarios/{path.name}.toml --out"
