"""`--known-at REV`: the ledger as committed at a tag, a branch, a commit or a date."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from compartment.data.dataset import Event
from compartment.edit import changes as edit
from compartment.edit import rewrite

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

SAMPLE = (Path(__file__).parent / "sample.yaml").read_text(encoding="utf-8")
LEFT = Event("2022-03-01", "russia", "left", "Russia left.", ("https://tass.com/l",),
             "terminated")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: the sample (tagged v1, 2024-01-10), then NATO-Russia terminated (2025-06-01,
    15:00 UTC). Branch `retitled`, from v1: New START's title changed. The working tree has
    an uncommitted third title."""
    for key, value in {
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "TZ": "UTC",
    }.items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    data = root / "data" / "issues.yaml"

    def commit(when: str, message: str) -> None:
        monkeypatch.setenv("GIT_AUTHOR_DATE", when)
        monkeypatch.setenv("GIT_COMMITTER_DATE", when)
        git(root, "commit", "-qam", message)

    git(root, "init", "-q", "-b", "main")
    data.write_text(SAMPLE, encoding="utf-8")
    git(root, "add", ".")
    commit("2024-01-10T09:00:00+00:00", "sample")
    git(root, "tag", "v1")
    data.write_text(rewrite.apply(SAMPLE, "t", edit.add_event("nato-russia-cooperation", LEFT)).after,
                    encoding="utf-8")
    commit("2025-06-01T15:00:00+00:00", "Russia left")
    git(root, "checkout", "-qb", "retitled", "v1")
    data.write_text(SAMPLE.replace("title: New START", "title: New START (branch)"),
                    encoding="utf-8")
    commit("2024-02-01T09:00:00+00:00", "retitle")
    git(root, "checkout", "-q", "main")
    text = data.read_text(encoding="utf-8")
    data.write_text(text.replace("title: New START", "title: New START (uncommitted)"),
                    encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=True).stdout


def statuses(run, *options: str) -> dict[str, str]:
    result = run(*options, "list", "--format", "json")
    return {d["id"]: d["status"] for d in json.loads(result.stdout)}


def titles(run, *options: str) -> list[str]:
    result = run(*options, "list", "--format", "json")
    return [d["title"] for d in json.loads(result.stdout)]


def test_a_tag_a_branch_and_a_commit(run, repo: Path) -> None:
    assert titles(run)[0] == "New START (uncommitted)"
    assert statuses(run, "--known-at", "v1")["nato-russia-cooperation"] == "suspended"
    assert statuses(run, "--known-at", "main")["nato-russia-cooperation"] == "terminated"
    assert titles(run, "--known-at", "retitled")[0] == "New START (branch)"
    assert titles(run, "--known-at", "HEAD~1")[0] == "New START"


def test_a_date_is_the_last_commit_on_or_before_that_day(run, repo: Path) -> None:
    # The day of a commit includes it, even one made later in the day than now.
    assert statuses(run, "--known-at", "2025-06-01")["nato-russia-cooperation"] == "terminated"
    assert statuses(run, "--known-at", "2025-05-31")["nato-russia-cooperation"] == "suspended"
    # The current branch's history, not the other branch's later commit.
    assert titles(run, "--known-at", "2024-12-31")[0] == "New START"
    early = run("--known-at", "2024-01-09", "list", ok=False)
    assert early.exit_code == 2
    assert "no commit on or before 2024-01-09" in early.stderr


def test_with_as_of(run, repo: Path) -> None:
    result = run("--known-at", "main", "list", "--as-of", "2021-01-01", "--format", "json")
    assert {d["id"]: d["status"] for d in json.loads(result.stdout)} == {
        "new-start": "active", "nato-russia-cooperation": "suspended"}
    assert statuses(run, "--known-at", "main")["nato-russia-cooperation"] == "terminated"


def test_info_names_the_revision_and_its_date(run, repo: Path) -> None:
    sha = git(repo, "rev-parse", "v1").strip()
    result = run("--known-at", "v1", "info")
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert f"known at     v1 (commit {sha[:12]})" in lines
    assert "commit date  2024-01-10T09:00:00+00:00" in lines
    assert "known at" not in run("info").stdout


def test_other_read_commands(run, repo: Path) -> None:
    shown = run("--known-at", "v1", "show", "nato-russia-cooperation")
    assert "left" not in shown.stdout
    assert "left" in run("--known-at", "main", "timeline", "--format", "csv").stdout
    assert run("--known-at", "v1", "validate").exit_code == 0


@pytest.mark.parametrize("rev", ["nope", "v9", "2025-02-30", "-p"])
def test_an_unknown_revision_is_a_usage_error(run, repo: Path, rev: str) -> None:
    result = run(f"--known-at={rev}", "list", ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")


def test_no_repository_is_a_usage_error(run, tmp_path: Path) -> None:
    data = tmp_path / "alone.yaml"
    data.write_text(SAMPLE, encoding="utf-8")
    result = run("--data", str(data), "--known-at", "HEAD", "list", ok=False)
    assert (result.exit_code, result.stderr) == (
        2, f"Error: {data} is not inside a git repository\n")


@pytest.mark.parametrize("command", [
    ["fmt"],
    ["fmt", "--check"],
    ["validate", "data/issues.yaml"],
    ["diff"],
    ["actor", "add", "eu", "--name", "European Union", "--bloc", "west"],
    ["log"],
])
def test_commands_on_the_file_as_it_is_refuse_it(run, repo: Path, command: list[str]) -> None:
    before = (repo / "data" / "issues.yaml").read_bytes()
    result = run("--known-at", "v1", *command, ok=False)
    assert result.exit_code == 2, result.output
    assert "--known-at v1: " in result.stderr
    assert (repo / "data" / "issues.yaml").read_bytes() == before


def test_a_revision_with_errors_is_reported(run, repo: Path) -> None:
    data = repo / "data" / "issues.yaml"
    data.write_text(SAMPLE.replace("bloc: west", "bloc: westish", 1), encoding="utf-8")
    git(repo, "commit", "-qam", "broken")
    result = run("--known-at", "HEAD", "list", ok=False)
    assert result.exit_code == 1
    assert "HEAD:data/issues.yaml:" in result.stderr
