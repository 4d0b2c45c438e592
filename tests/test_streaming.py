"""Record-by-record loading: the parser hands each dossier over as soon as it is complete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compartment.data import yamlsource
from compartment.data.loader import load, load_text

TEXT = """\
actors: {a: {name: A, bloc: west}}
dossiers:
  - {id: one, nested: [1, 2]}
  - id: two
    events: [{date: x}]
  - plain scalar
  - [a, list]
other: [not, streamed]
"""


def test_each_item_of_the_streamed_list_goes_to_intake_once_complete() -> None:
    seen: list[tuple[int, Any, list[Any]]] = []

    def intake(items: list[Any], i: int, item: Any) -> str:
        seen.append((i, item, list(items[:i])))
        return f"taken {i}"

    value, problems = yamlsource.parse(TEXT, stream="dossiers", intake=intake)
    assert problems == []
    assert [(i, item) for i, item, _ in seen] == [
        (0, {"id": "one", "nested": ["1", "2"]}),
        (1, {"id": "two", "events": [{"date": "x"}]}),
        (2, "plain scalar"),
        (3, ["a", "list"]),
    ]
    # Items before each one were already replaced: the raw records never pile up.
    assert [earlier for *_, earlier in seen] == [[], ["taken 0"], ["taken 0", "taken 1"],
                                                 ["taken 0", "taken 1", "taken 2"]]  # fmt: skip
    assert value["dossiers"] == ["taken 0", "taken 1", "taken 2", "taken 3"]
    assert value["other"] == ["not", "streamed"]


def test_bytes_and_text_parse_alike() -> None:
    text = TEXT.replace("plain scalar", "Déjà vu, 条約")
    assert yamlsource.parse(text.encode()) == yamlsource.parse(text)


def test_a_nested_list_of_the_same_name_is_not_streamed() -> None:
    calls = []
    yamlsource.parse("x:\n  dossiers: [1, 2]\n", stream="dossiers", intake=lambda *a: calls.append(a))
    assert calls == []


def test_a_second_dossiers_list_is_the_one_validated(sample: Path) -> None:
    """YAML keeps the last of two equal keys: its dossiers are validated, not the first's."""
    text = sample.read_text(encoding="utf-8")
    second = "dossiers:\n  - id: Bad Id\n"
    problems = [str(p) for p in load_text(text + second, "f.yaml").problems]
    assert any("duplicate key 'dossiers'" in p for p in problems)
    assert any("must be a kebab-case id" in p and "Bad Id" in p for p in problems)


def test_file_and_text_give_the_same_problems(sample: Path, tmp_path: Path) -> None:
    text = sample.read_text(encoding="utf-8").replace("status: expired", "status: nonsense", 1)
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    from_file = [str(p) for p in load(path, display="f.yaml", use_cache=False).problems]
    assert from_file == [str(p) for p in load_text(text, "f.yaml").problems]
    assert from_file and all(p.startswith("f.yaml:") for p in from_file)
