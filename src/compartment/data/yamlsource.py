"""YAML text -> plain values, refusing every YAML feature the data contract has no use for.

The data file is parsed from libyaml's event stream (the C parser where PyYAML has it) rather
than through a PyYAML constructor, for three reasons:

* no constructor means no object construction at all: tags such as `!!python/object` or
  `!!binary` are refused, never acted on;
* scalars keep the text the user wrote: YAML 1.1 turns `no` into False, `0012` into 10 and
  `12:30` into 750; here only `null`/`~`/empty, `true` and `false` are resolved, and dates stay
  text for the models to parse strictly;
* anchors, aliases, duplicate keys, a second document and absurd nesting are caught with the
  line they are on, instead of being expanded, silently overwritten or recursed into.

`locate` maps a data path back to a line when a later stage (validation, checks) finds a
problem; it composes the text again, so the common, clean load pays nothing for line numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from compartment.errors import UNSAFE_CHARS, visible

# libyaml's parser where it is compiled in; the pure-Python one is about 8 times slower.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 32  # the contract nests 6 deep; this leaves room without inviting a stack bomb

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUES = frozenset({"true", "True", "TRUE"})
_FALSES = frozenset({"false", "False", "FALSE"})

Mark = tuple[int, int]  # 1-based line and column


class YamlProblem(Exception):
    """One thing wrong in the YAML itself, at a line and column."""

    def __init__(self, message: str, mark: Mark, code: str = "yaml") -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.code = code


def _mark(m: Any) -> Mark:
    return (m.line + 1, m.column + 1)


def position(source: str | bytes, at: int) -> Mark:
    """The line and column of `at`, an offset in characters of text or in bytes of UTF-8; the
    column counts characters either way."""
    if isinstance(source, bytes):
        start = source.rfind(b"\n", 0, at) + 1
        return source.count(b"\n", 0, at) + 1, len(source[start:at].decode("utf-8", "replace")) + 1
    return source.count("\n", 0, at) + 1, at - source.rfind("\n", 0, at)


def _char_at(source: str | bytes, line: int, column: int) -> str:
    text = source if isinstance(source, str) else source.decode("utf-8", "replace")
    lines = text.split("\n", line + 1)
    return lines[line][column : column + 1] if line < len(lines) else ""


def _refuse_features(event: Any, problems: list[YamlProblem], tagged: bool) -> None:
    """Report the node's anchor, if it has one, and its tag if `tagged`."""
    at = _mark(event.start_mark)
    if event.anchor is not None:
        problems.append(YamlProblem(f"anchors (&{event.anchor}) are not allowed", at, "anchor"))
    if tagged:
        shown = visible(event.tag.replace("tag:yaml.org,2002:", "!!"))
        problems.append(YamlProblem(f"YAML tags are not allowed (found {shown})", at, "tag"))


def _events(source: str | bytes) -> Iterator[Any]:
    """libyaml's events, with its scanner and reader errors turned into YamlProblem."""
    loader = _Loader(source)
    try:
        while True:
            try:
                event = loader.get_event()
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark or exc.context_mark
                at = _mark(mark) if mark else (0, 0)
                message = f"invalid YAML: {exc.problem or exc.context}"
                if mark and _char_at(source, mark.line, mark.column) == "\t":
                    message = "a tab character where YAML needs spaces: indent with spaces only"
                raise YamlProblem(message, at) from None
            except yaml.reader.ReaderError as exc:
                # libyaml counts this offset in UTF-8 bytes, given text (PyYAML encodes it) or not.
                raw = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
                raise YamlProblem(f"character {visible(chr(exc.character))} is not allowed in YAML",
                                  position(raw, exc.position)) from None
            if event is None:
                return
            yield event
    finally:
        loader.dispose()


def _scalar(event: Any, problems: list[YamlProblem], scan: bool) -> str | bool | None:
    value: str = event.value
    tagged = event.tag not in (None, "!", "tag:yaml.org,2002:str")
    if tagged or event.anchor is not None:
        _refuse_features(event, problems, tagged)
        if tagged:
            return value  # the text as written: nothing was constructed from it
    # A double-quoted scalar can spell a control character as an escape (\x1b) that the
    # scan of the raw text cannot see; other scalars are checked only if that scan hit.
    bad = UNSAFE_CHARS.search(value) if scan or event.style == '"' else None
    if bad:
        problems.append(YamlProblem(f"text contains the control character {visible(bad.group())}; "
                                    "only tab and newline are allowed",
                                    _mark(event.start_mark), "control-char"))
    if event.implicit[0]:  # a plain (unquoted, untagged) scalar
        if value in _NULLS:
            return None
        if value in _TRUES:
            return True
        if value in _FALSES:
            return False
    return value


# The characters of errors.UNSAFE_CHARS as UTF-8 bytes, but for the carriage return, which
# YAML reads as a line break (a CRLF file is fine): one scan of the raw text finds whether
# any scalar can hold one. A test checks the two patterns agree.
UNSAFE_BYTES = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xaa-\xae]"
    rb"|\xe2\x81[\xa6-\xa9]|\xed[\xa0-\xbf][\x80-\xbf]"
)


