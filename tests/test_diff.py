"""`compartment diff`: the data file between two git revisions, in a throwaway repository."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from compartment.data.dataset import Event
from compartment.data.loader import load_text
from compartment.history import datadiff

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

SAMPLE = (Path(__file__).parent / "sample.yaml").read_text(encoding="utf-8")

EXPIRY = """      - date: 2026-02-05
        actor: us-russia
        action: expired
        status: expired
        summary: The treaty expired without a successor.
        sources:
          - https://tass.com/politics/2082091
"""
G8 = """  - id: g8
    title: G8
    domain: diplomacy
    parties: [nato, russia]
    status: suspended
    broken_off_by: nato
    summary: The Group of Eight.
    events:
      - date: 2014-03-24
        actor: nato
        action: suspended participation
        status: suspended
        summary: The others met without Russia.
        sources: [https://example.org/g8]
"""


def edited(text: str) -> str:
    """The sample with New START's expiry undone, one summary edited and a dossier added."""
    out = text.replace(EXPIRY, "").replace("status: expired\n", "status: suspended\n", 1)
    out = out.replace("it was suspending the treaty.", "it was suspending the treaty, in a speech.")
    out = out.replace("  - id: nato-russia-cooperation", G8 + "  - id: nato-russia-cooperation")
    assert out.count("id: ") == text.count("id: ") + 1
    return out


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with data/issues.yaml committed twice: the sample, then the edit."""
    for key, value in {
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
    }.items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    git = ["git", "-C", str(root)]
    subprocess.run([*git, "init", "-q"], check=True)
    data = root / "data" / "issues.yaml"
    data.write_text(SAMPLE, encoding="utf-8")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "sample"], check=True)
    data.write_text(edited(SAMPLE), encoding="utf-8")
    subprocess.run([*git, "commit", "-qam", "edit"], check=True)
    return root


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


TEXT_REPORT = [
    "data/issues.yaml: HEAD~1 -> HEAD",
    "+ dossier g8: G8 (suspended, 1 event)",
    "~ dossier new-start",
    "    status: expired -> suspended",
    "    - event 2026-02-05 us-russia: expired [status: expired]",
    "    ~ event 2023-02-21 russia: suspended implementation [status: suspended] (summary edited)",
]


def test_text_between_two_commits(run, repo: Path) -> None:
    result = run("--data", str(repo / "data" / "issues.yaml"), "diff", "HEAD~1", "HEAD")
    assert lines(result.stdout) == TEXT_REPORT


def test_default_is_head_against_the_working_tree(run, repo: Path, monkeypatch) -> None:
    data = repo / "data" / "issues.yaml"
    same = run("--data", str(data), "diff")
    assert lines(same.stdout) == ["data/issues.yaml: HEAD -> working tree", "no differences"]
    data.write_text(SAMPLE, encoding="utf-8")  # back to the first commit, uncommitted
    monkeypatch.chdir(repo / "data")  # run from inside the repository, data file found nearby
    back = run("diff")
    assert lines(back.stdout)[:3] == [
        "data/issues.yaml: HEAD -> working tree",
        "- dossier g8: G8 (suspended, 1 event)",
        "~ dossier new-start",
    ]
    assert "    status: suspended -> expired" in lines(back.stdout)


def test_markdown(run, repo: Path) -> None:
    result = run("--data", str(repo / "data" / "issues.yaml"), "diff", "HEAD~1", "HEAD", "-f", "markdown")
    assert result.stdout == (
        "### Data changes in `data/issues.yaml`: HEAD~1 → HEAD\n"
        "\n"
        "**Dossiers added**\n"
        "\n"
        "- `g8`: G8 (suspended, 1 event)\n"
        "\n"
        "**`new-start`**\n"
        "\n"
        "- status: expired → **suspended**\n"
        "- event removed: 2026-02-05 `us-russia`: expired (status: **expired**)\n"
        "- event changed: 2023-02-21 `russia`: suspended implementation (status: **suspended**)"
        " (summary edited)\n"
    )


def test_json(run, repo: Path) -> None:
    result = run("--data", str(repo / "data" / "issues.yaml"), "diff", "HEAD~1", "HEAD", "-f", "json")
    report = json.loads(result.stdout)
    assert (report["file"], report["old"], report["new"], report["same"]) == (
        "data/issues.yaml", "HEAD~1", "HEAD", False
    )
    assert [d["id"] for d in report["dossiers_added"]] == ["g8"]
    assert report["dossiers_removed"] == []
    (changed,) = report["dossiers_changed"]
    assert changed["changes"] == {"status": {"old": "expired", "new": "suspended"}}
    assert [e["action"] for e in changed["events_removed"]] == ["expired"]
    assert changed["events_changed"][0]["fields"] == ["summary"]


def test_errors_are_one_line_usage_errors(run, repo: Path, tmp_path: Path) -> None:
    data = str(repo / "data" / "issues.yaml")
    unknown = run("--data", data, "diff", "no-such-rev", ok=False)
    assert unknown.exit_code == 2
    assert unknown.stderr == f"Error: unknown revision 'no-such-rev' in the repository at {repo.resolve()}\n"
    option = run("--data", data, "diff", "--", "--output=x", ok=False)
    assert option.exit_code == 2
    assert option.stderr == "Error: '--output=x' is not a revision\n"
    outside = tmp_path / "loose.yaml"
    outside.write_text(SAMPLE, encoding="utf-8")
    loose = run("--data", str(outside), "diff", ok=False)
    assert loose.exit_code == 2
    assert loose.stderr == f"Error: {outside} is not inside a git repository\n"


def test_file_absent_at_a_revision(run, repo: Path) -> None:
    other = repo / "data" / "other.yaml"
    other.write_text(SAMPLE, encoding="utf-8")
    result = run("--data", str(other), "diff", ok=False)
    assert result.exit_code == 2
    assert result.stderr == "Error: data/other.yaml does not exist at revision HEAD\n"


def test_a_side_with_errors_is_reported_and_exits_1(run, repo: Path) -> None:
    data = repo / "data" / "issues.yaml"
    data.write_text(SAMPLE.replace("status: expired\n", "status: over\n", 1), encoding="utf-8")
    result = run("--data", str(data), "diff", ok=False)
    assert result.exit_code == 1
    assert result.stdout == ""
    err = result.stderr.splitlines()
    assert err[0].startswith(f"{data}:") and "dossiers[new-start].status" in err[0]
    assert err[-1] == "Error: cannot compare: data/issues.yaml at working tree has 1 error(s)"


# -- matching events -------------------------------------------------------------------------

def event(date: str, action: str, summary: str = "s", status: str | None = None) -> Event:
    return Event(date=date, actor="russia", action=action, summary=summary, sources=("x",),
                 status=status)


def test_events_match_by_date_actor_action_in_order() -> None:
    data = load_text(SAMPLE, "old").dataset
    assert data is not None
    base = data.get("new-start")
    assert base is not None
    a = base._replace(events=(event("2023-01-01", "met"), event("2023-01-01", "met", "second")))
    b = base._replace(events=(
        event("2023-01-01", "met", "second"),
        event("2023-01-01", "met", "third"),
        event("2023-01-01", "met", "fourth"),
    ))
    diff = datadiff.compare_dossiers(a, b)
    # first with first, second with second: both edited; the third is new
    assert [(c.old.summary, c.new.summary) for c in diff.events_changed] == [
        ("s", "second"), ("second", "third")
    ]
    assert [e.summary for e in diff.events_added] == ["fourth"]
    assert diff.events_removed == ()
    # a changed date is one event removed and one added
    moved = datadiff.compare_dossiers(a, base._replace(events=(event("2023-01-02", "met"),)))
    assert (len(moved.events_removed), len(moved.events_added)) == (2, 1)
    status = datadiff.compare_dossiers(
        base._replace(events=(event("2023-01-01", "met"),)),
        base._replace(events=(event("2023-01-01", "met", status="strained"),)),
    )
    assert status.events_changed[0].fields == ("status",)
    assert list(datadiff.lines(datadiff.DatasetDiff("a", "b", changed=(status,))))[-1] == (
        "change", "    ~ event 2023-01-01 russia: met [status: strained] (status: null -> strained)"
    )


def test_no_differences_is_falsy() -> None:
    data = load_text(SAMPLE, "x").dataset
    assert data is not None
    diff = datadiff.compare(data, data, "a", "b")
    assert not diff
    assert list(datadiff.lines(diff)) == [("head", "a -> b"), ("", "no differences")]
    assert datadiff.markdown(diff).endswith("No differences.\n")
