#!/usr/bin/env bash
# Runs a fixed set of conductor commands with two binaries and checks that every output is
# byte-identical: the check behind a refactoring that must not change behaviour (issue 17).
#
#   tests/refactor/same-outputs.sh BIN_BEFORE BIN_AFTER
#   tests/refactor/same-outputs.sh --rev REV          # builds REV and the working tree
#
# Each binary runs in its own empty folder (the repository's scenarios/ and data/ are read
# in place), so paths inside the outputs are the same relative paths. Exit 0 when every file
# matches; otherwise the differing files are listed and the exit code is 1.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

if [ "${1:-}" = "--rev" ]; then
    rev="$2"
    work="$(mktemp -d)"
    git -C "$root" worktree add -q --detach "$work/src" "$rev"
    target="${CARGO_TARGET_DIR:-$root/target}"
    (cd "$work/src" && CARGO_TARGET_DIR="$target-before" cargo build -q --locked)
    (cd "$root" && cargo build -q --locked)
    before="$target-before/debug/conductor"
    after="$target/debug/conductor"
    trap 'git -C "$root" worktree remove --force "$work/src"; rm -rf "$work"' EXIT
else
    before="$(realpath "$1")"
    after="$(realpath "$2")"
fi

run_all() {
    local bin="$1" out="$2"
    mkdir -p "$out"
    cd "$out"
    local sc="$root/scenarios" log="$root/data/sample-events.csv"
    "$bin" simulate "$sc/baseline.toml" --seeds 12 --weeks 6 --out base --format json > simulate-base.json
    "$bin" simulate "$sc/bake-12h.toml" --seeds 12 --weeks 6 --out bake > simulate-bake.txt
    "$bin" simulate "$sc/baseline.toml" --seeds 6 --weeks 4 --format json > summary.json
    "$bin" replay "$log" --out sample > replay.txt
    "$bin" report base --format json > report.json
    "$bin" report base bake --format html > report.html
    "$bin" report sample --baseline recorded --format json > report-sample.json
    "$bin" check --baseline "$sc/check/baseline.toml" "$sc/baseline.toml" --seeds 20 --junit check.xml > check.txt || true
    "$bin" export sample --format activity-log --out sample.xes
    "$bin" export sample --format activity-log --out sample.csv
    "$bin" fit "$log" -o fitted.toml > fit.txt
    "$bin" compare "$sc/baseline.toml" "$sc/bake-12h.toml" --seeds 10 --weeks 4 --format json > compare.json
    cd - > /dev/null
}

tmp="$(mktemp -d)"
run_all "$before" "$tmp/before" 2> "$tmp/before.stderr"
run_all "$after" "$tmp/after" 2> "$tmp/after.stderr"
differ=0
while IFS= read -r f; do
    rel="${f#"$tmp/before/"}"
    if ! cmp -s "$f" "$tmp/after/$rel"; then
        echo "differs: $rel"
        differ=1
    fi
done < <(find "$tmp/before" -type f ! -name '.*' | sort)
# A file only the new binary writes counts as a difference too.
while IFS= read -r f; do
    rel="${f#"$tmp/after/"}"
    [ -e "$tmp/before/$rel" ] || { echo "only after: $rel"; differ=1; }
done < <(find "$tmp/after" -type f ! -name '.*' | sort)
files=$(find "$tmp/before" -type f ! -name '.*' | wc -l)
if [ "$differ" = 0 ]; then
    echo "same outputs: $files files byte-identical"
    rm -rf "$tmp"
else
    echo "outputs kept in $tmp"
    exit 1
fi
