"""`compartment site`: the static website, checked as files (the browser tests open it)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("jinja2", reason="the site needs jinja2: pip install 'compartment[site]'")
pytest.importorskip("matplotlib", reason="the site needs matplotlib")

from compartment.data import dates
from compartment.errors import CompartmentError
from compartment.site import build, pages, svg
from compartment.store.datafile import load

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


def test_the_site_has_its_pages_and_every_link_resolves(site: Path) -> None:
    assert sorted(files_of(site)) == [
        "dossiers/hostile.html", "dossiers/new-start.html", "index.html", "sources.html",
        *STATIC_FILES, "timeline.html",
    ]
    for name, page in html_pages(site).items():
        for tag, attrs in page.elements:
            for key in ("href", "src"):
                target = attrs.get(key)
                if target is None or tag in ("use",):
                    continue
                parts = urlsplit(target)
                if parts.scheme or target.startswith("data:"):
                    continue  # checked by the origin test below
                if parts.path:
                    assert (site / name).parent.joinpath(parts.path).resolve().is_file(), (
                        name, target)
                if parts.fragment and not parts.path:  # an anchor on the same page
                    ids = {a.get("id") for _, a in page.elements}
                    assert parts.fragment in ids, (name, target)


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
        assert not [h for h in links if h.lower().startswith(("javascript", "data"))], name
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
    assert "TASS · news · state media (russia)" in shown
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
    svgs = page.all("svg")
    assert svgs[0]["role"] == "img" and svgs[0]["aria-labelledby"] == "curve-title curve-desc"


def test_the_sources_page_reports_the_registry(site: Path) -> None:
    shown = Page((site / "sources.html").read_text()).words()
    assert "1 of 3 events (33%) cite a primary or reference source" in shown
    assert "US Department of State state.gov primary 2" in shown
    assert "TASS tass.com news russia 3" in shown
    assert "Example <Publisher> example.org news 3" in shown
    assert "Hosts not in the registry" not in shown  # the validator requires them all


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
    assert result.stderr == f"{out}: 7 files, 2 dossier pages; open {out / 'index.html'}\n"
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


def test_without_jinja2(run, ledger: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)  # `import jinja2` now fails
    out = tmp_path / "none"
    result = run("--data", str(ledger), "site", "-o", str(out), ok=False)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the site needs jinja2: install compartment[site] "
        "(pip install 'compartment[site]')\n"
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