def parse(
    source: str | bytes, *, spans: list[tuple[int, int]] | None = None
) -> tuple[Any, list[YamlProblem]]:
    """Parse one YAML document into dicts, lists, str, bool and None.

    `source` is the text, or its UTF-8 bytes: libyaml reads bytes as they are, where it
    would copy text into a second, encoded buffer. `spans`, if given, receives the
    character range [start, end) of every scalar, keys included: what is not in one of them
    is YAML's own syntax, or a comment (canonical.comments tells which).

    Returns the value (None when the text held no usable document) and every problem found;
    problems found after the first are still collected where parsing can go on.
    """
    problems: list[YamlProblem] = []
    raw = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    scan = UNSAFE_BYTES.search(raw) is not None
    del raw
    # Each frame is [container, pending key or _NO_KEY, {key: line} for duplicate reports].
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    try:
        for event in _events(source):
            kind = type(event)
            if kind is yaml.ScalarEvent or kind is yaml.AliasEvent:
                if kind is yaml.AliasEvent:
                    problems.append(YamlProblem(
                        f"aliases (*{event.anchor}) are not allowed: write the value out",
                        _mark(event.start_mark), "alias"))
                    value: Any = None
                else:
                    value = _scalar(event, problems, scan)
                    if spans is not None:
                        spans.append((event.start_mark.index, event.end_mark.index))
                if not stack:
                    root = value
                    continue
                frame = stack[-1]
                container = frame[0]
                if type(container) is list:
                    container.append(value)
                elif frame[1] is _NO_KEY:
                    if not isinstance(value, str):
                        problems.append(YamlProblem("mapping keys must be text",
                                                    _mark(event.start_mark), "key"))
                        value = f"<{value!r}>"
                    line = event.start_mark.line + 1
                    first = frame[2].get(value)
                    if first is not None:
                        problems.append(YamlProblem(
                            f"duplicate key {value!r} (first at line {first}); "
                            "YAML would silently keep only the last one",
                            _mark(event.start_mark), "duplicate-key"))
                    else:
                        frame[2][value] = line
                    frame[1] = value
                else:
                    container[frame[1]] = value
                    frame[1] = _NO_KEY
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                tagged = event.tag not in (None, "!") and not event.implicit
                if tagged or event.anchor is not None:
                    _refuse_features(event, problems, tagged)
                if len(stack) >= MAX_DEPTH:
                    raise YamlProblem(
                        f"nesting deeper than {MAX_DEPTH} levels", _mark(event.start_mark), "depth"
                    )
                new: Any = {} if kind is yaml.MappingStartEvent else []
                if stack:
                    frame = stack[-1]
                    if type(frame[0]) is list:
                        frame[0].append(new)
                    elif frame[1] is _NO_KEY:
                        problems.append(YamlProblem("mapping keys must be text",
                                                    _mark(event.start_mark), "key"))
                        raise YamlProblem(
                            "cannot read on after a non-text key", _mark(event.start_mark), "key"
                        )
                    else:
                        frame[0][frame[1]] = new
                        frame[1] = _NO_KEY
                else:
                    root = new
                stack.append([new, _NO_KEY, {}])
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                stack.pop()
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlProblem("the file holds more than one YAML document (a second "
                                      "'---'); keep the whole dataset in one",
                                      _mark(event.start_mark), "documents")
    except YamlProblem as exc:
        problems.append(exc)
        return None, problems
    if documents == 0:
        problems.append(YamlProblem("the file is empty", (1, 1), "empty"))
    return root, problems


_NO_KEY = object()  # a mapping frame's pending key before the next key is read


class SourceMap:
    """Line numbers for data paths, from the composed YAML nodes of the same text.

    Built only when a problem needs a line, so the common clean load pays nothing for it.
    """

    def __init__(self, text: str | bytes) -> None:
        try:
            self._root: Any = yaml.compose(text, Loader=_Loader)
        except yaml.YAMLError:
            self._root = None

    def locate(self, path: tuple[str | int, ...], *, key: bool = False) -> Mark:
        """The line and column `path` points at, or those of its nearest enclosing node.

        With `key=True` and a path ending in a mapping key, the key's own line: where a typo
        such as `sorce:` stands. A missing key points at the mapping that lacks it.
        """
        node = self._root
        if node is None:
            return (0, 0)
        for depth, part in enumerate(path):
            child = None
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == part:
                        last = depth == len(path) - 1
                        # An alias composes to its anchor's node, which stands earlier in
                        # the file than the key; point at the key instead.
                        before_key = v.start_mark.index < k.start_mark.index
                        child = k if (key and last) or before_key else v
                        break
            elif (isinstance(node, yaml.SequenceNode) and isinstance(part, int)
                  and 0 <= part < len(node.value)):
                child = node.value[part]
            if child is None:
                break
            node = child
        return _mark(node.start_mark)


