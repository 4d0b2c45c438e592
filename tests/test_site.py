"""`compartment site`: the static website, checked as files (the browser tests open it)."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("jinja2", reason="the site needs jinja2: pip install jinja2")
pytest.importorskip("matplotlib", reason="the site needs matplotlib")

from compartment.data import dates
from compartment.errors import CompartmentError
from compartment.site import build, pages, svg
from compartment.site.build import last_event
from compartment.store.datafile import load
from compartment.views import calendar, series

CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)

# Two dossiers: one with claims and a registry's publishers, one made of hostile text.
LEDGER = """\
actors:
  nato:
    name: NATO
    bloc: west
  russia:
    name: Russia
    bloc: russia
  united-states:
    name: United States
    bloc: west
  us-russia:
    name: United States and Russia
    bloc: international
dossiers:
  - id: new-start
    title: New START
    domain: arms-control
    parties: [united-states, russia]
    status: suspended
    broken_off_by: russia
    summary: The last treaty capping US and Russian strategic nuclear forces.
    events:
      - date: 2011-02-05
        actor: us-russia
        action: entered into force
        status: active
        summary: The treaty entered into force.
        sources:
          - https://www.state.gov/new-start/
      - date: 2023-02-21
        actor: russia
        action: suspended implementation
        status: suspended
        summary: Russia announced it was suspending the treaty.
        sources:
          - https://tass.com/politics/1580101
          - Hanna Notte, "U.S.-Russian Relations Can Still Get Worse", War on the Rocks, March 2023
        claims:
          - by: russia
            blames: united-states
            says: The United States made inspections impossible.
            sources: [https://tass.com/politics/1580102]
          - by: united-states
            blames: russia
            says: Russia's suspension is legally invalid.
            sources: [https://www.state.gov/suspension/]
          - by: russia
            says: Russia will keep to the central limits.
            sources: [https://tass.com/politics/1580103]
  - id: hostile
    title: <script>alert("title")</script> & "quoted"
    aliases: ['"><img src=x onerror=alert(1)>']
    domain: security-dialogue
    parties: [nato, russia]
    forum: <iframe src="https://evil.example/"></iframe>
    status: suspended
    broken_off_by: nato
    summary: '"><img src=x onerror=alert(2)> <a href="javascript:alert(3)">click</a>'
    events:
      - date: 2014-04
        actor: nato
        action: <b>suspended</b> cooperation
        status: suspended
        summary: </li></ol><script src="https://evil.example/x.js"></script>
        sources:
          - javascript:alert(4)
          - JAVASCRIPT:alert(5)
          - data:text/html,<script>alert(6)</script>
          - https://example.org/a"onmouseover="alert(7)
          - https://example.org/ok?q=<b>&x=1
          - http://example.org/plain
        claims:
          - by: russia
            blames: nato
            says: <script>alert(8)</script> [link](javascript:alert(9))
            sources: ['javascript:alert(10)']
publishers:
  example.org:
    name: Example <Publisher>
    kind: news
  state.gov:
    name: US Department of State
    kind: primary
    subdomains: true
  tass.com:
    name: TASS
    kind: news
    state_media: russia
"""

STATIC_FILES = ["static/site.css", "static/site.js"]


class Page(HTMLParser):
    """Every element of a page with its attributes, and the text of each script/style."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self.text: list[str] = []
        self._in: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.script_text.append(data)
        self.text.append(data)

    def words(self) -> str:
        """The text a reader sees, one space between any two pieces."""
        return " ".join(" ".join(self.text).split())

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.elements if t == tag]


@pytest.fixture
def ledger(write_dataset) -> Path:
    return write_dataset(LEDGER)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build for the tests that only read it (a build draws two charts: a second)."""
    folder = tmp_path_factory.mktemp("site")
    ledger = folder / "issues.yaml"
    ledger.write_text(LEDGER, encoding="utf-8")
    data = load(ledger, use_cache=False).dataset
    assert data is not None
    out = folder / "site"
    build(data, out, data_file=ledger)
    return out


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def html_pages(folder: Path) -> dict[str, Page]:
    return {name: Page(content.decode()) for name, content in files_of(folder).items()
            if name.endswith(".html")}


def assert_links_resolve(site: Path) -> None:
    """Every relative link names a file of the site, and every anchor an id on its page."""
    by_name = html_pages(site)
    ids = {name: {a.get("id") for _, a in page.elements} for name, page in by_name.items()}
    for name, page in by_name.items():
        for tag, attrs in page.elements:
            for key in ("href", "src"):
                target = attrs.get(key)
                if target is None or tag in ("use",):
                    continue
                parts = urlsplit(target)
                if parts.scheme or target.startswith("data:"):
                    continue  # checked by the origin test below
                path = name
                if parts.path:
                    found = (site / name).parent.joinpath(parts.path).resolve()
                    assert found.is_file(), (name, target)
                    path = found.relative_to(site.resolve()).as_posix()
                if parts.fragment:  # an anchor on this page or another
                    assert parts.fragment in ids[path], (name, target)


def test_the_site_has_its_pages_and_every_link_resolves(site: Path) -> None:
    assert sorted(files_of(site)) == [
        "about.html", "data/curve.csv", "data/curve.json", "data/lanes.csv", "data/lanes.json",
        "dossiers/hostile.html", "dossiers/new-start.html", "feed.xml", "index.html",
        "linkage.html", "next.html", "next.ics", "sources.html", *STATIC_FILES, "timeline.html",
    ]
    assert_links_resolve(site)


def test_no_page_can_reach_another_origin(site: Path) -> None:
    for name, page in html_pages(site).items():
        metas = page.all("meta")
        assert metas[0] == {"charset": "utf-8"}
        assert metas[1] == {"http-equiv": "Content-Security-Policy", "content": CSP}, name
        # Only the site's own script, and no inline code or style to be blocked (or to run).
        assert [s.get("src") for s in page.all("script")] == [
            ("../" if "/" in name else "") + "static/site.js"
        ]
        assert "".join(page.script_text).strip() == ""
        assert page.all("style") == []
        for tag, attrs in page.elements:
            assert "style" not in attrs, (name, tag)
            assert not any(k.startswith("on") for k in attrs), (name, tag, attrs)
            for key in ("src", "href"):
                value = attrs.get(key) or ""
                scheme = urlsplit(value).scheme
                if tag == "a" and scheme:
                    assert scheme in ("http", "https"), (name, value)
                    assert attrs.get("rel") == "noopener noreferrer", (name, value)
                elif tag == "link" and value.startswith("data:"):
                    assert attrs == {"rel": "icon", "href": "data:,"}
                elif value and tag != "use":
                    assert not scheme and not value.startswith("//"), (name, tag, value)


def test_hostile_text_stays_text(site: Path) -> None:
    for name, page in html_pages(site).items():
        assert page.all("img") == [] and page.all("iframe") == [], name
        links = [a.get("href") or "" for a in page.all("a")]
        assert not [h for h in links if urlsplit(h).scheme.lower() in ("javascript", "data")], name
        assert "https://example.org/a\"onmouseover=\"alert(7)" not in links
    text = (site / "dossiers" / "hostile.html").read_text()
    dossier = Page(text)
    shown = "".join(dossier.text)
    for literal in ('<script>alert("title")</script> & "quoted"', "onerror=alert(2)",
                    "javascript:alert(4)", "JAVASCRIPT:alert(5)",
                    "data:text/html,<script>alert(6)</script>",
                    '</li></ol><script src="https://evil.example/x.js"></script>',
                    "<script>alert(8)</script> [link](javascript:alert(9))",
                    '<iframe src="https://evil.example/"></iframe>', "<b>suspended</b>"):
        assert literal in shown, literal  # shown to the reader exactly as written
    links = {a.get("href"): a for a in dossier.all("a")}
    # only clean http(s) addresses are links; a quote or bracket in one keeps it text
    assert "http://example.org/plain" in links
    assert not [h for h in links if h and "example.org/a" in h]
    assert not [h for h in links if h and "ok?q=" in h]
    assert '&lt;script&gt;alert("title")' in text or "&lt;script&gt;alert(&#34;title&#34;)" in text
    # the hostile title is in the swimlane chart too, as SVG text
    timeline = (site / "timeline.html").read_text()
    assert "<script>alert(" not in timeline and "&lt;script&gt;alert(" in timeline
    # and in the feed, as text, and as escaped HTML inside the entry's content
    import xml.etree.ElementTree as ET

    feed = ET.parse(site / "feed.xml").getroot()
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") or "" for e in feed.iter(
        "{http://www.w3.org/2005/Atom}entry")]
    assert any(t.startswith('<script>alert("title")</script> & "quoted": NATO') for t in titles)
    contents = " ".join(e.text or "" for e in feed.iter("{http://www.w3.org/2005/Atom}content"))
    assert "<script" not in contents and "&lt;script&gt;alert(" in contents


@pytest.mark.parametrize(("source", "link"), [
    ("https://example.org/x", "https://example.org/x"),
    ("HTTP://Example.org/x", "HTTP://Example.org/x"),
    ("javascript:alert(1)", None),
    ("https://", None),
    ("//example.org/x", None),
    ("https://example.org/a b", None),
    ("Hanna Notte, War on the Rocks, 2023", None),
])
def test_which_sources_are_links(source: str, link: str | None) -> None:
    assert pages.link_of(source) == link


def test_a_dossier_page_shows_breaks_events_claims_by_party_and_publishers(site: Path) -> None:
    text = (site / "dossiers" / "new-start.html").read_text()
    shown = Page(text).words()
    assert "Breaks" in shown and "2023-02-21 : suspended by Russia (russia)" in shown
    # claims grouped by party: both of Russia's claims come before the US one
    russia = shown.index("The United States made inspections impossible.")
    russia2 = shown.index("Russia will keep to the central limits.")
    us = shown.index("Russia's suspension is legally invalid.")
    assert russia < russia2 < us
    assert "(blames United States)" in shown and "(blames Russia)" in shown
    assert "US Department of State · primary" in shown  # www.state.gov: a subdomain
    assert "TASS · news · state media (Russia)" in shown
    assert 'href="https://tass.com/politics/1580101" rel="noopener noreferrer"' in text


def test_the_index_lists_every_dossier_with_what_the_filters_need(site: Path) -> None:
    page = Page((site / "index.html").read_text())
    rows = [a for t, a in page.elements if t == "tr" and a.get("data-status")]
    assert [(r["data-status"], r["data-bloc"], r["data-domain"]) for r in rows] == [
        ("suspended", "russia", "arms-control"), ("suspended", "west", "security-dialogue"),
    ]
    assert "new start" in (rows[0]["data-search"] or "")
    form = page.all("form")
    assert form == [{"id": "filters", "class": "filters", "hidden": None}]  # shown by the script
    svgs = page.all("svg")  # the recent years for a phone, then the whole curve
    assert [(s["role"], s["aria-labelledby"]) for s in svgs] == [
        ("img", "recent-title recent-desc"), ("img", "curve-title curve-desc"),
    ]


def test_the_sources_page_reports_the_registry(site: Path) -> None:
    shown = Page((site / "sources.html").read_text()).words()
    assert "1 of 3 events (33%) cite a primary or reference source" in shown
    assert "US Department of State state.gov primary 2" in shown
    assert "TASS tass.com news · state media (Russia) 3" in shown
    assert "Example <Publisher> example.org news 3" in shown
    assert "Sites not among the publishers" not in shown  # the validator requires them all


def test_the_same_data_gives_the_same_bytes_in_another_process(
    ledger: Path, site: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "COMPARTMENT_DATA": str(ledger)}
    subprocess.run([sys.executable, "-m", "compartment", "site", "-o", str(again)],
                   check=True, env=env, capture_output=True)
    assert files_of(again) == files_of(site)
    assert dates.today() not in "".join(c.decode() for c in files_of(site).values())


def test_stamp_prints_the_date(run, ledger: Path, tmp_path: Path) -> None:
    out = tmp_path / "stamped"
    result = run("--data", str(ledger), "site", "-o", str(out), "--stamp")
    assert result.stderr == f"{out}: 16 files, 2 dossier pages; open {out / 'index.html'}\n"
    assert f"Built with compartment on {dates.today()}." in (out / "index.html").read_text()


def test_a_folder_that_is_not_empty_is_refused_unless_forced(
    run, ledger: Path, tmp_path: Path
) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "CNAME").write_text("ledger.example\n")
    (out / "index.html").write_text("mine")
    before = hashlib.sha256(ledger.read_bytes()).hexdigest()
    result = run("--data", str(ledger), "site", "-o", str(out), ok=False)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: -o {out}: the folder is not empty; name a new or empty folder, or use --force "
        "to write the site's files over it (nothing else in it is touched)\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["CNAME", "index.html"]
    run("--data", str(ledger), "site", "-o", str(out), "--force")
    assert (out / "CNAME").read_text() == "ledger.example\n"  # not the site's: untouched
    assert (out / "index.html").read_text().startswith("<!doctype html>")
    assert hashlib.sha256(ledger.read_bytes()).hexdigest() == before


def test_force_never_writes_through_a_link_or_over_a_folder(
    run, ledger: Path, tmp_path: Path
) -> None:
    out = tmp_path / "linked"
    out.mkdir()
    elsewhere = tmp_path / "precious.txt"
    elsewhere.write_text("keep me")
    (out / "index.html").symlink_to(elsewhere)
    result = run("--data", str(ledger), "site", "-o", str(out), "--force", ok=False)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {out / 'index.html'}: not a regular file (a folder, link or device); "
        "nothing was written\n"
    )
    assert elsewhere.read_text() == "keep me"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]  # nothing else was made
    (out / "index.html").unlink()
    (out / "dossiers").write_text("a file where the site needs a folder")
    result = run("--data", str(ledger), "site", "-o", str(out), "--force", ok=False)
    assert result.stderr.startswith(f"Error: {out / 'dossiers'}: the site needs a folder here")


@pytest.mark.parametrize(("make", "code", "message"), [
    (lambda p: p.write_text("x"), 2, "that is not a folder; name a new or empty folder"),
    (lambda p: None, 1, "does not exist"),
])
def test_bad_output_folders(run, ledger: Path, tmp_path: Path, make, code: int,
                            message: str) -> None:
    out = tmp_path / "file"
    make(out)
    target = out if out.exists() else tmp_path / "missing" / "site"
    result = run("--data", str(ledger), "site", "-o", str(target), ok=False)
    assert result.exit_code == code
    assert message in result.stderr and len(result.stderr.splitlines()) == 1


def test_the_bundled_data_builds(run, tmp_path: Path) -> None:
    out = tmp_path / "bundled"
    run("site", "-o", str(out))
    data = load(Path(__file__).parent.parent / "data" / "issues.yaml").dataset
    assert data is not None
    assert len(list((out / "dossiers").iterdir())) == len(data.dossiers)
    index = Page((out / "index.html").read_text())
    assert len([a for t, a in index.elements if t == "tr" and a.get("data-status")]) == len(
        data.dossiers)


def test_an_id_that_is_not_kebab_case_cannot_name_a_page() -> None:
    assert pages.page_name("new-start") == "new-start.html"
    for bad in ("../escape", "a/b", "New", "x.html", ""):
        with pytest.raises(CompartmentError, match="cannot name a page"):
            pages.page_name(bad)


def test_svg_loses_its_style_and_keeps_its_looks() -> None:
    doc = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
           b'xmlns:xlink="http://www.w3.org/1999/xlink" width="10pt" height="5pt" '
           b'viewBox="0 0 10 5"><metadata>m</metadata><defs><style>*{x:y}</style>'
           b'<path id="p1" d="M 0 0\nL 1 1" style="fill: #fff; stroke-width: 0.8"/></defs>'
           b'<use xlink:href="#p1" clip-path="url(#p1)"/><text>&lt;/svg&gt;</text></svg>')
    out = svg.inline(doc, "c", "T <t>", "D")
    assert out == (
        '<svg viewBox="0 0 10 5" stroke-linejoin="round" stroke-linecap="butt" role="img" '
        'aria-labelledby="c-title c-desc">\n<title id="c-title">T &lt;t&gt;</title>\n'
        '<desc id="c-desc">D</desc>\n<defs>\n<path id="c-p1" d="M 0 0 L 1 1" fill="#fff" '
        'stroke-width="0.8" />\n</defs>\n<use clip-path="url(#c-p1)" href="#c-p1" />\n'
        "<text>&lt;/svg&gt;</text>\n</svg>"
    )
    with pytest.raises(ValueError, match="'filter' has no presentation attribute"):
        svg.inline(b'<svg xmlns="http://www.w3.org/2000/svg"><g style="filter: x"/></svg>',
                   "c", "t", "d")


@pytest.mark.parametrize("package", ["jinja2", "matplotlib"])
def test_without_an_extra(run, ledger: Path, tmp_path: Path, monkeypatch, package: str) -> None:
    monkeypatch.setitem(sys.modules, package, None)  # `import PACKAGE` now fails
    out = tmp_path / "none"
    result = run("--data", str(ledger), "site", "-o", str(out), ok=False)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the site needs {package}: pip install {package} (or install "
        "compartment-ledger[site])\n"
    )
    assert not out.exists()


def test_the_cli_does_not_import_jinja2_or_matplotlib_at_start() -> None:
    code = ("import sys, compartment.cli; "
            "print(sorted(m for m in ('jinja2', 'matplotlib') if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                           text=True).stdout
    assert found == "[]\n"


@pytest.mark.slow
def test_a_link_swapped_in_while_the_site_is_written_is_never_followed(
    tmp_path: Path, sample: Path
) -> None:
    """Attack: a script races `site -o DIR --force`, turning a page into a symlink to another
    file, and the `dossiers/` folder into a link to another folder, between the checks and
    the writes. The victim file and folder must never be written (run 18 of 30 was, when
    the write resolved the path again)."""
    import threading

    from compartment.site.build import build as build_site

    data = load(sample).dataset
    out = tmp_path / "site"
    build_site(data, out, force=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    page, folder = out / "index.html", out / "dossiers"
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            for path, target in ((page, victim), (folder, elsewhere)):
                aside = path.with_name(path.name + ".aside")
                try:
                    path.rename(aside)
                    path.symlink_to(target)
                    path.unlink()
                    aside.rename(path)
                except OSError:
                    pass

    racer = threading.Thread(target=swap)
    racer.start()
    try:
        for _ in range(30):
            with contextlib.suppress(CompartmentError):  # a refusal is fine: the swap was seen
                build_site(data, out, force=True)
    finally:
        stop.set()
        racer.join()
    assert victim.read_text() == "keep me\n"
    assert list(elsewhere.iterdir()) == []


def test_a_matplotlibrc_in_the_working_folder_changes_nothing(tmp_path: Path, sample: Path) -> None:
    """Attack: a `matplotlibrc` where the command runs changed the site's bytes. The charts
    are drawn with matplotlib's own defaults and ours, whatever rc files say."""
    def build_in(folder: Path) -> dict[str, str]:
        code = ("import sys; from pathlib import Path; from compartment.site.build import build; "
                "from compartment.store.datafile import load; "
                "build(load(Path(sys.argv[1])).dataset, Path(sys.argv[2]))")
        out = folder / "site"
        subprocess.run([sys.executable, "-c", code, str(sample), str(out)], cwd=folder,
                       check=True, capture_output=True,
                       env={**os.environ, "COMPARTMENT_CACHE_DIR": str(folder / "c")})
        return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(out.rglob("*")) if p.is_file()}

    plain, styled = tmp_path / "plain", tmp_path / "styled"
    plain.mkdir()
    styled.mkdir()
    (styled / "matplotlibrc").write_text("axes.facecolor: red\nlines.linewidth: 9\n"
                                         "font.size: 30\nsvg.hashsalt: other\n")
    assert build_in(styled) == build_in(plain)


# -- linkage, what comes next, the feed, the about page, charts for readers ----------------

# Crises and the breaks over them (one answering another dossier's move, one with no link
# stated, one too early to be recorded), a formal accusation, a dossier broken off and
# recovered, decision points (one within six months of the last event), two events of one
# date, a summary quoting "the article", and one publisher under two hosts.
LINKED = """\
actors:
  eu:
    name: European Union
    bloc: west
  nato:
    name: NATO
    bloc: west
  russia:
    name: Russia
    bloc: russia
  united-states:
    name: United States
    bloc: west
  us-russia:
    name: United States and Russia
    bloc: international
crises:
  crimea-2014:
    name: Russia's seizure of Crimea
    date: 2014-02-27
    summary: Armed men seized Crimea's parliament.
    sources: [https://www.state.gov/crimea/]
  ukraine-2022:
    name: The full-scale invasion of Ukraine
    date: 2022-02-24
    summary: Russia invaded Ukraine.
    sources: [https://www.state.gov/ukraine/]
dossiers:
  - id: inf-treaty
    title: INF Treaty
    domain: arms-control
    parties: [united-states, russia]
    status: terminated
    broken_off_by: united-states
    summary: The 1987 treaty on intermediate-range missiles.
    events:
      - date: 1987-12-08
        actor: us-russia
        action: signed
        status: active
        summary: The treaty was signed.
        sources: [https://www.state.gov/inf/]
      - date: 2014-07-29
        actor: united-states
        action: found Russia in violation
        accuses: russia
        summary: The compliance report found a violation.
        sources: [https://www.state.gov/report-2014/]
      - date: 2019-02-02
        actor: united-states
        action: suspended its obligations
        status: terminated
        over: [inf-treaty@2014-07-29]
        summary: The United States suspended and gave notice.
        sources: [https://www.state.gov/inf-2019/]
  - id: nato-russia-council
    title: NATO-Russia Council
    domain: security-dialogue
    parties: [nato, russia]
    status: suspended
    broken_off_by: nato
    summary: The council of NATO and Russia.
    events:
      - date: 1986-05-27
        actor: nato
        action: froze talks
        status: strained
        summary: An early break, before links were recorded.
        sources: [https://www.nato.int/1986/]
      - date: 2002-05-28
        actor: nato
        action: founded the council
        status: active
        summary: The council was founded.
        sources: [https://www.nato.int/nrc/]
      - date: 2014-04-01
        actor: nato
        action: suspended cooperation
        status: suspended
        over: [crimea-2014]
        summary: NATO suspended all practical cooperation.
        sources: [https://www.nato.int/2014/, https://tass.ru/nato]
  - id: iss
    title: International Space Station
    domain: space
    parties: [united-states, russia]
    status: active
    broken_off_by: null
    summary: The station; the article lists space among the dossiers still walled off.
    next:
      - date: 2024-03
        due: Crew seat swap renewal
        by: [us-russia]
        sources: [https://www.nasa.gov/swap/, https://tass.com/swap]
      - date: 2030
        due: Deorbit of the station
        by: [united-states, russia]
        sources: [https://www.nasa.gov/deorbit/]
    events:
      - date: 1998-11-20
        actor: us-russia
        action: launched the first module
        status: active
        summary: Zarya launched.
        sources: [https://www.nasa.gov/zarya/]
      - date: 2022-07-26
        actor: russia
        action: announced its withdrawal after 2024
        status: strained
        over: [ukraine-2022]
        summary: Roscosmos announced it would leave.
        sources: [https://tass.com/iss]
      - date: 2022-07-26
        actor: russia
        action: clarified
        summary: A second statement on the same day.
        sources: [https://tass.com/iss2]
      - date: 2024-01-10
        actor: us-russia
        action: extended seat swaps
        status: active
        over: []
        summary: The agencies extended the seat swaps.
        sources: [https://www.nasa.gov/2024/]
  - id: eu-summits
    title: EU-Russia summits
    domain: diplomacy
    parties: [eu, russia]
    status: suspended
    broken_off_by: eu
    summary: Twice-yearly summits.
    events:
      - date: 1998-01-01
        actor: eu
        action: held the first summit
        status: active
        summary: The first summit.
        sources: [https://www.state.gov/eu/]
      - date: 2014-03-20
        actor: eu
        action: cancelled the summit
        status: suspended
        over: []
        summary: The EU cancelled the June summit.
        sources: [https://www.state.gov/eu-2014/]
publishers:
  nasa.gov:
    name: NASA
    kind: primary
    subdomains: true
  nato.int:
    name: NATO
    kind: primary
    subdomains: true
  state.gov:
    name: US Department of State
    kind: primary
    subdomains: true
  tass.com:
    name: TASS
    kind: news
    state_media: russia
  tass.ru:
    name: TASS
    kind: news
    state_media: russia
"""
BUNDLED = Path(__file__).parent.parent / "data" / "issues.yaml"


def build_from(text_or_path: str | Path, folder: Path) -> Path:
    if isinstance(text_or_path, Path):
        ledger = text_or_path
    else:
        ledger = folder / "issues.yaml"
        ledger.write_text(text_or_path, encoding="utf-8")
    data = load(ledger, use_cache=False).dataset
    assert data is not None
    out = folder / "site"
    build(data, out)
    return out


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_from(LINKED, tmp_path_factory.mktemp("linked"))


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_from(BUNDLED, tmp_path_factory.mktemp("bundled"))


def words(site: Path, name: str) -> str:
    return Page((site / name).read_text()).words()


def links(site: Path, name: str) -> dict[str, str]:
    """The page's links by target, with the text a reader sees in each."""
    found: dict[str, str] = {}
    for match in re.finditer(r"<a\s[^>]*>.*?</a>", (site / name).read_text(), re.DOTALL):
        link = Page(match[0])
        found[link.all("a")[0].get("href") or ""] = link.words()
    return found


def test_the_linkage_page_shows_each_crisis_with_its_breaks(linked: Path) -> None:
    assert_links_resolve(linked)
    page = Page((linked / "linkage.html").read_text())
    headings = [a["id"] for t, a in page.elements if t == "h2" and a.get("id")]
    assert headings == ["cost-heading", "crimea-2014", "ukraine-2022", "moves-heading",
                        "none-stated", "not-recorded"]
    shown = page.words()
    # what each crisis cost, by bloc, and who linked first
    assert ("Russia's seizure of Crimea 2014-02-27 1 1 NATO (west, 2014-04-01)" in shown)
    assert ("The full-scale invasion of Ukraine 2022-02-24 1 1 Russia (russia, 2022-07-26)"
            in shown)
    assert "No link stated 1 1" in shown and "Not recorded 1 1" in shown
    # each break: date, dossier, actor, bloc, status, recovered or now
    assert ("2022-07-26 International Space Station Russia russia strained active again from "
            "2024-01-10 ; active now") in shown
    assert "In answer to INF Treaty, 2014-07-29" in shown
    assert "2019-02-02 INF Treaty United States west terminated terminated now" in shown
    assert "1986-05-27 NATO-Russia Council NATO west strained active again from 2002-05-28" in shown
    assert links(linked, "linkage.html")["dossiers/iss.html"] == "International Space Station"
    assert links(linked, "linkage.html")["dossiers/inf-treaty.html#e-2014-07-29"] == (
        "INF Treaty, 2014-07-29")


def test_a_dossier_page_shows_what_each_event_answered_and_who_accused_first(
    linked: Path,
) -> None:
    iss = words(linked, "dossiers/iss.html")
    assert "2022-07-26 : strained by Russia (russia) · over: The full-scale invasion" in iss
    assert links(linked, "dossiers/iss.html")["../linkage.html#ukraine-2022"] == (
        "The full-scale invasion of Ukraine")
    assert "extended seat swaps The agencies extended the seat swaps. over: no link stated" in iss
    ids = {a.get("id") for _, a in Page((linked / "dossiers/iss.html").read_text()).elements}
    assert {"e-2022-07-26", "e-2022-07-26-2"} <= ids  # two events of one date
    inf = words(linked, "dossiers/inf-treaty.html")
    assert ("Broken off first by United States (west) on 2019-02-02 First accused Russia, by "
            "United States, 2014-07-29") in inf
    assert "found Russia in violation The compliance report found a violation. accuses Russia" in inf
    assert links(linked, "dossiers/inf-treaty.html")["../dossiers/inf-treaty.html#e-2014-07-29"] == (
        "INF Treaty, 2014-07-29")
    assert "strained by NATO (west) · over: not recorded" in words(
        linked, "dossiers/nato-russia-council.html")


def test_what_comes_next(linked: Path) -> None:
    index = words(linked, "index.html")
    soon = index[index.index("What's next"):index.index("All dossiers")]
    # six months from the last event (2024-01-10): the swap, not the deorbit
    assert "from 2024-01-10 to 2024-07-09" in soon
    assert "2024-03 · International Space Station active Crew seat swap renewal" in soon
    assert "Deorbit" not in soon
    for name in ("index.html", "next.html"):
        assert {"next.ics", "feed.xml"} <= set(links(linked, name)), name
    ahead = words(linked, "next.html")
    assert ("2024-03 · International Space Station active Crew seat swap renewal Decided by "
            "United States and Russia. Source: NASA (and 1 more on the dossier's page).") in ahead
    assert "2030 · International Space Station active Deorbit of the station" in ahead
    assert links(linked, "next.html")["https://www.nasa.gov/swap/"] == "NASA"
    assert links(linked, "next.html")["dossiers/iss.html"] == "International Space Station"
    data = load(linked.parent / "issues.yaml", use_cache=False).dataset
    assert data is not None
    assert (linked / "next.ics").read_bytes() == calendar.ics(data)
    iss = words(linked, "dossiers/iss.html")
    assert ("What comes next Scheduled decision points of this dossier. All decision points · "
            "calendar 2024-03 · decided by United States and Russia Crew seat swap renewal") in iss


ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_feed_is_atom_and_the_same_on_every_build(bundled: Path, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    feed = ET.parse(bundled / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author/{*}name"):
        assert (feed.findtext(f"{ATOM}{required}") or "").strip(), required
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) >= 30
    ids = [e.findtext(f"{ATOM}id") or "" for e in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("tag:compartment,2026:") for i in ids)
    updated = [e.findtext(f"{ATOM}updated") or "" for e in entries]
    assert updated == sorted(updated, reverse=True)  # newest first
    assert feed.findtext(f"{ATOM}updated") == updated[0]
    assert updated[0].startswith(last_event(load(BUNDLED).dataset))  # the data's date
    for entry in entries:
        assert (entry.findtext(f"{ATOM}title") or "").strip()
        assert entry.find(f"{ATOM}content[@type='html']") is not None
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link is not None
        page, _, anchor = (link.get("href") or "").partition("#")
        assert anchor in {a.get("id") for _, a in Page((bundled / page).read_text()).elements}
    # every page offers it
    for name, page in html_pages(bundled).items():
        feeds = [a for a in page.all("link") if a.get("type") == "application/atom+xml"]
        assert [a.get("rel") for a in feeds] == ["alternate"], name
        assert (bundled / name).parent.joinpath(feeds[0]["href"] or "").resolve() == (
            bundled / "feed.xml").resolve()
    again = build_from(BUNDLED, tmp_path)
    assert (again / "feed.xml").read_bytes() == (bundled / "feed.xml").read_bytes()
    assert files_of(again) == files_of(bundled)


def test_the_reference_article_is_named_and_linked_wherever_it_is_quoted(
    site: Path, linked: Path, bundled: Path
) -> None:
    url = pages.ARTICLE.url
    for folder in (site, linked, bundled):
        for name, page in html_pages(folder).items():
            if "the article" in page.words().lower():
                assert url in links(folder, name), (folder.parent.name, name)
    assert "The article: Hanna Notte, “U.S.-Russian Relations Can Still Get Worse” , War on " \
        "the Rocks, 28 March 2023." in words(linked, "dossiers/iss.html")
    # the citation of it in a source becomes a link too
    assert links(site, "dossiers/new-start.html")[url].startswith("Hanna Notte")


def test_the_about_page_and_never_broken_off(linked: Path, bundled: Path) -> None:
    for folder in (linked, bundled):  # in every page's navigation
        for path in sorted(folder.rglob("*.html")):
            text = path.read_text()
            nav = Page(text[text.index('<nav aria-label="Site">'):text.index("</nav>")])
            root = "../" if path.parent != folder else ""
            assert f"{root}about.html" in [a.get("href") for a in nav.all("a")], path
    about = words(linked, "about.html")
    for phrase in ("A dossier", "Status", "Breaks, and who broke a dossier off", "Accusations",
                   "Crises, and what a break was made over", "Decision points", "Sources",
                   "CC BY 4.0", "MIT licence"):
        assert phrase in about, phrase
    # The ISS was broken off in 2022 and recovered: not broken off today, not "never".
    assert "Never broken off means no break at all: 0 dossiers." in about
    assert "nobody has it broken off today: International Space Station ." in about
    index = words(linked, "index.html")
    assert "Not in the table: 1 dossier not broken off today" in index
    assert "Not in the table: 1 dossier never broken off" not in index
    row = next(a for t, a in Page((linked / "index.html").read_text()).elements
               if t == "tr" and a.get("data-search", "").startswith("international space"))
    assert (row["data-bloc"], row["data-first-bloc"]) == ("none", "russia")
    data = load(BUNDLED).dataset
    assert data is not None
    never = sum(1 for d in data.dossiers if d.first_break is None)
    assert f"Never broken off means no break at all: {never} dossiers." in words(
        bundled, "about.html")


def test_the_sources_page_merges_publishers_and_speaks_plainly(linked: Path) -> None:
    shown = words(linked, "sources.html")
    assert "TASS tass.com, tass.ru news · state media (Russia) 3" in shown
    assert shown.count("TASS") == 1
    for name, page in html_pages(linked).items():
        assert "state_media" not in page.words() and "`" not in page.words(), name


def test_every_page_has_a_description_and_open_graph_metadata(linked: Path) -> None:
    for name, page in html_pages(linked).items():
        metas = {a.get("name") or a.get("property"): a.get("content") for a in page.all("meta")}
        for key in ("description", "og:title", "og:description", "og:type"):
            assert (metas.get(key) or "").strip(), (name, key)
    iss = Page((linked / "dossiers/iss.html").read_text())
    og = {a.get("property"): a.get("content") for a in iss.all("meta")}
    assert og["og:title"] == "International Space Station" and og["og:type"] == "article"


def test_the_charts_carry_hover_values_notes_crises_and_their_data(linked: Path) -> None:
    import xml.etree.ElementTree as ET

    text = (linked / "index.html").read_text()
    start = text.index("<svg", text.index('class="whole'))
    curve = ET.fromstring(text[start:text.index("</svg>", start) + 6])
    tips = {g.get("id"): g.findtext("title") for g in curve.iter("g") if g.find("title")
            is not None}
    assert tips["curve-year-2022"] == (
        "2022 (at the end of 2022): 1 strained, 2 suspended, 1 terminated; 4 dossiers")
    assert tips["curve-year-2024"] == "2024 (on 2024-01-10): 1 active, 2 suspended, " \
        "1 terminated; 4 dossiers"
    marks = {t for t in tips.values() if t and t.startswith(("crimea-2014", "ukraine-2022"))}
    assert marks == {"crimea-2014: Russia's seizure of Crimea (from 2014-02-27)",
                     "ukraine-2022: The full-scale invasion of Ukraine (from 2022-02-24)"}
    assert {"crimea-2014", "ukraine-2022"} <= {t.text for t in curve.iter("text")}
    assert "Source: the ledger's data, 4 dossiers and 12 dated events, as of 2024-01-10." in (
        words(linked, "index.html"))
    timeline = (linked / "timeline.html").read_text()
    assert "<title>International Space Station: strained from 2022-07-26 to 2024-01-10</title>" \
        in timeline
    assert "<title>INF Treaty, 2014-07-29: United States found Russia in violation</title>" \
        in timeline
    data = load(linked.parent / "issues.yaml", use_cache=False).dataset
    assert data is not None
    records = series.records(data.dossiers, "year", end="2024-01-10")
    with (linked / "data/curve.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [{k: int(v) for k, v in r.items()} for r in rows] == series.pivot(records)
    curve_json = json.loads((linked / "data/curve.json").read_text())
    assert curve_json["rows"] == series.pivot(records) and curve_json["as_of"] == "2024-01-10"
    assert [c["id"] for c in curve_json["crises"]] == ["crimea-2014", "ukraine-2022"]
    with (linked / "data/lanes.csv").open(newline="") as f:
        lanes = list(csv.DictReader(f))
    assert {"dossier": "iss", "title": "International Space Station", "domain": "space",
            "status": "strained", "from": "2022-07-26", "to": "2024-01-10"} in lanes
    assert json.loads((linked / "data/lanes.json").read_text())["rows"] == [
        {**r, "status": r["status"] or None} for r in lanes]
    for name in ("index.html", "timeline.html"):
        downloads = {h for h in links(linked, name) if h.startswith("data/")}
        assert len(downloads) == 2, name


def test_svg_titles_become_hover_texts() -> None:
    doc = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><g id="year-2022">'
           b'<path d="M 0 0" style="fill: none"/></g><g id="other"/></svg>')
    out = svg.inline(doc, "c", "T", "D", {"year-2022": "2022: 4 <dossiers>"})
    assert ('<g id="c-year-2022" pointer-events="all">\n<title>2022: 4 &lt;dossiers&gt;</title>'
            in out)
    assert '<g id="c-other" />' in out
