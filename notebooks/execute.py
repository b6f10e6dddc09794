"""Executes notebooks headless with nbclient and fails on any cell error.

    python notebooks/execute.py [--out DIR] [--timeout S] NOTEBOOK...

Each notebook runs in a fresh kernel (the Python running this script, so the same
environment), with the notebook's own folder as the working directory, as Jupyter does.
The executed copies go to --out (never over the committed files). Before running, every
notebook is checked to be committed clean: no outputs, no execution counts, so diffs show
only what someone wrote. Prints one line per notebook; exit 1 if any failed.
"""

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError


def committed_clean(nb) -> list[str]:
    """The reasons `nb` is not clean: code cells with outputs or execution counts."""
    problems = []
    for i, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {i} has saved outputs")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {i} has an execution count")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, help="folder for the executed copies")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args()

    failed = 0
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        problems = committed_clean(nb)
        if problems:
            print(f"FAIL {path}: committed with outputs ({'; '.join(problems)}); "
                  "clear them (Jupyter: Edit > Clear Outputs of All Cells) before committing")
            failed += 1
            continue
        # The kernel talks over local sockets in a temporary folder (not TCP on loopback).
        sockets = tempfile.TemporaryDirectory(prefix="conductor-kernel-")
        km = KernelManager(kernel_name="python3", transport="ipc",
                           ip=str(Path(sockets.name) / "kernel"))
        client = NotebookClient(
            nb,
            km=km,
            timeout=args.timeout,
            resources={"metadata": {"path": str(path.parent.resolve())}},
        )
        start = time.monotonic()
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError) as e:
            plain = re.sub(r"\x1b\[[0-9;]*m", "", str(e))  # the kernel's traceback colours
            print(f"FAIL {path} after {time.monotonic() - start:.1f} s:\n{plain}")
            failed += 1
            continue
        finally:
            if km.has_kernel:  # nbclient leaves a kernel it did not start running
                km.shutdown_kernel(now=True)
            sockets.cleanup()
            if args.out:
                args.out.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, args.out / path.name)
        cells = sum(1 for c in nb.cells if c.cell_type == "code")
        print(f"ok   {path}: {cells} code cells in {time.monotonic() - start:.1f} s")
    if failed:
        print(f"{failed} of {len(args.notebooks)} notebooks failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
