"""`compartment site`: the ledger as a static website, written into a folder.

The site is plain files with relative links (index, one page per dossier, a timeline, the
crises and the breaks over them, what comes next, the sources, an about page; an Atom feed
of the latest events, the decision points as a calendar, the data behind each chart as CSV
and JSON), so it works from `file://` and from any static host. Every style sheet and
script ships in `static/`; charts are inline SVG; a Content-Security-Policy in each page
forbids any other origin. The same data gives byte-identical files: nothing depends on the
clock unless a `stamp` is given, and "now" is the `end` date (by default the last event's).

Writing is careful because `-o` names a folder the user may have filled: a new or empty
folder is written; a non-empty one is refused unless `force`, and then only the site's own
files are replaced (atomically, each name itself, never through a link: storage.write_tree)
and nothing else in the folder is touched or removed. Whatever would be written over must be
a regular file (or a folder where a folder goes): never a symlink, which could point outside,
nor a device or FIFO. The data file is never written.
"""

from __future__ import annotations

import os
import stat
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from compartment import errors
from compartment.data import dates
from compartment.data.dataset import Dataset
from compartment.errors import CompartmentError, UsageError
from compartment.site import charts, feed, pages
from compartment.store import storage
from compartment.views import calendar

STATIC = ("site.css", "site.js")


class Built(NamedTuple):
    """What was written: paths relative to the folder, in the order written."""

    folder: Path
    files: tuple[str, ...]
    dossiers: int


def render(data: Dataset, end: str, stamp: str | None = None) -> dict[str, bytes]:
    """Every file of the site, by its path relative to the folder. Pure but for jinja2's
    and matplotlib's work: nothing is written. `data` holds a dossier with events (`build`
    refuses a dataset without one)."""
    errors.require("jinja2", "the site", "site")
    import jinja2
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("compartment.site", "templates"),
        autoescape=True,  # every template is HTML: escape every value, always
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the build, not the page
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.globals["article"] = pages.ARTICLE
    common = {"stamp": stamp, "end": end, "dossier_count": len(data.dossiers)}
    files: dict[str, bytes] = {}

    def page(path: str, template: str, **context: Any) -> None:
        root = "../" * path.count("/")
        html = env.get_template(template).render(root=root, here=path, **common, **context)
        files[path] = html.encode("utf-8")

    errors.require("matplotlib", "the site", "site")
    drawn, chart_files = charts.charts(data, end)
    page("index.html", "index.html", **pages.index_context(data, end), curve=drawn)
    names = pages.Names(data)
    for d in data.dossiers:
        view = pages.dossier_view(names, d)
        page(f"dossiers/{view.page}", "dossier.html", d=view)
    page("timeline.html", "timeline.html", **pages.timeline_context(data), lanes=drawn["lanes"])
    page("linkage.html", "linkage.html", **pages.linkage_context(data))
    page("next.html", "next.html", ahead=pages.ahead(data, end))
    page("sources.html", "sources.html", **pages.sources_context(data))
    page("about.html", "about.html", **pages.about_context(data))
    files["feed.xml"] = feed.atom(data)
    files["next.ics"] = calendar.ics(data)
    files.update(chart_files)
    static = resources.files("compartment.site").joinpath("static")
    for name in STATIC:
        files[f"static/{name}"] = static.joinpath(name).read_bytes()
    return files


def _kind(path: Path) -> int | None:
    """The file type bits of `path` itself (a symlink is a symlink), None if nothing is there."""
    try:
        return stat.S_IFMT(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CompartmentError(f"{path}: cannot write ({exc.strerror})") from None


def check_folder(folder: Path, *, force: bool) -> None:
    """The cheap checks of `-o`, made before any work: a new folder whose parent exists, an
    empty folder, or (with `force`) any folder."""
    kind = _kind(folder)
    if kind is None:
        if not folder.parent.is_dir():
            raise CompartmentError(f"-o {folder}: the folder {folder.parent} does not exist")
    # A link to a folder, named by the user, is that folder: the site goes into it.
    elif kind != stat.S_IFDIR and not (kind == stat.S_IFLNK and folder.is_dir()):
        raise UsageError(f"-o {folder}: that is not a folder; name a new or empty folder")
    elif any(folder.iterdir()) and not force:
        raise UsageError(f"-o {folder}: the folder is not empty; name a new or empty folder, "
                         "or use --force to write the site's files over it (nothing else in it "
                         "is touched)")


def prepare(folder: Path, paths: list[str], *, force: bool, data_file: Path | None) -> None:
    """Check that the site can be written into `folder` without harm; make its folders."""
    check_folder(folder, force=force)  # again: the folder may have changed while rendering
    for path in paths:
        target = folder / path
        for part in reversed(Path(path).parents[:-1]):
            sub = folder / part
            if _kind(sub) not in (None, stat.S_IFDIR):
                raise CompartmentError(f"{sub}: the site needs a folder here, and this is not "
                                       "one; nothing was written")
        if _kind(target) not in (None, stat.S_IFREG):
            raise CompartmentError(f"{target}: not a regular file (a folder, link or device); "
                                   "nothing was written")
        if data_file is not None and storage.same_file(target, data_file):
            raise UsageError(f"{target} is the data file; choose another folder")
    try:
        folder.mkdir(exist_ok=True)
        for sub in sorted({(folder / p).parent for p in paths}):
            sub.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CompartmentError(f"-o {folder}: cannot make a folder ({exc.strerror})") from None


def last_event(data: Dataset) -> str:
    """The date of the latest event, as a full date (a partial one at its period's start):
    where the charts end by default, so that the site depends on the data, not the day."""
    return dates.first_day(max(e.date for d in data.dossiers for e in d.events)).isoformat()


def build(data: Dataset, folder: Path, *, end: str | None = None, force: bool = False,
          stamp: str | None = None, data_file: Path | None = None) -> Built:
    """Render the site, check the folder, then write every file. `end` is the last day the
    charts run to (default: the last event's); `stamp`, if given, is printed in each page's
    footer."""
    if not data.dossiers or not any(d.events for d in data.dossiers):
        raise CompartmentError("the data has no dossier with events; there is no site to build")
    # Everything is rendered, then every path checked, before the first file is written.
    check_folder(folder, force=force)
    files = render(data, end or last_event(data), stamp)
    order = sorted(files)
    prepare(folder, order, force=force, data_file=data_file)
    storage.write_tree(folder, files)
    return Built(folder, tuple(order), len(data.dossiers))
