"""`compartment fmt`: one canonical layout, comments kept, data unchanged."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from compartment.edit import rewrite

ROOT = Path(__file__).resolve().parent.parent

MESSY = textwrap.dedent(
    """\
    # yaml-language-server: $schema=../schema/issues.schema.json
    actors:
      russia:
        bloc: russia
        name: Russia
      nato: {name: NATO, bloc: west}
    dossiers:
      - id: nrc
        title: NRC
        domain: security-dialogue
        parties:
          - nato
          - russia
        status: suspended
        broken_off_by: nato
        summary: >-
          Practical cooperation
          in the Council.
        events:
          - actor: nato
            date: '2014-04'
            action: suspended
            status: suspended
            summary: z
            sources: [a]
      - title: START
        id: start
        domain: arms-control
        parties: [russia]
        status: active
        broken_off_by: ~
        summary: "x: a summary longer than one line can hold, so that it is written folded at the width of the page"
        events:
            - date: "2010-01-01"
              actor: russia
              action: signed
              status: active
              summary: "yes"
              sources:
              - a
    """
)

CANONICAL = textwrap.dedent(
    """\
    # yaml-language-server: $schema=../schema/issues.schema.json
    actors:
      nato:
        name: NATO
        bloc: west
      russia:
        name: Russia
        bloc: russia
    dossiers:
      - id: start
        title: START
        domain: arms-control
        parties: [russia]
        status: active
        broken_off_by: null
        summary: >-
          x: a summary longer than one line can hold, so that it is written folded at the width of
          the page
        events:
          - date: 2010-01-01
            actor: russia
            action: signed
            status: active
            summary: 'yes'
            sources:
              - a
      - id: nrc
        title: NRC
        domain: security-dialogue
        parties: [nato, russia]
        status: suspended
        broken_off_by: nato
        summary: Practical cooperation in the Council.
        events:
          - date: 2014-04
            actor: nato
            action: suspended
            status: suspended
            summary: z
            sources:
              - a
    """
)


def fmt(text: str) -> str:
    return rewrite.apply(text, "t.yaml", None).after


def test_canonical_layout_exact() -> None:
    assert fmt(MESSY) == CANONICAL
    assert fmt(CANONICAL) == CANONICAL


def test_crlf_files_stay_crlf() -> None:
    crlf = MESSY.replace("\n", "\r\n")
    assert fmt(crlf) == CANONICAL.replace("\n", "\r\n")


def test_format_refuses_invalid_data() -> None:
    text = "actors: {}\ndossiers: [1]\n"
    result = rewrite.apply(text, "bad.yaml", None)
    assert result.after == text
    assert result.errors


def test_shipped_data_is_canonical() -> None:
    text = (ROOT / "data" / "issues.yaml").read_text(encoding="utf-8")
    assert fmt(text) == text


def test_sample_is_canonical(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    assert fmt(text) == text


@pytest.mark.parametrize(("where", "line"), [
    ("  russia:\n", "  russia:  # the federation\n"),
    ("        summary: z\n", "        summary: z   # eol\n"),
    ("dossiers:\n", "# a note between sections\ndossiers:\n"),
])
def test_a_comment_outside_the_header_is_refused_with_its_line(where: str, line: str) -> None:
    text = CANONICAL.replace(where, line, 1)
    number = text.split("\n").index(line.split("\n")[0]) + 1
    with pytest.raises(rewrite.EditRefused) as refused:
        fmt(text)
    assert refused.value.message.startswith(f"t.yaml:{number}: a comment outside the header")


def test_hashes_inside_text_are_not_comments() -> None:
    text = CANONICAL.replace("summary: z\n", "summary: 'z # not a comment'\n").replace(
        "    title: NRC\n", "    title: NRC\n    aliases: [a#b]\n")
    assert fmt(text) == text


def test_the_header_keeps_its_comments_and_blank_lines() -> None:
    text = "# one\n\n# two\n" + CANONICAL.split("\n", 1)[1]
    assert fmt(text) == text


def test_cli_check_prints_the_diff_and_fails(run, write_dataset) -> None:
    path = write_dataset(MESSY)
    result = run("--data", str(path), "fmt", "--check", ok=False)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"--- {path}\n+++ {path}\n@@ ")
    assert "+    broken_off_by: null\n" in result.stdout
    assert result.stderr == f"{path}: not in the canonical layout; run `compartment fmt`\n"
    assert path.read_text(encoding="utf-8") == MESSY


def test_cli_formats_in_place_and_check_then_passes(run, write_dataset) -> None:
    path = write_dataset(MESSY)
    path.chmod(0o600)
    assert run("--data", str(path), "fmt").stderr == f"{path}: reformatted\n"
    assert path.read_text(encoding="utf-8") == CANONICAL
    assert path.stat().st_mode & 0o777 == 0o600
    assert run("fmt", "--check", str(path)).stderr == f"{path}: already in the canonical layout\n"


def test_cli_files_override_data_and_all_are_checked(run, write_dataset, sample: Path) -> None:
    messy = write_dataset(MESSY, name="messy.yaml")
    result = run("--data", str(messy), "fmt", "--check", str(sample), str(messy), ok=False)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{sample}: already in the canonical layout",
        f"{messy}: not in the canonical layout; run `compartment fmt`",
    ]


def test_cli_refuses_invalid_data(run, write_dataset) -> None:
    path = write_dataset("actors: {}\ndossiers: [1]\n")
    result = run("--data", str(path), "fmt", ok=False)
    assert result.exit_code == 1
    assert f"{path}:2:12: dossiers[0]: " in result.stderr
    assert result.stderr.endswith(f"{path}: not formatted: fix the 1 error(s) first\n")
    assert path.read_text(encoding="utf-8") == "actors: {}\ndossiers: [1]\n"


def test_validate_takes_the_files_pre_commit_passes(run, write_dataset, sample: Path) -> None:
    bad = write_dataset("actors: {}\ndossiers: []\nextra: 1\n", name="bad.yaml")
    result = run("--data", "missing.yaml", "validate", "--strict", str(sample), str(bad), ok=False)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{sample}: no problems found",
        f"{bad}:3:1: extra: unknown field 'extra'; allowed: actors, crises, dossiers, publishers",
        f"{bad}: 1 error",
    ]
    assert run("validate", str(sample)).exit_code == 0
    many = run("validate", "-f", "json", str(sample), str(bad), ok=False)
    assert [(r["file"], r["ok"]) for r in json.loads(many.stdout)] == [
        (str(sample), True), (str(bad), False)
    ]
    missing = run("validate", "nope.yaml", ok=False)
    assert missing.exit_code == 2
    assert missing.stderr == "Error: nope.yaml: no such file\n"


def test_pre_commit_hooks_call_the_file_taking_commands() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"]: h["entry"] for h in hooks} == {
        "compartment-validate": "compartment validate --strict",
        "compartment-fmt": "compartment fmt --check",
    }
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is True
        assert re.search(hook["files"], "data/issues.yaml")
