"""The commands as a user runs them, with exact output where it matters."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from compartment import __version__


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def test_list_table_exact(run, sample: Path) -> None:
    result = run("--data", str(sample), "list")
    assert lines(result.stdout) == [
        "id                        title                             status      status since   broken off by   domain",
        "─" * 120,
        "new-start                 New START                         expired     2026-02-05     russia          arms-control",
        "nato-russia-cooperation   NATO-Russia practical             suspended   2014-04        nato            security-dialogue",
        "                          cooperation",
    ]


def test_list_filters_by_status(run, sample: Path) -> None:
    result = run("--data", str(sample), "list", "--status", "suspended", "--format", "csv")
    assert result.stdout == (
        "id,title,status,broken_off_by,since,domain\n"
        "nato-russia-cooperation,NATO-Russia practical cooperation,suspended,nato,2014-04,security-dialogue\n"
    )


def test_list_status_is_or_within_and_between_options(run, sample: Path) -> None:
    both = run("--data", str(sample), "list", "-s", "suspended", "-s", "expired", "-f", "json")
    assert [r["id"] for r in json.loads(both.stdout)] == ["new-start", "nato-russia-cooperation"]
    narrowed = run(
        "--data", str(sample), "list", "-s", "suspended", "-s", "expired", "--domain", "arms-control",
        "-f", "json",
    )
    assert [r["id"] for r in json.loads(narrowed.stdout)] == ["new-start"]


def test_list_broken_off_by_accepts_actor_or_bloc(run, sample: Path) -> None:
    by_bloc = run("--data", str(sample), "list", "--broken-off-by", "west", "-f", "json")
    assert [r["id"] for r in json.loads(by_bloc.stdout)] == ["nato-russia-cooperation"]
    by_actor = run("--data", str(sample), "list", "--broken-off-by", "russia", "-f", "json")
    assert [r["id"] for r in json.loads(by_actor.stdout)] == ["new-start"]


def test_list_unknown_actor_is_usage_error(run, sample: Path) -> None:
    result = run("--data", str(sample), "list", "--broken-off-by", "rusia", ok=False)
    assert result.exit_code == 2
    assert "unknown actor or bloc 'rusia'; did you mean russia?" in result.stderr


def test_list_search_party_and_sort(run, sample: Path) -> None:
    found = run("--data", str(sample), "list", "--search", "nrc", "-f", "csv")
    assert found.stdout.splitlines()[1].startswith("nato-russia-cooperation,")
    party = run("--data", str(sample), "list", "--party", "united-states", "-f", "csv")
    assert [row.split(",")[0] for row in party.stdout.splitlines()[1:]] == ["new-start"]
    by_since = run("--data", str(sample), "list", "--sort", "since", "-f", "csv")
    assert [row.split(",")[0] for row in by_since.stdout.splitlines()[1:]] == [
        "nato-russia-cooperation",
        "new-start",
    ]


def test_list_markdown(run, sample: Path) -> None:
    result = run("--data", str(sample), "list", "-f", "markdown", "-s", "expired")
    assert result.stdout == (
        "| id | title | status | broken_off_by | since | domain |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
        "| new-start | New START | expired | russia | 2026-02-05 | arms-control |\n"
    )


def test_invalid_status_lists_valid_values(run, sample: Path) -> None:
    result = run("--data", str(sample), "list", "--status", "paused", ok=False)
    assert result.exit_code == 2
    for status in ("active", "strained", "suspended", "terminated", "expired"):
        assert status in result.stderr


def test_show_exact(run, sample: Path) -> None:
    result = run("--data", str(sample), "show", "nato-russia-cooperation")
    assert lines(result.stdout) == [
        "id             nato-russia-cooperation",
        "title          NATO-Russia practical cooperation",
        "aliases        NRC",
        "domain         security-dialogue",
        "parties        NATO (nato), Russia (russia)",
        "status         suspended  (paused by a party; could resume)",
        "broken off by  NATO (nato)",
        "since          2014-04",
        "breaks         suspended by NATO on 2014-04",
        "summary        Practical civilian and military cooperation in the NATO-Russia Council.",
        "",
        "events",
        "date      actor   status      what happened, and the sources",
        "─" * 120,
        "2014-04   NATO    suspended   suspended practical cooperation",
        "                              NATO foreign ministers suspended all practical cooperation.",
        "                              over: no link stated",
        # The source whole, on its own line under the actor, even past the edge.
        "          https://honvedelem.hu/hirek/measures-following-nato-ministers-decision-to-suspend-all-practical-cooperation-with-russia.html",
    ]


def test_show_unknown_id_suggests(run, sample: Path) -> None:
    result = run("--data", str(sample), "show", "new-strat", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: no dossier with id 'new-strat'; did you mean new-start?"


def test_show_json(run, sample: Path) -> None:
    result = run("--data", str(sample), "show", "new-start", "-f", "json")
    record = json.loads(result.stdout)
    assert record["since"] == "2026-02-05"
    assert [e["date"] for e in record["events"]] == ["2011-02-05", "2023-02-21", "2026-02-05"]


def test_export_csv_exact(run, sample: Path) -> None:
    result = run("--data", str(sample), "export", "--format", "csv")
    assert result.stdout == (
        "id,title,aliases,domain,parties,forum,status,broken_off_by,since,first_broken_off_by,"
        "first_broken_off_on,broken_off_by_bloc,first_broken_off_by_bloc,approach,third_parties,"
        "summary,tags\n"
        "new-start,New START,,arms-control,united-states; russia,,expired,russia,2026-02-05,"
        "russia,2023-02-21,russia,russia,expose,,"
        "The last treaty capping US and Russian strategic nuclear forces.,\n"
        "nato-russia-cooperation,NATO-Russia practical cooperation,NRC,security-dialogue,nato; russia,,"
        "suspended,nato,2014-04,nato,2014-04,west,west,,,"
        "Practical civilian and military cooperation in the NATO-Russia Council.,\n"
    )


def test_export_events_csv(run, sample: Path) -> None:
    result = run("--data", str(sample), "export", "-f", "csv", "--events")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4
    assert rows[1] == {
        "dossier": "new-start",
        "date": "2023-02-21",
        "actor": "russia",
        "action": "suspended implementation",
        "status": "suspended",
        "over": "none stated",
        "accuses": "",
        "unverified": "false",
        "summary": "Russia announced it was suspending the treaty.",
        "sources": "https://russianforces.org/blog/2023/02/russia_suspends_participation_.shtml",
    }


def test_export_json_is_whole_dataset_and_deterministic(run, sample: Path) -> None:
    first = run("--data", str(sample), "export", "-f", "json").stdout
    second = run("--data", str(sample), "export", "-f", "json").stdout
    assert first == second
    data = json.loads(first)
    assert list(data) == ["actors", "dossiers"]
    assert list(data["dossiers"][0]) == [
        "id", "title", "aliases", "domain", "parties", "forum", "status", "broken_off_by",
        "since", "first_broken_off_by", "first_broken_off_on", "breaks", "first_accusation",
        "approach", "third_parties", "summary", "tags", "next", "events",
    ]
    assert data["dossiers"][0]["breaks"] == [
        {"date": "2023-02-21", "actor": "russia", "status": "suspended"}
    ]
    assert data["actors"]["nato"] == {"name": "NATO", "bloc": "west"}


def test_export_jsonl_events(run, sample: Path) -> None:
    result = run("--data", str(sample), "export", "-f", "jsonl", "--events")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["dossier"] for r in records] == ["new-start"] * 3 + ["nato-russia-cooperation"]


def test_export_to_file(run, sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    result = run("--data", str(sample), "export", "-f", "csv", "-o", str(target))
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("id,title,")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # not the 0600 of a temp file
    target.chmod(0o640)
    run("--data", str(sample), "export", "-f", "csv", "-o", str(target))
    assert target.stat().st_mode & 0o777 == 0o640  # an existing file keeps its mode


def test_export_refuses_to_overwrite_data_file(run, sample: Path, tmp_path: Path) -> None:
    copy = tmp_path / "issues.yaml"
    copy.write_bytes(sample.read_bytes())
    result = run("--data", str(copy), "export", "-f", "csv", "-o", str(copy), ok=False)
    assert result.exit_code == 2
    assert "refusing to overwrite the data file" in result.stderr
    assert copy.read_bytes() == sample.read_bytes()


def test_export_into_missing_folder(run, sample: Path, tmp_path: Path) -> None:
    result = run("--data", str(sample), "export", "-o", str(tmp_path / "nope" / "x.json"), ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: -o ")
    assert "does not exist" in result.stderr


def test_validate_clean(run, sample: Path) -> None:
    result = run("--data", str(sample), "validate", "--strict")
    assert result.stdout == f"{sample}: no problems found\n"


def test_validate_json(run, write_dataset) -> None:
    path = write_dataset(
        """
        actors: {}
        dossiers: []
        extra: 1
        """
    )
    result = run("--data", str(path), "validate", "-f", "json", ok=False)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["problems"] == [
        {
            "file": str(path),
            "line": 3,
            "column": 1,
            "path": "extra",
            "severity": "error",
            "code": "unknown-field",
            "message": "unknown field 'extra'; allowed: actors, crises, dossiers, publishers",
        }
    ]


def test_validate_github_annotations(run, write_dataset) -> None:
    path = write_dataset(
        """
        actors: {}
        dossiers: []
        extra: 1
        """
    )
    result = run("--data", str(path), "validate", "--format", "github", ok=False)
    assert result.stdout == (
        f"::error file={path},line=3,col=1::extra: unknown field 'extra'; allowed: actors, crises, dossiers, publishers\n"
    )


def test_strict_fails_on_warnings(run, write_dataset) -> None:
    path = write_dataset(
        """
        actors:
          lonely:
            name: Nobody
            bloc: west
        dossiers: []
        """
    )
    assert run("--data", str(path), "validate").exit_code == 0
    strict = run("--data", str(path), "validate", "--strict", ok=False)
    assert strict.exit_code == 1
    assert f"{path}:2:3: actors.lonely: warning: actor 'lonely' is not used by any dossier" in strict.stdout


def test_commands_refuse_invalid_data(run, write_dataset) -> None:
    path = write_dataset("actors: {}\ndossiers: [1]\n")
    result = run("--data", str(path), "list", ok=False)
    assert result.exit_code == 1
    assert "run `compartment validate`" in result.stderr
    assert result.stdout == ""


def test_info(run, sample: Path) -> None:
    result = run("--data", str(sample), "info")
    assert lines(result.stdout) == [
        f"file         {sample}",
        "chosen by    --data",
        "dossiers     2",
        "events       4",
        "actors       4",
        "first event  2011-02-05",
        "last event   2026-02-05",
        "by status    suspended 1, expired 1",
    ]


def test_version(run) -> None:
    assert run("--version").stdout == f"compartment {__version__}\n"


@pytest.mark.parametrize(
    "command",
    ["list", "show", "validate", "export", "info", "timeline", "stats", "diff", "chart",
     "fmt", "schema", "event add", "dossier add", "dossier set", "actor add"],
)
def test_every_command_has_help_with_example(run, command: str) -> None:
    result = run(*command.split(), "--help")
    assert "Example" in result.stdout
    assert f"compartment {command}" in result.stdout


def test_data_file_from_environment(run, sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPARTMENT_DATA", str(sample))
    assert "$COMPARTMENT_DATA" in run("info").stdout


def test_nearest_data_file_walking_up(run, sample: Path, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "issues.yaml").write_bytes(sample.read_bytes())
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    out = run("info").stdout
    assert "nearest data/issues.yaml" in out
    assert "../../data/issues.yaml" in out  # relative to where the user stands


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("missing.yaml", "no such file"),
        (".", "is a directory"),
        ("-", "standard input is not supported"),
        ("/dev/urandom", "not a regular file"),
    ],
)
def test_bad_data_paths(run, arg: str, message: str) -> None:
    result = run("--data", arg, "list", ok=False)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_list_longer_than_a_screen_says_how_to_page(run, sample, monkeypatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich then treats the output as a terminal
    monkeypatch.setenv("LINES", "3")
    result = run("--data", str(sample), "list")
    assert result.stderr == (
        "2 dossiers, more than a screen: page with `compartment list | less -S`, "
        "or export with `--format csv`.\n"
    )
    monkeypatch.setenv("LINES", "100")
    assert run("--data", str(sample), "list").stderr == ""


def test_list_table_limit(run, sample) -> None:
    result = run("--data", str(sample), "list", "--limit", "1")
    assert len(lines(result.stdout)) == 3  # header, rule, one row
    assert result.stderr == (
        "Showing 1 of 2 dossiers: --limit 0 shows them all, --format csv exports them.\n"
    )
    assert run("--data", str(sample), "list", "--limit", "0").stderr == ""
    csv_out = run("--data", str(sample), "list", "--limit", "1", "-f", "csv").stdout
    assert len(csv_out.splitlines()) == 3  # the limit is for tables only


def test_show_lists_only_breaks_as_breaks(run, sample: Path) -> None:
    """An expiry is where the dossier stands, not a break (the site agreed; show did not)."""
    shown = lines(run("--data", str(sample), "show", "new-start").stdout)
    assert "breaks         suspended by Russia on 2023-02-21" in shown
    assert "status         expired  (ended by its own terms)" in shown


def test_show_markdown_is_a_page_whose_data_stays_text(run, write_dataset) -> None:
    path = write_dataset(
        """
        actors:
          nato: {name: NATO <b>, bloc: west}
        dossiers:
          - id: x
            title: A <script>alert(1)</script> | pipe
            domain: diplomacy
            parties: [nato]
            status: active
            broken_off_by: null
            summary: Summary with [a link](javascript:alert(1)).
            events:
              - date: 2020
                actor: nato
                action: began
                status: active
                summary: Began.
                sources: ['https://example.org/a', 'javascript:alert(1)', A citation]
        """
    )
    page = run("--data", str(path), "show", "x", "--format", "markdown").stdout
    assert page.splitlines()[0] == "# A &lt;script&gt;alert(1)&lt;/script&gt; \\| pipe"
    assert "### 2020: NATO &lt;b&gt; began → **active**" in page
    assert "- <https://example.org/a>" in page  # an http(s) source is a link
    assert "- javascript:alert(1)" in page  # anything else stays text
    assert "- A citation" in page
    assert "<script>" not in page and "<b>" not in page
