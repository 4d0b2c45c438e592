"""`compartment log`: the data file's history as changes to the ledger, in a throwaway repo."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from compartment.data.dataset import Event
from compartment.edit import changes as edit
from compartment.edit import rewrite
from compartment.history import ledgerlog, revisions

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

SAMPLE = (Path(__file__).parent / "sample.yaml").read_text(encoding="utf-8")
LEFT = Event("2022-03-01", "russia", "left", "Russia left.", ("https://tass.com/l",),
             "terminated")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Five commits: the sample; a summary edited; the file renamed (git mv) and an event
    added; a broken file; the break fixed with a new title."""
    for key, value in {
        "GIT_AUTHOR_NAME": "Ann", "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "Ann", "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
    }.items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    old, new = root / "data" / "issues.yaml", root / "data" / "ledger.yaml"

    def commit(day: str, message: str) -> None:
        monkeypatch.setenv("GIT_AUTHOR_DATE", f"{day}T12:00:00+00:00")
        monkeypatch.setenv("GIT_COMMITTER_DATE", f"{day}T12:00:00+00:00")
        git(root, "add", "-A")
        git(root, "commit", "-qm", message)

    git(root, "init", "-q")
    old.write_text(SAMPLE, encoding="utf-8")
    commit("2025-01-01", "sample")
    old.write_text(SAMPLE.replace("The last treaty", "The final treaty"), encoding="utf-8")
    commit("2025-02-01", "edit a summary")
    git(root, "mv", "data/issues.yaml", "data/ledger.yaml")
    text = new.read_text(encoding="utf-8")
    new.write_text(rewrite.apply(text, "t", edit.add_event("nato-russia-cooperation", LEFT)).after,
                   encoding="utf-8")
    commit("2025-03-01", "rename; Russia left")
    good = new.read_text(encoding="utf-8")
    new.write_text("# only a comment\n" + good, encoding="utf-8")
    commit("2025-03-15", "a comment: no change to the data, not listed")
    new.write_text(good + "oops: [\n", encoding="utf-8")
    commit("2025-04-01", "break it")
    new.write_text(good.replace("title: New START", "title: New START Treaty"),
                   encoding="utf-8")
    commit("2025-05-01", "fix it")
    return root


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=True)
    return done.stdout


def masked(text: str) -> list[str]:
    """The output's lines with commit ids as `<id>`."""
    return [re.sub(r"\b[0-9a-f]{12}\b", "<id>", line.rstrip()) for line in text.splitlines()]


def test_newest_first_across_the_rename(run, repo: Path) -> None:
    result = run("--data", str(repo / "data" / "ledger.yaml"), "log")
    assert masked(result.stdout) == [
        "<id> 2025-05-01 Ann: fix it",
        "  (compared with <id>: the parent's version does not validate)",
        "  ~ dossier new-start",
        "      also changed: title",
        "",
        "<id> 2025-04-01 Ann: break it",
        "  ! <id>:data/ledger.yaml:72:1: invalid YAML: did not find expected node content",
        "",
        "<id> 2025-03-01 Ann: rename; Russia left",
        "  ~ dossier nato-russia-cooperation",
        "      status: suspended -> terminated",
        "      broken_off_by: nato -> russia",
        "      + event 2022-03-01 russia: left [status: terminated]",
        "",
        "<id> 2025-02-01 Ann: edit a summary",
        "  ~ dossier new-start",
        "      also changed: summary",
        "",
        "<id> 2025-01-01 Ann: sample",
        "  + actor nato",
        "  + actor russia",
        "  + actor united-states",
        "  + actor us-russia",
        "  + dossier new-start: New START (expired, 3 events)",
        "  + dossier nato-russia-cooperation: NATO-Russia practical cooperation (suspended, 1 event)",
    ]


def test_one_dossier_oldest_first_and_n(run, repo: Path) -> None:
    data = str(repo / "data" / "ledger.yaml")
    result = run("--data", data, "log", "nato-russia-cooperation", "--reverse")
    heads = [line for line in masked(result.stdout) if line.startswith("<id>")]
    # The broken version is listed: nobody can tell what it did to the dossier.
    assert heads == ["<id> 2025-01-01 Ann: sample", "<id> 2025-03-01 Ann: rename; Russia left",
                     "<id> 2025-04-01 Ann: break it"]
    last = run("--data", data, "log", "new-start", "-n", "1")
    assert masked(last.stdout)[0] == "<id> 2025-05-01 Ann: fix it"
    assert len([line for line in masked(last.stdout) if line.startswith("<id> ")]) == 1


