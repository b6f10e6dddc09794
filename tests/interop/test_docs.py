"""The reads the docs show work as written: every Python and SQL block of docs/formats.md's
"Querying a run" and docs/scaling.md's "Querying where the data lies" runs, unchanged, on
runs at the paths the docs name (polars, DuckDB and Spark; Spark's blocks are skipped
without a Java runtime, as in test_spark.py).

The numbers themselves are checked against `conductor report` in test_dataset.py and
test_spark.py; here a block passes when it runs and its frames hold the rows written.
"""

import contextlib
import io
import os
import re
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, conductor, spark_missing


def blocks(doc: str, section: str) -> list[tuple[str, str]]:
    """The fenced blocks (language, text) of `section` (a `##` heading) of `doc`."""
    text = (ROOT / "docs" / doc).read_text()
    start = text.index(f"## {section}\n")
    end = text.find("\n## ", start + 1)
    body = text[start:end if end != -1 else len(text)]
    return re.findall(r"```(\w+)\n(.*?)```", body, flags=re.S)


def link(at: Path, target: Path):
    at.parent.mkdir(parents=True, exist_ok=True)
    at.symlink_to(target, target_is_directory=True)


@pytest.fixture(scope="module")
def docs_tree(runs, tmp_path_factory) -> Path:
    """A folder with the runs where the docs put them: data/runs/baseline and
    data/runs/bake-12h (formats.md), /shared/runs/… as shared/runs/… (scaling.md), with a
    run split over two shards in two directories."""
    root = tmp_path_factory.mktemp("docs")
    link(root / "data/runs/baseline", runs["baseline"].path)
    link(root / "data/runs/bake-12h", runs["bake-12h"].path)
    link(root / "shared/runs/baseline-20k", runs["baseline"].path)
    for k in (1, 2):
        conductor("simulate", ROOT / "scenarios/baseline.toml", "--seeds", "16", "--weeks",
                  "2", "--shard", f"{k}/2", "--out", root / f"shared/runs/shard-{k}")
    return root


@contextlib.contextmanager
def inside(path: Path):
    old = os.getcwd()
    os.chdir(path)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        os.chdir(old)


def run_python(code: str, tree: Path, namespace: dict) -> dict:
    code = code.replace("/shared/runs/", f"{tree}/shared/runs/")
    if is_spark(code):
        # Spark resolves relative paths against its JVM's working directory (where the
        # session started, here the repository), not Python's.
        code = code.replace('"data/runs/', f'"{tree}/data/runs/')
    with inside(tree):
        exec(compile(code, "<doc block>", "exec"), namespace)
    return namespace


def run_sql(code: str, tree: Path) -> list[int]:
    """Each statement's row count."""
    code = code.replace("/shared/runs/", f"{tree}/shared/runs/")
    statements = [s for s in (re.sub(r"--[^\n]*", "", x).strip() for x in code.split(";")) if s]
    with inside(tree):
        return [len(duckdb.sql(s).fetchall()) for s in statements]


def is_spark(code: str) -> bool:
    return "spark" in code


def test_the_docs_show_the_reads_tested_here():
    """The sections exist and hold the blocks this module runs (so a rename cannot turn
    these tests into no-ops)."""
    formats = blocks("formats.md", "Querying a run")
    scaling = blocks("scaling.md", "Querying where the data lies")
    assert [lang for lang, _ in formats] == ["python", "sql", "python"]
    assert [lang for lang, _ in scaling] == ["python", "sql", "python"]
    assert sum(is_spark(c) for _, c in formats + scaling) == 2


def test_the_polars_and_duckdb_blocks_run_as_written(docs_tree, runs):
    for doc, section in [("formats.md", "Querying a run"),
                         ("scaling.md", "Querying where the data lies")]:
        for lang, code in blocks(doc, section):
            if is_spark(code):
                continue
            if lang == "sql":
                counts = run_sql(code, docs_tree)
                assert counts and all(n > 0 for n in counts), (doc, counts)
            else:
                ns = run_python(code, docs_tree, {})
                if "history" in ns:
                    assert ns["history"].height > 0, doc


@pytest.mark.skipif(spark_missing() is not None, reason=spark_missing() or "")
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")
def test_the_spark_blocks_run_as_written(docs_tree, runs, spark):
    formats = [c for _, c in blocks("formats.md", "Querying a run") if is_spark(c)]
    ns = run_python(formats[0], docs_tree, {})
    assert ns["cycles"].count() == runs["baseline"].rows["cycles"]
    assert ns["both"].count() == sum(r.rows["cycles"] for r in runs.values())
    scaling = [c for _, c in blocks("scaling.md", "Querying where the data lies")
               if is_spark(c)]
    run_python(scaling[0], docs_tree, {"spark": spark})
    shards = spark.read.option("recursiveFileLookup", "true").parquet(
        *(str(docs_tree / f"shared/runs/shard-{k}/cycles") for k in (1, 2)))
    assert shards.count() == 16 * 2 * 3 * 3  # seeds × versions × platforms × policies
