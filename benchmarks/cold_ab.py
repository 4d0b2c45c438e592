"""Cold `validate` of two installs of compartment, cache on, interleaved run by run.

Each run gets a fresh cache folder, so each parses, validates and writes a new entry (with
whatever the version records in it): the cost a user pays after a change when the cache
cannot help. Old and new alternate so both see the same load:

    python benchmarks/cold_ab.py /path/to/old-venv /path/to/new-venv generated/dossiers-10000.yaml --runs 9
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="the venv of the old version")
    parser.add_argument("new", type=Path, help="the venv of the new version")
    parser.add_argument("data", type=Path, help="a data file both versions can read")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["COMPARTMENT_MAX_BYTES"] = str(args.data.stat().st_size + 1000)
    times: dict[str, list[float]] = {"old": [], "new": []}
    for i in range(args.runs):
        for name in ("old", "new") if i % 2 else ("new", "old"):
            script = (args.old if name == "old" else args.new) / "bin" / "compartment"
            with tempfile.TemporaryDirectory() as cache:
                start = time.perf_counter()
                subprocess.run([str(script), "--data", str(args.data), "validate"], check=True,
                               env={**env, "COMPARTMENT_CACHE_DIR": cache}, capture_output=True)
                times[name].append(time.perf_counter() - start)
    old, new = (statistics.median(times[n]) for n in ("old", "new"))
    print(f"cold validate, cache on, {args.runs} runs: "
          f"old {old:.2f} s ({min(times['old']):.2f}-{max(times['old']):.2f}), "
          f"new {new:.2f} s ({min(times['new']):.2f}-{max(times['new']):.2f}), "
          f"new/old {new / old:.2f}")


if __name__ == "__main__":
    main()