def test_since_and_json(run, repo: Path) -> None:
    result = run("--data", str(repo / "data" / "ledger.yaml"), "log", "--since", "2025-03",
                 "--format", "json")
    entries = json.loads(result.stdout)
    assert [e["subject"] for e in entries] == ["fix it", "break it", "rename; Russia left"]
    fixed, broken, renamed = entries
    assert broken["valid"] is False and "invalid YAML" in broken["problem"]
    # The last good version: the comment's commit, which is not listed itself.
    assert fixed["compared_with"] == git(repo, "rev-parse", "HEAD~2")[:12]
    assert fixed["changes"]["dossiers_changed"][0]["other_fields"] == ["title"]
    assert renamed["file"] == "data/ledger.yaml" and renamed["date"].startswith("2025-03-01")


@pytest.mark.parametrize("command", [["log"], ["chart", "-o", "c.svg"], ["timeline"]])
def test_a_year_0000_is_a_usage_error(run, repo: Path, command: list[str]) -> None:
    """Bug: `log --since 0000` and `chart --since 0000` crashed (exit 70): the year was taken
    as a date, and no date has year 0."""
    result = run("--data", str(repo / "data" / "ledger.yaml"), *command, "--since", "0000",
                 ok=False)
    assert (result.exit_code, result.stderr) == (
        2, "Error: --since '0000': year 0000 does not exist; the calendar starts at 0001\n")


def test_markdown(run, repo: Path) -> None:
    result = run("--data", str(repo / "data" / "ledger.yaml"), "log", "nato-russia-cooperation",
                 "-n", "2", "-f", "markdown")
    out = masked(result.stdout)
    assert out[0] == "#### <id> 2025-04-01 Ann: break it"
    assert "- event added: 2022-03-01 `russia`: left (status: **terminated**)" in out


def test_an_unknown_dossier_is_a_usage_error(run, repo: Path) -> None:
    result = run("--data", str(repo / "data" / "ledger.yaml"), "log", "new-strat", ok=False)
    assert result.exit_code == 2
    assert "new-start" in result.stderr  # the closest id is suggested


def test_outside_a_repository(run, tmp_path: Path) -> None:
    data = tmp_path / "issues.yaml"
    data.write_text(SAMPLE, encoding="utf-8")
    result = run("--data", str(data), "log", ok=False)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {data} is not inside a git repository\n"


def test_each_blob_is_parsed_once(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real = revisions.load_blob

    def counting(*args, **kwargs):
        parsed.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(revisions, "load_blob", counting)
    entries = ledgerlog.walk(revisions.repository(repo / "data" / "ledger.yaml"))
    assert len(entries) == 5
    assert len(parsed) == len(set(parsed)) == 6  # six versions, each read once


def test_a_blob_over_the_size_limit_is_reported_not_read(
    run, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPARTMENT_MAX_BYTES", "1000")
    result = run("--data", str(repo / "data" / "ledger.yaml"), "log", "-n", "1")
    assert "over the limit of 1,000; set COMPARTMENT_MAX_BYTES to raise it" in result.stdout
    repository = revisions.repository(repo / "data" / "ledger.yaml")
    loaded = revisions.load_revision(repository, "HEAD", repo / "data" / "ledger.yaml")
    assert loaded.dataset is None and "over the limit" in loaded.errors[0].message


def test_known_at_and_diff_follow_the_rename(run, repo: Path) -> None:
    data = str(repo / "data" / "ledger.yaml")
    before = run("--data", data, "--known-at", "2025-02-15", "export", "--format", "json")
    summaries = {d["id"]: d["summary"] for d in json.loads(before.stdout)["dossiers"]}
    assert summaries["new-start"].startswith("The final treaty")
    diff = run("--data", data, "diff", "HEAD~5", "HEAD")
    assert "+ event 2022-03-01 russia: left [status: terminated]" in diff.stdout


def test_blobs_read_in_small_batches_give_the_same_log(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repository = revisions.repository(repo / "data" / "ledger.yaml")
    whole = ledgerlog.walk(repository)
    monkeypatch.setattr(ledgerlog, "_BATCH_BYTES", 1)  # one blob per git process
    assert ledgerlog.walk(repository) == whole


def test_a_commit_that_only_registers_a_crisis_is_not_in_a_dossiers_log(
    run, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = repo / "data" / "ledger.yaml"
    crisis = ("crises:\n  crimea-2014:\n    name: Crimea\n    date: 2014-02-27\n"
              "    summary: The seizure of Crimea.\n    sources:\n      - https://un.example/c\n")
    data.write_text(data.read_text(encoding="utf-8").replace("dossiers:\n", crisis + "dossiers:\n", 1),
                    encoding="utf-8")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2025-06-01T12:00:00+00:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2025-06-01T12:00:00+00:00")
    git(repo, "commit", "-qam", "register a crisis")
    whole = masked(run("--data", str(data), "log", "-n", "1").stdout)
    assert whole[:2] == ["<id> 2025-06-01 Ann: register a crisis", "  + crisis crimea-2014"]
    one = masked(run("--data", str(data), "log", "new-start", "-n", "1").stdout)
    assert one[0] == "<id> 2025-05-01 Ann: fix it"
