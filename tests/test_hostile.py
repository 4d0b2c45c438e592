"""Hostile and malformed input: every case ends in a located one-line error or literal output.

The numbers in the test names follow the cases of the issue that asked for them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compartment.data.loader import load_text
from compartment.errors import visible
from compartment.store.datafile import load
from compartment.views import render

ROOT = Path(__file__).resolve().parent.parent

VALID = """\
actors:
  russia:
    name: Russia
    bloc: russia
dossiers:
  - id: demo
    title: {title}
    domain: space
    parties: [russia]
    status: active
    broken_off_by: null
    summary: {summary}
    events:
      - date: {date}
        actor: russia
        action: began
        status: active
        summary: Started.
        sources: [https://example.org/a]
"""


def dataset(title: str = "Demo", summary: str = "A demo.", date: str = "2020-01-01") -> str:
    return VALID.format(title=title, summary=summary, date=date)


def problems_of(text: str) -> list[str]:
    return [str(p) for p in load_text(text, "f.yaml").problems]


# 1. Rich markup in data is printed literally, everywhere.
MARKUP = ["[/]", "[bold red]x", "[link=http://evil.example]report[/link]", "[todo] call back", ":warning:"]


@pytest.mark.parametrize("title", MARKUP)
def test_01_markup_prints_literally_in_tables(run, write_dataset, title: str) -> None:
    path = write_dataset(dataset(title=f'"{title}"', summary=f'"{title}"'))
    listed = run("--data", str(path), "list").stdout
    assert title in listed
    shown = run("--data", str(path), "show", "demo").stdout
    assert shown.count(title) == 2  # title and summary


def test_01_markup_prints_literally_in_errors(run, write_dataset) -> None:
    path = write_dataset(dataset().replace("actor: russia", "actor: '[bold]x[/]'"))
    result = run("--data", str(path), "validate", ok=False)
    assert "'[bold]x[/]'" in result.stdout
    listed = run("--data", str(path), "list", ok=False)
    assert "'[bold]x[/]'" in listed.stderr


def test_01_markup_in_error_message_of_unknown_id(run, sample) -> None:
    result = run("--data", str(sample), "show", "[/]", ok=False)
    assert result.exit_code == 1
    assert "'[/]'" in result.stderr


# 2. Control characters: validation refuses them; messages and renderers show escapes.
CONTROL = {"esc": "\\e", "x1b": "\\x1b", "csi": "\\u009b", "bidi": "\\u202e", "isolate": "\\u2066"}


@pytest.mark.parametrize("escape", CONTROL.values(), ids=CONTROL.keys())
def test_02_control_characters_are_refused_with_location(run, write_dataset, escape: str) -> None:
    path = write_dataset(dataset(title=f'"bad{escape}title"'))
    result = run("--data", str(path), "validate", ok=False)
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(str(path))}:7:12: text contains the control character \\[xu]", result.stdout)
    for raw in ("\x1b", "\x9b", "\u202e", "\u2066"):
        assert raw not in result.stdout
    listed = run("--data", str(path), "list", ok=False)
    assert listed.exit_code == 1 and listed.stdout == ""
    assert "\x1b" not in listed.stderr and "\x9b" not in listed.stderr


# Written as they are, not as escapes: plain, single-quoted and block scalars, and a key.
# (NEL, U+0085, is left out: YAML 1.1 reads it as a line break.)
RAW = {"bidi": "\u202e", "isolate": "\u2066", "lrm": "\u200e", "alm": "\u061c"}


@pytest.mark.parametrize("char", RAW.values(), ids=RAW.keys())
@pytest.mark.parametrize(
    ("field", "value", "at"),
    [("title", "bad{c}title", "7:12"), ("title", "'bad{c}title'", "7:12"),
     ("summary", ">\n      A bad{c}\n      summary.", "12:14")],
    ids=["plain", "single-quoted", "folded"],
)  # fmt: skip
def test_02_raw_control_characters_are_refused_with_location(
    char: str, field: str, value: str, at: str, tmp_path: Path
) -> None:
    text = dataset(**{field: value.format(c=char)})
    assert problems_of(text) == [
        f"f.yaml:{at}: text contains the control character {visible(char)}; "
        "only tab and newline are allowed"
    ]
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    assert [str(p) for p in load(path, display="f.yaml").problems] == problems_of(text)


def test_02_characters_yaml_refuses_point_at_their_column(tmp_path: Path) -> None:
    """libyaml counts the offset of such a character in bytes; the column counts characters."""
    text = dataset(title="Déjà\x7fvu")
    assert problems_of(text) == ["f.yaml:7:16: character \\x7f is not allowed in YAML"]
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    assert [str(p) for p in load(path, display="f.yaml").problems] == problems_of(text)


def test_02_a_control_character_in_a_comment_is_harmless() -> None:
    assert problems_of(dataset() + "# note\u202e\n") == []


def test_02_crlf_line_ends_are_not_control_characters(tmp_path: Path) -> None:
    text = dataset().replace("\n", "\r\n")
    assert problems_of(text) == []
    path = tmp_path / "f.yaml"
    path.write_bytes(text.encode())
    assert load(path).dataset is not None


def test_02_unsafe_bytes_is_unsafe_chars_in_utf8() -> None:
    """yamlsource scans the raw bytes once with UNSAFE_BYTES; it must flag what the per-text
    pattern flags (the carriage return aside, which YAML reads as a line break)."""
    from compartment.data.yamlsource import UNSAFE_BYTES
    from compartment.errors import UNSAFE_CHARS

    for code in [*range(0x3000), *range(0xD700, 0xE100), 0xFEFF, 0xFFFD, 0x10FFFF]:
        char = chr(code)
        expected = bool(UNSAFE_CHARS.fullmatch(char)) and char != "\r"
        encoded = char.encode("utf-8", "surrogatepass")
        assert bool(UNSAFE_BYTES.fullmatch(encoded)) == expected, hex(code)


def test_02_encoding_errors_point_at_the_character_column(tmp_path: Path) -> None:
    """Columns count characters, not bytes: 'é' is two bytes of UTF-8."""
    bad = dataset(title="Déjà vu").encode().replace(b"vu", b"v\xff")
    path = tmp_path / "f.yaml"
    path.write_bytes(bad)
    (problem,) = load(path, display="f.yaml").problems
    assert str(problem).startswith("f.yaml:7:18: the file is not valid UTF-8 (byte 0xff)")


def test_02_encoding_errors_are_found_past_the_first_megabyte(tmp_path: Path) -> None:
    filler = "# " + "x" * 100 + "\n"
    text = filler * 20_000 + dataset()  # about 2 MB, checked a megabyte at a time
    path = tmp_path / "f.yaml"
    path.write_bytes(text.encode().replace(b"Started.", b"Start\xc3\x28d."))
    (problem,) = load(path, display="f.yaml").problems
    assert str(problem).startswith(f"f.yaml:{20_000 + 18}:23: the file is not valid UTF-8 (byte 0xc3)")


def test_03_neutralise_covers_carriage_return() -> None:
    from compartment.views.export import neutralise

    # CR cannot reach a CSV from valid data (validation refuses it), but the rule covers it.
    assert neutralise("\rx") == "'\rx"
    assert neutralise("plain - text") == "plain - text"


def test_02_renderers_escape_what_gets_past_validation() -> None:
    assert visible("a\x1b[31mb\x9bc\u202ed") == "a\\x1b[31mb\\x9bc\\u202ed"
    assert render.text("x\x1by").plain == "x\\x1by"
    assert visible("tab\tand\nnewline stay") == "tab\tand\nnewline stay"


# 3. Spreadsheet formulas in CSV are neutralised by default; --raw and JSON keep them.
@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx"])
def test_03_csv_neutralises_formulas(run, write_dataset, cell: str) -> None:
    quoted = cell.replace("\t", "\\t").replace("\r", "\\r")
    path = write_dataset(dataset(title=f'"{quoted}"'))
    csv_out = run("--data", str(path), "export", "-f", "csv").stdout
    assert f"'{cell}" in csv_out
    raw = run("--data", str(path), "export", "-f", "csv", "--raw").stdout
    assert f"'{cell}" not in raw and cell in raw
    assert f'"title": "{quoted}"' in run("--data", str(path), "export", "-f", "json").stdout


def test_03_binary_values_are_refused() -> None:
    text = dataset(title="!!binary aGk=")
    assert problems_of(text) == ["f.yaml:7:12: YAML tags are not allowed (found !!binary)"]


# 4. Duplicate keys and duplicate ids name the line of each occurrence.
def test_04_duplicate_keys() -> None:
    text = dataset().replace("    domain: space\n", "    domain: space\n    domain: arctic\n")
    assert problems_of(text) == [
        "f.yaml:9:5: duplicate key 'domain' (first at line 8); YAML would silently keep only the last one"
    ]


def test_04_duplicate_ids_report_each_occurrence() -> None:
    head, record = dataset().split("dossiers:\n")
    text = head + "dossiers:\n" + record + record
    found = problems_of(text)
    assert [p.split(": ")[0] for p in found] == ["f.yaml:6:9", "f.yaml:20:9"]
    assert all("dossier id 'demo' is used 2 times" in p for p in found)


# 5. Unsafe tags: never constructed, always located; only safe loading in the code.
def test_05_python_tags_are_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = dataset(title=f'!!python/object/apply:os.system ["touch {marker}"]')
    found = problems_of(text)
    assert found == [
        "f.yaml:7:12: YAML tags are not allowed (found !!python/object/apply:os.system)",
        "f.yaml:7:12: dossiers[demo].title: Input should be a valid string (found a list)",
    ]
    assert not marker.exists()


def test_05_source_uses_no_unsafe_yaml_loading() -> None:
    """A lint rule as a test: where PyYAML is imported, only its safe parts are called."""
    import ast

    unsafe_calls = {"load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all"}
    unsafe_names = {"Loader", "FullLoader", "UnsafeLoader", "CLoader", "CFullLoader", "CUnsafeLoader"}
    for path in (ROOT / "src" / "compartment").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports_pyyaml = any(
            isinstance(node, ast.Import) and any(alias.name == "yaml" for alias in node.names)
            for node in ast.walk(tree)
        )
        if not imports_pyyaml:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "yaml":
                assert node.attr not in unsafe_calls | unsafe_names, f"{path}:{node.lineno}: yaml.{node.attr}"


# 6. Anchors and aliases are refused before anything can expand them.
def test_06_alias_bomb_is_refused_fast() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    text = "\n".join(lines) + "\n"
    start = time.perf_counter()
    found = load_text(text, "bomb.yaml").problems
    assert time.perf_counter() - start < 2
    assert any("aliases (*a0) are not allowed" in str(p) for p in found)
    assert all(str(p).startswith("bomb.yaml:") for p in found)


def test_06_one_alias_in_a_valid_file() -> None:
    text = dataset(summary="&note A long note.").replace("summary: Started.", "summary: *note")
    assert problems_of(text) == [
        "f.yaml:12:14: anchors (&note) are not allowed",
        # The alias is read as null, so the field it stood for is reported too, at its key.
        "f.yaml:18:9: dossiers[demo].events[0].summary: Input should be a valid string (found null)",
        "f.yaml:18:18: aliases (*note) are not allowed: write the value out",
    ]


# 7. YAML 1.1 typing: scalars keep their text; dates are parsed strictly, with location.
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("actor: russia\n        action", "actor: no\n        action", "f.yaml:15:16: dossiers[demo].events[0].actor: unknown actor 'no'"),
        ("status: active\n    broken", "status: off\n    broken", "f.yaml:10:13: dossiers[demo].status: Input should be"),
        ("date: 2020-01-01", "date: 2023-02-30", "f.yaml:14:15: dossiers[demo].events[0].date: 2023-02-30 is not a day in the calendar (found '2023-02-30')"),
        ("date: 2020-01-01", "date: 20230101", "f.yaml:14:15: dossiers[demo].events[0].date: must be a date written YYYY-MM-DD, YYYY-MM or YYYY (found '20230101')"),
        ("date: 2020-01-01", "date: 2020-13", "f.yaml:14:15: dossiers[demo].events[0].date: month 13 does not exist (found '2020-13')"),
        ("date: 2020-01-01", "date: 0000-05", "f.yaml:14:15: dossiers[demo].events[0].date: year 0000 does not exist; the calendar starts at 0001 (found '0000-05')"),
        ("date: 2020-01-01", "date: 12:30", "(found '12:30')"),
        ("date: 2020-01-01", "date: 1.10", "(found '1.10')"),
    ],
)
def test_07_yaml_11_scalars_keep_their_text(field: str, value: str, message: str) -> None:
    text = dataset().replace(field, value, 1)
    found = problems_of(text)
    assert any(message in p for p in found), found


@pytest.mark.parametrize("scalar", ["2014-03-18", "NO", "on", "0012", "12:30", "1.10", "0x1F"])
def test_07_plain_scalars_stay_text(run, write_dataset, scalar: str) -> None:
    path = write_dataset(dataset(title=scalar, summary=scalar))
    shown = run("--data", str(path), "export", "-f", "json").stdout
    assert f'"title": "{scalar}"' in shown and f'"summary": "{scalar}"' in shown


# 8. Encodings and file shapes.
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (dataset().encode("utf-16"), "f.yaml:1:1: the file is UTF-16; save it as UTF-8"),
        (dataset(title="Caf\xe9").encode("latin-1"), "f.yaml:7:15: the file is not valid UTF-8 (byte 0xe9); save it as UTF-8"),
        (dataset(title='"\\ud800"').encode(), "f.yaml:7:15: invalid YAML: found invalid Unicode character escape code"),
        (dataset().encode().replace(b"Demo", b"De\x00mo"), "f.yaml:7:14: character \\x00 is not allowed in YAML"),
        (dataset().encode().replace(b"  russia:", b"\trussia:"), "f.yaml:2:1: a tab character where YAML needs spaces: indent with spaces only"),
        (b"", "f.yaml:1:1: the file is empty"),
        (dataset().encode() + b"---\nactors: {}\n", "f.yaml:20:1: the file holds more than one YAML document (a second '---'); keep the whole dataset in one"),
    ],
    ids=["utf16", "latin1", "surrogate", "nul", "tab", "empty", "two-documents"],
)
def test_08_encodings_and_shapes(tmp_path: Path, raw: bytes, expected: str) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(raw)
    assert [str(p) for p in load(path, display="f.yaml").errors] == [expected]


def test_08_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + dataset().replace("\n", "\r\n").encode())
    result = load(path)
    assert result.problems == [] and result.dataset is not None


# 9. Size and depth.
def test_09_file_size_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(dataset(summary="x" * 5000))
    monkeypatch.setenv("COMPARTMENT_MAX_BYTES", "1000")
    result = run("--data", str(path), "validate", ok=False)
    assert result.exit_code == 2
    assert "over the limit of 1,000; set COMPARTMENT_MAX_BYTES to raise it" in result.stderr


def test_09_big_scalar_and_deep_nesting_end_fast() -> None:
    start = time.perf_counter()
    big = load_text(dataset(summary="x" * 8_000_000), "f.yaml")
    deep = load_text("actors: " + "[" * 600 + "]" * 600 + "\n", "f.yaml")
    assert time.perf_counter() - start < 2
    assert any("20000" in str(p) or "at most" in str(p) for p in big.problems)
    assert [str(p) for p in deep.problems] == ["f.yaml:1:40: nesting deeper than 32 levels"]


# 10. Bad command-line input.
def test_10_as_of_not_a_date(run, sample) -> None:
    result = run("--data", str(sample), "list", "--as-of", "yesterday", ok=False)
    assert result.exit_code == 2
    assert ("Invalid value for '--as-of': 'yesterday': must be a date written YYYY-MM-DD, "
            "YYYY-MM or YYYY") in result.stderr


def cli(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("stdout", subprocess.PIPE)
    return subprocess.run(
        [sys.executable, "-m", "compartment", *args],
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        timeout=30,
        **kw,
    )


def test_10_closed_pipe_ends_quietly() -> None:
    # The shipped data's JSON is larger than a pipe's buffer, so the closed pipe is always hit.
    data = ROOT / "data" / "issues.yaml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "compartment", "--data", str(data), "--no-cache", "export", "-f", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=30)
    assert err == b""
    # 1 either way: whether our guard or the bundled Click meets the closed pipe is timing.
    assert proc.returncode == 1


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_10_writing_to_a_full_device(sample) -> None:
    with open("/dev/full", "w") as full:
        result = cli("--data", str(sample), "export", "-f", "json", stdout=full)
    assert result.returncode == 1
    assert result.stderr.decode().strip() == "Error: cannot write output (No space left on device)"


def test_10_ascii_output_encoding(write_dataset) -> None:
    path = write_dataset(dataset(title="Türkiye – грузы"))
    result = cli("--data", str(path), "list", "-f", "csv", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert b"T\\xfcrkiye" in result.stdout
    table = cli("--data", str(path), "list", env={"PYTHONIOENCODING": "ascii"})
    assert table.returncode == 0 and table.stderr == b""


# 11. Typos in field names are errors, not silently dropped.
@pytest.mark.parametrize(
    ("good", "typo", "expected"),
    [
        ("    broken_off_by: null", "    broken_of_by: null", "f.yaml:11:5: dossiers[demo].broken_of_by: unknown field 'broken_of_by'; did you mean 'broken_off_by'?"),
        ("        sources:", "        sorce:", "f.yaml:19:9: dossiers[demo].events[0].sorce: unknown field 'sorce'; did you mean 'source"),
    ],
)
def test_11_typos_in_field_names(good: str, typo: str, expected: str) -> None:
    found = problems_of(dataset().replace(good, typo))
    assert any(p.startswith(expected) for p in found), found


# 12. A truncated file: required fields catch a cut-off record; a missing final newline warns.
def test_12_truncated_file() -> None:
    text = dataset()
    cut = text[: text.index("        summary: Started.")]
    found = problems_of(cut)
    assert "f.yaml:14:9: dossiers[demo].events[0].summary: missing required field 'summary'" in found
    assert "f.yaml:19:1: warning: the file does not end with a newline; it may have been cut off" not in found
    cut_mid_line = text[: text.index("Started.") + 4]
    assert any("does not end with a newline" in p for p in problems_of(cut_mid_line))


# The last line of defence: an unexpected exception is one line and exit 70; with --debug
# (read by Typer like any option), the traceback.
def test_internal_error_guard(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sample
) -> None:
    from compartment import cli as cli_module
    from compartment.views import query

    def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(query, "select", broken)
    monkeypatch.setattr(sys, "argv", ["compartment", "--data", str(sample), "list"])
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main()
    assert exit_info.value.code == 70
    err = capsys.readouterr().err
    assert err.startswith("compartment: internal error: RuntimeError. This is a bug")
    assert "Traceback" not in err

    monkeypatch.setattr(sys, "argv", ["compartment", "--data", str(sample), "--debug", "list"])
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main()
    assert exit_info.value.code == 70
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: boom" in err


def test_08_lone_surrogate_in_text_given_directly() -> None:
    # Found by the fuzz test: a caller that passes text (diff, edits) can carry a surrogate.
    assert problems_of("\ud800actors: {}\n") == [
        "f.yaml:1:1: the text holds a lone surrogate; it is not valid Unicode"
    ]


def test_09_a_huge_size_limit_does_not_allocate_it(run, sample, monkeypatch) -> None:
    # Reading used to ask for limit + 1 bytes at once: a limit of 10**12 was a MemoryError.
    monkeypatch.setenv("COMPARTMENT_MAX_BYTES", str(10**12))
    assert run("--data", str(sample), "--no-cache", "validate").exit_code == 0


LIVE = [
    "＝1+1", "＋1", "－2", "＠SUM(A1)",  # full-width triggers
    " =1+1", "   +1", " -2", "  @SUM(A1)",  # spaces before a trigger
    "\u00a0=HYPERLINK(\"x\")", "\u3000＝1", "\u200b=1", " \ufeff=1",  # other blanks before one
    "\u2028x", "\u2029x", "\nx",  # a line or paragraph separator first
]


@pytest.mark.parametrize("cell", LIVE)
def test_more_formula_starts_are_neutralised(cell: str) -> None:
    from compartment.views.export import neutralise

    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["plain", "a = b", "2014-03-01", "x - y", "", "'quoted", "ｘ＝1", "日本"])
def test_ordinary_cells_are_left_alone(cell: str) -> None:
    from compartment.views.export import neutralise

    assert neutralise(cell) == cell


# -- line separators: what YAML reads as a line break and editors, diffs and CI do not ---------


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u0085"])
def test_a_line_separator_in_a_comment_is_a_located_error(run, sample: Path, tmp_path: Path, char: str) -> None:
    """Attack: U+2028 inside a comment ends the comment for libyaml, so the rest of the line
    is live data a reviewer reads as a comment (`show` printed the hidden field). Now it is
    an error at its line (counted by line feeds), for every command, and never exit 70."""
    text = sample.read_text(encoding="utf-8")
    hidden = f"# a harmless note{char}status: terminated\n"
    path = tmp_path / "issues.yaml"
    path.write_text(hidden + text, encoding="utf-8")
    for args in (["validate"], ["fmt", "--check"], ["show", "new-start"],
                 ["event", "add", "new-start", "--date", "2026-01", "--actor", "russia",
                  "--action", "x", "--summary", "x", "--source", "https://tass.com/x"]):
        result = run("--data", str(path), *args, ok=False)
        assert result.exit_code == 1, (args, result.output)
        assert f"{path}:1:18: " in result.output, (args, result.output)
    assert path.read_text(encoding="utf-8") == hidden + text


def test_line_numbers_count_line_feeds_only(tmp_path: Path) -> None:
    text = "actors: {}\ndossiers: []\n# x\u2028y\nextra: 1\n"
    result = load_text(text, "t.yaml")
    assert [(p.location.line, p.location.column, p.code) for p in result.problems] == [
        (3, 4, "line-separator")]


@pytest.mark.parametrize("char", ["\u0085", "\u2028", "\x9b", "\x1b"])
def test_an_edit_value_with_a_character_the_file_cannot_hold_is_refused(run, sample: Path, tmp_path: Path, char: str) -> None:
    """Attack: a NEL in `--summary` was reported as set, then read back as a space; a C1
    character that validate bans ended up in the file. Now the edit is a usage error."""
    path = tmp_path / "issues.yaml"
    path.write_bytes(sample.read_bytes())
    result = run("--data", str(path), "event", "add", "new-start", "--date", "2026-01",
                 "--actor", "russia", "--action", "said", "--summary", f"one{char}two",
                 "--source", "https://tass.com/x", ok=False)
    assert result.exit_code == 2
    assert "summary: the text holds the character" in result.stderr
    assert path.read_bytes() == sample.read_bytes()
