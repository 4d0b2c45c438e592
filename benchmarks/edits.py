"""Edit benchmark: `event add` and `fmt --check` on the shipped file and on 1k and 10k dossiers.

Run by hand (not part of the test suite), like scale.py, whose helpers it uses:

    python benchmarks/edits.py                         # shipped file, 1,000 and 10,000 dossiers
    python benchmarks/edits.py --sizes 1000 --runs 7
    python benchmarks/edits.py --baseline 007d48e      # also time that commit's code, same run

Each line is the median wall time of a fresh `compartment` process, with the min-max, and its
ratio to a cold `validate` of the same file measured in the same run (`x validate`): the
machine is shared, and a ratio to a baseline taken minutes apart moves less than seconds do.

* **validate (cold)**: `--no-cache validate`, the baseline: reading and validating the file.
* **event add --dry-run**: an event added to the middle dossier, diff printed.
* **event add**: the same, written; the file is copied back from a pristine copy (untimed)
  before each run, so every run makes the same edit.
* **(warm cache)**: the same after an untimed `validate` has stored the cache entry, as after
  a `list` or `validate` in daily use: the edit's first validation comes from it.
* **validate, one dossier changed**: the first command after an edit by hand or a `git pull`
  that changed one dossier's text (the middle one's summary), when the cache holds the entry
  of the version before (an untimed `validate` of it, then the change, before each run):
  the incremental load of issue 19 item 3, which parses and validates that dossier alone.
* **fmt --check**: on a canonical copy of the file (the generated files are made canonical
  once, untimed, by `compartment fmt`), the case CI meets on every commit: on a copy no
  cache entry describes (as in CI), and warm.

With --baseline REV, the sources of that commit (`git archive`, read-only) are run the same way
for the edit lines, on the files no larger than --baseline-max dossiers (the old round trip
costs ruamel minutes at 10k).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # benchmarks/generate.py
import scale  # benchmarks/scale.py: run_once, measure, machine, revision, src_snapshot

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "issues.yaml"
# The targets (issue 19), in seconds: (file, line) -> limit.
TARGETS = {
    ("shipped", "event add"): 0.4, ("10000", "event add"): 1.5,
    ("shipped", "event add (warm cache)"): 0.4, ("10000", "event add (warm cache)"): 1.5,
    ("shipped", "fmt --check"): 0.4, ("10000", "fmt --check"): 4.0,
    ("shipped", "fmt --check (warm cache)"): 0.4, ("10000", "fmt --check (warm cache)"): 4.0,
    ("10000", "validate, one dossier changed"): 0.5, ("100000", "validate, one dossier changed"): 3.0,
}


def target_edit(text: str) -> list[str]:
    """`event add` arguments for the middle dossier: an event by its first actor."""
    starts = list(re.finditer(r"^  - id: (\S+)$", text, re.M))
    middle = starts[len(starts) // 2]
    actor = re.compile(r"^ +actor: (\S+)$", re.M).search(text, middle.end())
    assert actor is not None
    # A source the dossier already cites: the new event brings no warning (a warning's line
    # is found by composing the whole file again: 0.4 s at 1k dossiers, 7 s at 10k).
    source = re.compile(r"^ +- (https?://\S+)$", re.M).search(text, middle.end())
    assert source is not None
    return ["event", "add", middle.group(1), "--date", "2025-06-01", "--actor", actor.group(1),
            "--action", "said so", "--summary", "A benchmark event, written and dropped.",
            "--source", source.group(1)]


def one_dossier_changed(text: str) -> str:
    """`text` with the middle dossier's summary edited: a change of one dossier's text."""
    starts = [m.start() for m in re.finditer(r"^  - id: ", text, re.M)]
    at = text.index("\n    summary: ", starts[len(starts) // 2]) + len("\n    summary: ")
    return text[:at] + "Edited. " + text[at:]


def old_sources(rev: str, into: Path) -> Path:
    """The package's sources at `rev`, unpacked from `git archive` (the checkout untouched)."""
    archive = into / "old.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", rev, "src"], cwd=ROOT, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def line(label: str, times: list[float], base: float | None) -> str:
    median = statistics.median(times)
    spread = f"({min(times) * 1000:.0f}-{max(times) * 1000:.0f})"
    ratio = f"{median / base:8.2f}" if base else "    1.00"
    return f"{label:<44}{median * 1000:8.0f} {spread:>15} {ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", metavar="REV", help="also time this commit's edits")
    parser.add_argument("--baseline-max", type=int, default=1000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(scale.machine())
    print(scale.revision())
    snapshot = scale.src_snapshot()
    work = Path(tempfile.mkdtemp(prefix="compartment-edits-"))
    try:
        files: list[tuple[str, Path, int]] = [("shipped", SHIPPED, 0)]
        for n in sizes:
            path = generate.GENERATED / f"dossiers-{n}.yaml"
            if not path.exists():
                generate.main([str(n)])
            files.append((str(n), path, n))
        old = old_sources(args.baseline, work) if args.baseline else None
        command = scale.compartment_command()
        env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1",
               "COMPARTMENT_CACHE_DIR": str(work / "cache")}
        verdicts = []
        for label, source, n in files:
            pristine = work / f"{label}.yaml"
            shutil.copyfile(source, pristine)
            size = pristine.stat().st_size
            fenv = {**env, "COMPARTMENT_MAX_BYTES": str(size * 2 + 10**6)}
            subprocess.run([*command, "--no-cache", "--data", str(pristine), "fmt"], env=fenv,
                           check=True, capture_output=True)  # canonical, untimed
            edited = work / f"{label}-edited.yaml"
            unprimed = work / f"{label}-unprimed.yaml"  # never validated with the cache on
            shutil.copyfile(pristine, unprimed)
            shutil.copyfile(pristine, edited)
            edit_args = target_edit(pristine.read_text(encoding="utf-8"))

            def restore(edited: Path = edited, pristine: Path = pristine) -> None:
                shutil.copyfile(pristine, edited)

            def primed(path: Path, env: dict[str, str] = fenv, copy: Path | None = None) -> None:
                if copy is not None:
                    shutil.copyfile(copy, path)
                subprocess.run([*command, "--data", str(path), "validate"], env=env,
                               check=False, capture_output=True)

            changed = work / f"{label}-changed.yaml"
            changed_text = one_dossier_changed(pristine.read_text(encoding="utf-8"))

            def change(path: Path = changed, text: str = changed_text,
                       pristine: Path = pristine) -> None:
                primed(path, copy=pristine)  # the entry of the version before the change
                path.write_text(text, encoding="utf-8")

            lines = {
                "validate (cold)": ([*command, "--no-cache", "--data", str(pristine), "validate"],
                                    None, fenv),
                "validate (warm)": ([*command, "--data", str(pristine), "validate"],
                                    partial(primed, pristine), fenv),
                "validate, one dossier changed": ([*command, "--data", str(changed), "validate"],
                                                  change, fenv),
                "event add --dry-run": ([*command, "--data", str(pristine), *edit_args,
                                         "--dry-run"], None, fenv),
                "event add": ([*command, "--data", str(edited), *edit_args], restore, fenv),
                "event add --dry-run (warm cache)": (
                    [*command, "--data", str(pristine), *edit_args, "--dry-run"],
                    partial(primed, pristine), fenv),
                "event add (warm cache)": ([*command, "--data", str(edited), *edit_args],
                                           partial(primed, edited, copy=pristine), fenv),
                "fmt --check": ([*command, "--data", str(unprimed), "fmt", "--check"], None,
                                fenv),
                "fmt --check (warm cache)": (
                    [*command, "--data", str(pristine), "fmt", "--check"],
                    partial(primed, pristine), fenv),
            }
            if old is not None and (n == 0 or n <= args.baseline_max):
                oenv = {**fenv, "PYTHONPATH": str(old)}
                py = [sys.executable, "-m", "compartment"]
                for name in ("event add --dry-run", "event add", "fmt --check"):
                    argv, before, _ = lines[name]
                    lines[f"{name} ({args.baseline})"] = ([*py, *argv[len(command):]], before, oenv)
            count = f"{n:,} dossiers" if n else "the shipped file"
            print(f"\n{count}: {size / 1e6:.1f} MB; {args.runs} runs each, medians (min-max)")
            print(f"{'':<44}{'wall time, ms':>24} {'x validate':>9}")
            base = None
            for name, (argv, before, lenv) in lines.items():
                times, _peak = scale.measure(argv, args.runs, lenv, before)
                if base is None:
                    base = statistics.median(times)
                    print(line(name, times, None))
                else:
                    print(line(name, times, base))
                limit = TARGETS.get((label, name))
                if limit is not None:
                    got = statistics.median(times)
                    verdicts.append(f"  {name} on {count}: {got:.2f} s (target <= {limit} s): "
                                    f"{'met' if got <= limit else 'NOT met'}")
        print("\ntargets")
        print("\n".join(verdicts))
        if scale.src_snapshot() != snapshot:
            print("\nwarning: src/compartment changed during the run; the figures mix versions")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
