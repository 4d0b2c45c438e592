"""The generated site in a real browser: headless Chromium driven by Selenium.

Select these with `python -m pytest -m browser`; they skip, saying why, when selenium,
Chromium or its driver is missing (Debian: `apt-get install chromium chromium-driver`).
Screenshots of the index (at a desktop's and a phone's width) and of a dossier page go to
the tests' temporary folders; with UPDATE_SCREENSHOTS=1 the index's at desktop width also
replaces docs/site-index.png, the README's picture.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parent.parent
DATA = ROOT / "data" / "issues.yaml"
SCREENSHOT = ROOT / "docs" / "site-index.png"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DRIVERS = ("chromedriver", "chromium-driver")


def _which(names: tuple[str, ...]) -> str | None:
    return next((found for name in names if (found := shutil.which(name))), None)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("jinja2", reason="the site needs jinja2: pip install jinja2")
    pytest.importorskip("matplotlib", reason="the site needs matplotlib")
    from compartment.site import build
    from compartment.store.datafile import load

    data = load(DATA, use_cache=False).dataset
    assert data is not None
    out = tmp_path_factory.mktemp("browser") / "site"
    build(data, out)
    return out


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    pytest.importorskip("selenium", reason="the browser tests need selenium: "
                        "pip install '.[test]'")
    browser, chromedriver = _which(BROWSERS), _which(DRIVERS)
    if browser is None or chromedriver is None:
        pytest.skip("no Chromium and chromedriver on PATH (Debian: apt-get install chromium "
                    "chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     "--window-size=1280,1000", "--disable-dev-shm-usage",
                     # no updates, no sync, no phoning home: any request would be ours
                     "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", "--disable-sync"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    chrome = webdriver.Chrome(options=options, service=Service(chromedriver))
    try:
        yield chrome
    finally:
        chrome.quit()


def open_page(driver: Any, path: Path) -> None:
    driver.get(path.as_uri())


def console(driver: Any) -> list[dict[str, Any]]:
    """The console's messages since the last call (any level: a CSP refusal is an error)."""
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def requests(driver: Any) -> list[str]:
    """Every URL the browser asked for since the last call."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def visible_rows(driver: Any) -> list[Any]:
    from selenium.webdriver.common.by import By

    return [r for r in driver.find_elements(By.CSS_SELECTOR, "#dossiers tbody tr")
            if r.is_displayed()]


def test_the_index_filters_sorts_and_links(driver: Any, site: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from compartment.store.datafile import load

    data = load(DATA, use_cache=False).dataset
    assert data is not None
    open_page(driver, site / "index.html")
    driver.set_window_size(1280, 1300)  # the heading, the tally and the whole curve
    driver.save_screenshot(str(tmp_path / "index.png"))
    driver.set_window_size(1280, 1000)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(tmp_path / "index.png", SCREENSHOT)
    assert len(visible_rows(driver)) == len(data.dossiers)
    shown = driver.find_element(By.ID, "shown")
    assert driver.find_element(By.ID, "filters").is_displayed()  # the script ran

    search = driver.find_element(By.ID, "q")
    search.send_keys("space")
    expected = [d for d in data.dossiers if "space" in
                " ".join([d.title, d.id, *d.aliases, d.summary,
                          *(data.actors[p].name for p in d.parties)]).casefold()]
    assert 0 < len(visible_rows(driver)) == len(expected) < len(data.dossiers)
    assert shown.text == f"{len(expected)} of {len(data.dossiers)} dossiers match."
    assert "#q=space" in driver.current_url  # a filtered view can be shared

    Select(driver.find_element(By.ID, "f-status")).select_by_visible_text("suspended")
    both = [d for d in expected if d.status == "suspended"]
    assert [r.get_attribute("data-status") for r in visible_rows(driver)] == ["suspended"] * len(
        both)
    driver.find_element(By.CSS_SELECTOR, "#filters button[type=reset]").click()
    assert len(visible_rows(driver)) == len(data.dossiers)

    # "Never broken off" is no first break; a dossier broken off and recovered is only
    # broken off by nobody today.
    bloc = Select(driver.find_element(By.ID, "f-bloc"))
    bloc.select_by_visible_text("never broken off")
    assert len(visible_rows(driver)) == sum(d.first_break is None for d in data.dossiers)
    bloc.select_by_visible_text("nobody today")
    assert len(visible_rows(driver)) == sum(d.broken_off_by is None for d in data.dossiers)
    driver.find_element(By.CSS_SELECTOR, "#filters button[type=reset]").click()

    # Sorting by "Since": the header's button, then the rows in date order.
    since = driver.find_elements(By.CSS_SELECTOR, "#dossiers thead th")[5]
    since.find_element(By.TAG_NAME, "button").click()
    assert since.get_attribute("aria-sort") == "ascending"
    dates = [r.find_elements(By.TAG_NAME, "td")[5].text for r in visible_rows(driver)]
    assert dates == sorted(dates) and dates[0] == min(d.since or "" for d in data.dossiers)

    # A dossier's link opens its page, with every event.
    search.send_keys("new-start")  # its id: the text filter matches ids too
    links = [r.find_element(By.TAG_NAME, "a") for r in visible_rows(driver)]
    link = next(a for a in links if a.text == "New START")
    link.click()
    assert driver.current_url == (site / "dossiers" / "new-start.html").as_uri()
    dossier = data.get("new-start")
    assert dossier is not None
    assert len(driver.find_elements(By.CSS_SELECTOR, "ol.events > li")) == len(dossier.events)
    assert driver.find_element(By.TAG_NAME, "h1").text == "New START"
    driver.save_screenshot(str(tmp_path / "dossier.png"))
    assert (tmp_path / "index.png").stat().st_size > 10_000


def test_no_page_logs_an_error_or_leaves_the_folder(driver: Any, site: Path) -> None:
    console(driver), requests(driver)  # drop what earlier tests left
    paths = [site / "index.html", site / "timeline.html", site / "linkage.html",
             site / "next.html", site / "sources.html", site / "about.html",
             *sorted((site / "dossiers").iterdir())[:8]]
    for path in paths:
        open_page(driver, path)
        assert console(driver) == [], path.name
    asked = requests(driver)
    assert {u for u in asked if not u.startswith(("file://", "data:"))} == set()
    # the browser did load the site's own files, so the log was being read
    assert (site / "static" / "site.css").as_uri() in asked


def test_the_keyboard_reaches_the_skip_link_first(driver: Any, site: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(driver, site / "timeline.html")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    assert focused.text == "Skip to content" and focused.is_displayed()


def test_a_phone_width_page_does_not_scroll_sideways(driver: Any, site: Path) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    try:
        for path in (site / "index.html", site / "dossiers" / "new-start.html",
                     site / "timeline.html", site / "linkage.html", site / "next.html",
                     site / "sources.html", site / "about.html"):
            open_page(driver, path)
            width, scrolled = driver.execute_script(
                "return [document.documentElement.clientWidth,"
                " document.documentElement.scrollWidth]")
            assert (width, scrolled) == (390, 390), path.name
            # Tables wrap, or turn into cards: none hides values to the side in its box
            # (only the charts, drawn wide, scroll inside theirs).
            cut = driver.execute_script(
                "document.querySelectorAll('details').forEach(d => { d.open = true; });"
                "return [...document.querySelectorAll('.scroll')]"
                ".filter(s => !s.closest('figure') && s.scrollWidth > s.clientWidth + 1)"
                ".map(s => s.getAttribute('aria-label') || s.getAttribute('aria-labelledby'));")
            assert cut == [], path.name
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_a_phone_sees_the_curve_to_its_end_without_scrolling_sideways(
    driver: Any, site: Path, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    try:
        open_page(driver, site / "index.html")
        driver.save_screenshot(str(tmp_path / "index-phone.png"))
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        year = driver.find_element(By.ID, "recent-year-2022")  # the hover column of 2022
        assert year.find_element(By.XPATH, "ancestor::*[local-name()='svg']").is_displayed()
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", year)
        driver.save_screenshot(str(tmp_path / "curve-phone.png"))
        left, right, top, bottom, hit, scrolled = driver.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "const at = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);"
            "return [r.left, r.right, r.top, r.bottom,"
            " at.closest('g[id]') === arguments[0], window.scrollX];", year)
        assert 0 <= left < right <= 390 and 0 <= top < bottom <= 844, (left, right, top, bottom)
        assert hit  # what a finger or pointer there reaches: 2022's counts, as its title
        assert scrolled == 0
        assert year.find_element(By.TAG_NAME, "title").get_attribute("textContent").startswith(
            "2022 (at the end of 2022): ")
        assert (tmp_path / "curve-phone.png").stat().st_size > 10_000
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
