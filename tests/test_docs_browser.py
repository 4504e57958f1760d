"""The built documentation site in a real browser: Debian's chromium, headless, driven by Selenium.

The site is built (``mkdocs build --strict``) into a temporary folder and served by ``http.server`` on a
free loopback port. The test opens the home page, the data dictionary and the CLI reference, checks that
each renders (its title, its navigation, its generated content), and that the site's own search (a local
index, no network) finds "time_in_space".

Skipped when chromium, chromedriver or mkdocs is absent, except in CI (``CI=true``), where a missing
browser is a failure, as in tests/test_browser.py. Set ``SPACECRAFT_DATA_DOCS_SCREENSHOTS=<folder>`` to keep
screenshots of the home page and the data dictionary (docs-home.png, docs-dictionary.png).
"""

from __future__ import annotations

import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from chromium import headless_chromium
from test_docs import build_site

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site")
    done = build_site(folder)
    assert done.returncode == 0, done.stderr

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile"), page_load_timeout=60) as driver:
        yield driver


def _screenshot(driver, name: str) -> None:
    folder = os.environ.get("SPACECRAFT_DATA_DOCS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / name))


def _open(driver, url: str) -> str:
    """Open ``url`` and return the main content's visible text, once it has rendered."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    article = WebDriverWait(driver, 60).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "article")))
    return article.text


def test_the_home_page_renders_with_its_navigation(browser, site_url):
    from selenium.webdriver.common.by import By

    text = _open(browser, f"{site_url}/")
    assert browser.title.startswith("spacecraft-data")
    assert "Coverage, honestly." in text and "The Space Devs" in text
    nav = {a.get_attribute("textContent").strip() for a in browser.find_elements(By.CSS_SELECTOR, "nav a")}
    assert {"Getting started", "Data dictionary", "CLI reference", "For researchers"} <= nav
    # the theme's stylesheet applied (no web font needed): the header bar is laid out, not bare HTML
    header = browser.find_element(By.CSS_SELECTOR, "header.md-header")
    assert header.size["height"] > 20 and header.value_of_css_property("position") in ("sticky", "fixed")
    _screenshot(browser, "docs-home.png")


def test_the_data_dictionary_renders_every_table(browser, site_url):
    from selenium.webdriver.common.by import By

    text = _open(browser, f"{site_url}/data-dictionary/")
    assert "Coverage of each snapshot" in text
    headings = {h.get_attribute("id") for h in browser.find_elements(By.CSS_SELECTOR, "article h3")}
    assert {"spacecraft", "spacecraft_configurations", "image_variants"} <= headings
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "article table td")]
    assert "time_in_space_seconds" in cells
    _screenshot(browser, "docs-dictionary.png")


def test_the_cli_reference_renders_every_command(browser, site_url):
    from selenium.webdriver.common.by import By

    text = _open(browser, f"{site_url}/cli/")
    assert "usage: spacecraft-data" in text
    headings = [h.get_attribute("id") for h in browser.find_elements(By.CSS_SELECTOR, "article h3")]
    from spacecraft_data.cli import COMMANDS

    assert [h for h in headings if h in COMMANDS] == list(COMMANDS)


def test_the_site_search_finds_time_in_space(browser, site_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, f"{site_url}/")
    box = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")  # in the header on a wide window
    box.click()
    box.send_keys("time_in_space")

    def results(driver):
        found = driver.find_elements(By.CSS_SELECTOR, ".md-search-result__item")
        return found or False

    found = WebDriverWait(browser, 60).until(results)
    text = " ".join(item.text for item in found)
    assert "time_in_space" in text
    links = {item.find_element(By.CSS_SELECTOR, "a").get_attribute("href") for item in found}
    assert any("/data-dictionary/" in link or "/library/" in link for link in links), links
