"""Before and after: two installs of compartment timed on the same commands, run by run.

    python benchmarks/ab.py OLD_VENV NEW_VENV [--runs 11] [--sizes shipped,1000,10000]

Each venv holds an install of compartment (a wheel, as users get it). Every scenario runs
the old and the new command in turn, A B A B ..., each as a fresh process, with whatever it
needs set up before the clock starts (a primed cache, a fresh copy of the file), so both see
the same load on a shared machine. Printed per scenario: the median wall time of each, and
the median of the paired ratios new/old (below 1: the new one is faster).

Sizes: `shipped` is data/issues.yaml, or the file `--shipped` names (the baseline must be
able to read it: when the data gained fields the baseline does not know, give the data
file of the baseline's commit, `git show REV:data/issues.yaml`); a number is a ledger of that many dossiers made by
benchmarks/generate.py (10,000 dossiers is 23 MB, over the 10 MB default limit:
COMPARTMENT_MAX_BYTES is raised for it). The floor of a cold load, a bare libyaml parse of
the same file (`yaml.load` with CSafeLoader), is timed in the same rounds for reference.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EVENT = ["--date", "2020-01-01", "--actor", "{actor}", "--action", "said so", "--summary",
         "Said so.", "--source", "{source}"]


def ledger(size: str, venv: Path, shipped: Path) -> Path:
    """The ledger of `size`, in the canonical layout of the install `venv` (a user's file is:
    CI and pre-commit keep it so), made on first use."""
    if size == "shipped":
        return shipped
    path = HERE / "generated" / f"dossiers-{size}-canonical.yaml"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        subprocess.run([sys.executable, str(HERE / "generate.py"), size, "-o", str(path),
                        "--force"], check=True, capture_output=True)
        env = {**os.environ, "COMPARTMENT_MAX_BYTES": str(100 << 20)}
        subprocess.run([str(venv / "bin" / "compartment"), "--no-cache", "--data", str(path),
                        "fmt"], check=True, capture_output=True, env=env)
    return path


# Run by the new install: the ledger with `over: []` on every break the linkage rule asks
# about, so that the new version reads it without warnings (locating warnings costs a
# compose of the file), as a maintained ledger has none.
LINKED = """
import sys
from compartment.data import loader
from compartment.data.dataset import breaking_events
from compartment.data.vocab import LINKAGE_SINCE
from compartment.edit import rewrite
text = open(sys.argv[1], encoding="utf-8").read()
data = loader.load_text(text, "x").dataset
dossiers = []
for d in data.dossiers:
    breaks = {id(e) for e in breaking_events(d.events)}
    dossiers.append(d._replace(events=tuple(
        e._replace(over=()) if id(e) in breaks and e.over is None and e.date >= LINKAGE_SINCE
        else e for e in d.events)))
sys.stdout.write(rewrite.write_text(data._replace(dossiers=tuple(dossiers)), text))
"""


def pair(original: Path, old_venv: Path, new_venv: Path, scratch: Path) -> dict[str, Path]:
    """The same records in each version's contract: the new one's with `over: []` on its
    breaks, the old one's without (it knows no `over`). Both must validate cleanly."""
    linked = subprocess.run([str(new_venv / "bin" / "python"), "-c", LINKED, str(original)],
                            check=True, capture_output=True, text=True).stdout
    files = {"new": scratch / "ledger-new.yaml", "old": scratch / "ledger-old.yaml"}
    files["new"].write_text(linked, encoding="utf-8")
    old = "".join(line for line in linked.splitlines(keepends=True)
                  if line.strip() != "over: []")
    files["old"].write_text(old, encoding="utf-8")
    env = {**os.environ, "COMPARTMENT_MAX_BYTES": str(100 << 20)}
    for side, venv in (("old", old_venv), ("new", new_venv)):
        subprocess.run([str(venv / "bin" / "compartment"), "--no-cache", "--data",
                        str(files[side]), "validate", "--strict"], check=True,
                       capture_output=True, env=env)
    return files


