"""matplotlib's SVG made fit to sit inline in a page under a strict Content-Security-Policy.

matplotlib styles every element with a `style="..."` attribute and puts one rule in a
`<style>` element. A policy of `style-src 'self'` blocks both (the browser logs an error and
draws the chart unstyled: black shapes). The same properties as presentation attributes
(`fill="#fff"`) are not style sheets and are not blocked, so each declaration becomes an
attribute and the `<style>` rule becomes inherited attributes on the root.

Going through ElementTree also means the output is re-serialised by an XML writer: a title
holding `</svg><script>` comes out as escaped text whatever the input held. Ids get a prefix,
so two charts on one page never share one (matplotlib names every figure `figure_1`).

Hover texts need no script: an SVG `<title>` first in a group is the tooltip of everything in
it. views/chart.py names the groups (matplotlib's `gid`) and says what each should read.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

# The CSS properties matplotlib writes that are also SVG presentation attributes. Any other
# property is an error, so that a matplotlib release writing a new one fails the tests
# instead of silently losing a style.
PRESENTATION = frozenset({
    "clip-path", "fill", "fill-opacity", "fill-rule", "font-family", "font-size",
    "font-style", "font-weight", "opacity", "stroke", "stroke-dasharray", "stroke-dashoffset",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-opacity", "stroke-width",
    "text-anchor", "dominant-baseline", "font-stretch", "letter-spacing",
})
# matplotlib's one `<style>` rule, `*{stroke-linejoin: round; stroke-linecap: butt}`, as
# inherited defaults: an element's own attribute still wins, as its style attribute did.
ROOT_DEFAULTS = {"stroke-linejoin": "round", "stroke-linecap": "butt"}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def inline(svg: bytes, prefix: str, title: str, description: str,
           tips: Mapping[str, str] | None = None) -> str:
    """The SVG document as an `<svg>` element for an HTML page.

    It scales to its container (viewBox kept, fixed width and height dropped), is an image
    with an accessible name (`role="img"`, a `<title>` and a `<desc>`), and carries no
    metadata, style sheet or style attribute. Each element whose id is in `tips` gets that
    text as its `<title>` (a tooltip), and takes the pointer even where it is unpainted, so
    an invisible area can carry one.
    """
    root = ET.fromstring(svg)
    for element in list(root.iter()):
        tip = (tips or {}).get(element.get("id") or "")
        if tip is not None:
            hover = ET.Element("title")
            hover.text = tip
            element.insert(0, hover)
            element.set("pointer-events", "all")
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) in ("metadata", "style"):  # the style rule: ROOT_DEFAULTS
                parent.remove(child)
    renamed = {old: f"{prefix}-{old}" for element in root.iter() if (old := element.get("id"))}
    for name in ("width", "height"):  # in pt: the page's style sheet sizes the chart
        root.attrib.pop(name, None)
    for element in root.iter():
        element.tag = _local(element.tag)
        for declaration in element.attrib.pop("style", "").split(";"):
            prop, sep, value = (part.strip() for part in declaration.partition(":"))
            if not sep:
                continue
            if prop not in PRESENTATION:
                raise ValueError(f"SVG style property {prop!r} has no presentation attribute")
            element.set(prop, value)
        for key, value in list(element.attrib.items()):
            if key == "id":
                element.set("id", renamed[value])
            elif key in (XLINK_HREF, "href"):
                del element.attrib[key]
                element.set("href", "#" + renamed[value.removeprefix("#")])
            elif value.startswith("url(#"):
                element.set(key, f"url(#{renamed[value[5:-1]]})")
            elif key == "d":
                element.set(key, " ".join(value.split()))  # matplotlib breaks paths into lines
    root.attrib.update(ROOT_DEFAULTS)
    root.set("role", "img")
    root.set("aria-labelledby", f"{prefix}-title {prefix}-desc")
    for tag, text in (("desc", description), ("title", title)):  # the title first
        label = ET.Element(tag, id=f"{prefix}-{tag}")
        label.text = text
        root.insert(0, label)
    ET.indent(root, space="")  # one element a line: small, and diffs of the site stay readable
    return ET.tostring(root, encoding="unicode")
