"""`compartment log` on a long history, against `git log -p` of the same file, same run.

Run by hand (not part of the test suite), from an environment where compartment is
installed:

    python benchmarks/log.py                 # 300 commits on the shipped data, 3 runs each
    python benchmarks/log.py --commits 100 --runs 5

It builds a throwaway repository whose data file is the shipped data/issues.yaml, then
commits it `--commits` times, each time with one dossier's title edited (a real
data change, so that every commit is a new blob that log must parse and compare). It times
`compartment log` (text output, to /dev/null) and `git log -p --follow` of the file, and
prints the medians and their ratio.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "issues.yaml"
# A dossier's title (four spaces in; every summary of the shipped file is a folded block).
SUMMARY = re.compile(r"^(    title: )(?![>|])(.+)$", re.M)


def build(folder: Path, commits: int) -> Path:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.org",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@example.org",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    data = folder / "data" / "issues.yaml"
    data.parent.mkdir(parents=True)
    text = SHIPPED.read_text(encoding="utf-8")
    data.write_text(text, encoding="utf-8")
    git = ["git", "-C", str(folder)]
    subprocess.run([*git, "init", "-q"], check=True, env=env)
    subprocess.run([*git, "add", "."], check=True, env=env)
    subprocess.run([*git, "commit", "-qm", "shipped data"], check=True, env=env)
    spots = list(SUMMARY.finditer(text))
    assert spots, "no dossier title to edit"
    for n in range(1, commits):
        spot = spots[n % len(spots)]
        edited = f"{spot[1]}{spot[2]} (revision {n})"
        text = text[:spot.start()] + edited + text[spot.end():]
        spots = list(SUMMARY.finditer(text))
        data.write_text(text, encoding="utf-8")
        subprocess.run([*git, "commit", "-qam", f"revision {n}"], check=True, env=env)
    return data


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        data = build(folder, args.commits)
        print(f"{args.commits} commits of {data.stat().st_size:,} bytes built in "
              f"{time.perf_counter() - started:.1f} s")
        commands = {
            "compartment log": [sys.executable, "-m", "compartment", "--data", str(data),
                                "log"],
            "compartment log new-start": [sys.executable, "-m", "compartment", "--data",
                                          str(data), "log", "new-start"],
            "git log -p --follow": ["git", "log", "-p", "--follow", "--", "data/issues.yaml"],
        }
        medians = {}
        for name, command in commands.items():
            times = [timed(command, folder) for _ in range(args.runs)]
            medians[name] = statistics.median(times)
        floor = medians["git log -p --follow"]
        print(f"python {sys.version.split()[0]}, {args.runs} runs each, medians")
        for name, seconds in medians.items():
            print(f"{name:<28} {seconds:7.2f} s  {seconds / floor:6.1f}")


if __name__ == "__main__":
    main()
