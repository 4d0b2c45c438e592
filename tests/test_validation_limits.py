"""Validation at its edges: the size limit, dates in other digits, blank text."""

from __future__ import annotations

import pytest

from compartment.data import dates
from compartment.errors import ExitCode, UsageError
from compartment.store import datafile

# -- COMPARTMENT_MAX_BYTES ------------------------------------------------------------------


NON_ASCII_DATES = [
    "２０１４-０３-０１",  # full-width digits
    "２０１４",
    "2014-０３",
    "٢٠١٤-03-01",  # Arabic-Indic digits
    "2014-03-0\u0661",
]


@pytest.mark.parametrize("value", ["abc", "-1", "1e99", "0", "00", "10MB", " 5", "１２３", "1_000"])
def test_an_invalid_size_limit_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(datafile.MAX_BYTES_ENV, value)
    with pytest.raises(UsageError) as refused:
        datafile.max_bytes()
    assert refused.value.exit_code == ExitCode.USAGE
    assert refused.value.message == (
        f"{datafile.MAX_BYTES_ENV}={value!r} is not a size: give a whole number of bytes "
        "above 0, such as 50000000"
    )


@pytest.mark.parametrize(("value", "limit"), [("50000000", 50_000_000), ("1", 1), ("", None)])
def test_a_valid_size_limit_is_used(monkeypatch: pytest.MonkeyPatch, value: str, limit: int | None) -> None:
    monkeypatch.setenv(datafile.MAX_BYTES_ENV, value)
    assert datafile.max_bytes() == (limit or datafile.DEFAULT_MAX_BYTES)


def test_the_command_line_reports_an_invalid_size_limit(run, sample, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(datafile.MAX_BYTES_ENV, "1e99")
    refused = run("--data", str(sample), "list", ok=False)
    assert refused.exit_code == 2
    assert "COMPARTMENT_MAX_BYTES='1e99' is not a size" in refused.stderr


@pytest.mark.parametrize("text", NON_ASCII_DATES)
def test_non_ascii_digits_are_not_a_date(text: str) -> None:
    assert dates.check(text) == "must be a date written YYYY-MM-DD, YYYY-MM or YYYY"
    with pytest.raises(ValueError, match="is not a date"):
        dates.parse_full(text)


@pytest.mark.parametrize("text", NON_ASCII_DATES)
def test_the_models_refuse_non_ascii_dates(text: str) -> None:
    from pydantic import ValidationError

    from compartment.data.models import EventModel

    event = {"date": text, "actor": "russia", "action": "x", "summary": "y", "sources": []}
    with pytest.raises(ValidationError, match="date"):
        EventModel.model_validate(event)
    event["date"] = "2014-03-01"
    EventModel.model_validate(event)  # the near miss passes


def test_a_full_width_date_in_the_file_is_not_a_date(sample) -> None:
    """Before: it passed the syntax check and was then reported as being in the future."""
    from compartment.data.loader import load_text

    text = sample.read_text(encoding="utf-8")
    first = text.index("date: ") + len("date: ")
    end = text.index("\n", first)
    changed = text[:first] + "２０１４-０３-０１" + text[end:]
    messages = [p.message for p in load_text(changed, "f.yaml").errors]
    assert messages == ["must be a date written YYYY-MM-DD, YYYY-MM or YYYY (found '２０１４-０３-０１')"]


@pytest.mark.parametrize("blank", [" ", "   ", "\t", "\u3000", "\u00a0 "])
@pytest.mark.parametrize("field", ["title", "action", "summary"])  # Line and Text types
def test_blank_text_is_refused(sample, field: str, blank: str) -> None:
    import json

    from compartment.data.loader import load_text

    text = sample.read_text(encoding="utf-8")
    start = text.index(f" {field}: ") + len(f" {field}: ")
    end = text.index("\n", start)

    def with_value(value: str) -> str:
        return text[:start] + json.dumps(value) + text[end:]  # JSON strings are YAML too

    errors = load_text(with_value(blank), "f.yaml").errors
    assert [e.message.partition(" (found")[0] for e in errors] == ["must not be blank: write some text"]
    assert load_text(with_value(blank + "x"), "f.yaml").errors == []


def test_blank_action_on_the_command_line_is_refused(run, tmp_path, sample) -> None:
    path = tmp_path / "issues.yaml"
    path.write_bytes(sample.read_bytes())
    refused = run("--data", str(path), "event", "add", "new-start", "--date", "2024-01-01",
                  "--actor", "russia", "--action", "   ", "--summary", "S.",
                  "--source", "https://example.org", ok=False)
    assert refused.exit_code == 1
    assert "must not be blank" in refused.stderr
    assert path.read_bytes() == sample.read_bytes()


def test_the_models_date_pattern_is_ascii() -> None:
    """The pattern itself, not only the validator after it: the JSON Schema carries it."""
    import re

    from compartment.data.models import PartialDate

    pattern = PartialDate.__metadata__[0].pattern
    assert re.search(pattern, "2014-03-01") and re.search(pattern, "2014")
    assert not re.search(pattern, "２０１４-０３-０１") and not re.search(pattern, "٢٠١٤")
