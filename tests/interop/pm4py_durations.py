"""The PM4Py side of the activity-log test, run in its own process:

    python pm4py_durations.py LOG.(xes|csv) OUT.json [LOG OUT]...

Reads each of conductor's activity-log export with PM4Py (read_xes, or pandas + format_dataframe
for CSV) and writes what PM4Py measures, in seconds, as JSON:

- "cases": every case's duration, from PM4Py's case statistics (first event to last), and
  for XES "all_case_durations": the same from the public `pm4py.get_all_case_durations`
  (sorted; PM4Py 2.7.23 raises KeyError 'start_timestamp' there for a frame formatted with
  a start timestamp, as the CSV is);
- "service": per policy and activity, the summed service time (get_service_time with the
  start timestamps; a start-complete log is first paired into intervals by PM4Py's
  interval_lifecycle.to_interval) and the number of cases, so sum / cases is the mean hours
  per track-cycle that `conductor report` gives;
- "events": how many events PM4Py read.

Nothing here knows conductor's answers; tests/interop/test_activity_log.py compares.
"""

import json
import sys
import warnings

import pandas as pd
import pm4py
from pm4py.objects.log.util import interval_lifecycle
from pm4py.statistics.traces.generic.pandas import case_statistics

CASE, ACTIVITY, TS, START = "case:concept:name", "concept:name", "time:timestamp", \
    "time:start_timestamp"


def read(path: str) -> pd.DataFrame:
    if path.endswith(".xes"):
        return pm4py.read_xes(path, show_progress_bar=False)
    return pm4py.format_dataframe(pd.read_csv(path), case_id=CASE, activity_key=ACTIVITY,
                                  timestamp_key=TS, start_timestamp_key=START)


def intervals(df: pd.DataFrame) -> pd.DataFrame:
    """One row per activity instance with its start: a start-complete log is paired by
    PM4Py; an interval log already is one."""
    if set(df["lifecycle:transition"]) == {"complete"}:
        return df
    log = pm4py.convert_to_event_log(df.drop(columns=[START]))
    paired = interval_lifecycle.to_interval(log)
    out = pm4py.convert_to_dataframe(paired)
    # to_interval names the start "start_timestamp"; use the export's column name.
    return out.rename(columns={"start_timestamp": START})


def main(path: str, out: str) -> None:
    warnings.simplefilter("ignore")
    df = read(path)
    policy = "case:policy" if "case:policy" in df.columns else "policy"

    described = case_statistics.get_cases_description(
        df, parameters={case_statistics.Parameters.CASE_ID_KEY: CASE,
                        case_statistics.Parameters.TIMESTAMP_KEY: TS})
    cases = {case: d["caseDuration"] for case, d in described.items()}

    service = {}
    activities = intervals(df)
    for name, group in activities.groupby(policy):
        sums = pm4py.get_service_time(group, aggregation_measure="sum", activity_key=ACTIVITY,
                                      timestamp_key=TS, start_timestamp_key=START,
                                      case_id_key=CASE)
        service[name] = {"cases": int(group[CASE].nunique()),
                         "seconds": {a: float(s) for a, s in sums.items()}}

    with open(out, "w") as f:
        json.dump({"events": len(df), "cases": cases, "service": service,
                   "all_case_durations": pm4py.get_all_case_durations(df)
                   if path.endswith(".xes") else None}, f)


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit("usage: pm4py_durations.py LOG OUT [LOG OUT]...")
    for log, out in zip(args[::2], args[1::2]):
        main(log, out)