def first_dossier(venv: Path, data: Path, env: dict[str, str]) -> tuple[str, str, str]:
    """The middle dossier's id, its first event's actor and first source: what `show` and
    `event add` are given."""
    import json

    out = subprocess.run([str(venv / "bin" / "compartment"), "--data", str(data), "export",
                          "-f", "json"], check=True, capture_output=True, text=True, env=env)
    dossiers = json.loads(out.stdout)["dossiers"]
    dossier = dossiers[len(dossiers) // 2]
    event = dossier["events"][0]
    return dossier["id"], event["actor"], event["sources"][0]


class Scenario:
    def __init__(self, name: str, argv: list[str],
                 setup: Callable[[Path, Path, dict[str, str]], None] | None = None) -> None:
        self.name, self.argv, self.setup = name, argv, setup


def run_once(venv: Path, argv: list[str], env: dict[str, str]) -> float:
    command = [str(venv / "bin" / "compartment"), *argv]
    start = time.perf_counter()
    # A command that fails is not the one meant to be timed: stop rather than print its time.
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    return time.perf_counter() - start


def yaml_parse(venv: Path, data: Path) -> float:
    code = ("import sys, yaml; yaml.load(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)")
    start = time.perf_counter()
    subprocess.run([str(venv / "bin" / "python"), "-c", code, str(data)], check=True)
    return time.perf_counter() - start


def measure(size: str, old_venv: Path, new_venv: Path, runs: int, scratch: Path,
            shipped: Path) -> None:
    """Every scenario on the ledger of `size`, printed a line each as it ends."""
    originals = pair(ledger(size, new_venv, shipped), old_venv, new_venv, scratch)
    original = originals["new"]
    envs = {side: {**os.environ, "COMPARTMENT_CACHE_DIR": str(scratch / f"cache-{side}"),
                   "COMPARTMENT_MAX_BYTES": str(100 << 20), "NO_COLOR": "1"}
            for side in ("old", "new")}
    dossier, actor, source = first_dossier(new_venv, original, envs["new"])
    event = [a.format(actor=actor, source=source) for a in EVENT]

    def copy(side: str) -> Path:
        target = scratch / side / "issues.yaml"
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(originals[side], target)
        return target

    def prime(venv: Path, data: Path, env: dict[str, str]) -> None:
        subprocess.run([str(venv / "bin" / "compartment"), "--data", str(data), "validate"],
                       env=env, capture_output=True, check=False)

    def edited(venv: Path, data: Path, env: dict[str, str]) -> None:
        prime(venv, data, env)
        subprocess.run([str(venv / "bin" / "compartment"), "--data", str(data), "event", "add",
                        dossier, *event], env=env, capture_output=True, check=True)

    def fresh_cache(venv: Path, data: Path, env: dict[str, str]) -> None:
        shutil.rmtree(env["COMPARTMENT_CACHE_DIR"], ignore_errors=True)

    scenarios = [
        Scenario("warm list --status suspended", ["list", "--status", "suspended"], prime),
        Scenario(f"warm show {dossier}", ["show", dossier], prime),
        Scenario("event add", ["event", "add", dossier, *event], prime),
        Scenario("first list after an event add", ["list", "--status", "suspended"], edited),
        Scenario("cold validate", ["validate"], fresh_cache),
    ]
    if size == "shipped":
        scenarios.append(Scenario("start-up: --version", ["--version"]))
    for scenario in scenarios:
        times: dict[str, list[float]] = {"old": [], "new": []}
        floor: list[float] = []
        for _ in range(runs):
            for side, venv in (("old", old_venv), ("new", new_venv)):
                data = copy(side)
                if scenario.setup is not None:
                    scenario.setup(venv, data, envs[side])
                times[side].append(run_once(venv, ["--data", str(data), *scenario.argv],
                                            envs[side]))
            if scenario.name == "cold validate":
                floor.append(yaml_parse(new_venv, original))
        ratio = statistics.median(n / o for n, o in zip(times["new"], times["old"], strict=True))
        old, new = statistics.median(times["old"]), statistics.median(times["new"])
        line = (f"{size:>8}  {scenario.name:36} old {old:7.3f} s  new {new:7.3f} s  "
                f"new/old {ratio:5.2f}")
        if floor:
            parse = statistics.median(floor)
            line += (f"  (libyaml parse {parse:.3f} s: new/parse {new / parse:4.2f}, "
                     f"old/parse {old / parse:4.2f})")
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path, help="the venv of the baseline")
    parser.add_argument("new", type=Path, help="the venv of the version measured")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--sizes", default="shipped,1000,10000")
    parser.add_argument("--shipped", type=Path, default=ROOT / "data" / "issues.yaml",
                        help="the ledger the size `shipped` names")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="ab-"))
    try:
        for size in args.sizes.split(","):
            measure(size, args.old, args.new, args.runs, scratch, args.shipped)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
