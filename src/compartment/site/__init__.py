"""The ledger as a static website (`compartment site -o DIR`).

`build.py` renders and writes the site, `pages.py` decides what each page shows, `charts.py`
draws the charts with their hover texts and writes the data behind them, `svg.py` makes
matplotlib's charts fit to sit inline under the pages' Content-Security-Policy, `feed.py`
writes the Atom feed; the Jinja2 templates are in `templates/`, the style sheet and script
in `static/`. Importing this package costs nothing: jinja2 and matplotlib are imported when
a site is built.
"""

from compartment.site.build import Built, build, render

__all__ = ["Built", "build", "render"]
