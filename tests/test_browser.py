"""The browsable page in a real browser: Debian's chromium, headless, driven by Selenium through chromedriver.

The test opens a list page served by ``ll2_server``, follows ``Next``, submits the
filter form with a search term, and checks each JSON shown against ``respond()``
for the URL the browser is on. It also saves the page as a browser gives its text
(``document.body.innerText``) and imports it with ``import-pages``.

Skipped when chromium or chromedriver is absent, except in CI (``CI=true``),
where their absence is a failure: ``.ci/run`` installs them. Set
``SPACECRAFT_DATA_SCREENSHOT=<file.png>`` to keep a screenshot of the filtered page.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from chromium import headless_chromium
from conftest import urls_in

import spacecraft_data
from spacecraft_data.pages import parse_page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile"), page_load_timeout=30) as driver:
        yield driver


def shown(driver) -> object:
    """The page the browser shows, read from its visible text as a person would copy it."""
    return parse_page(driver.execute_script("return document.body.innerText"))


def wait_for_url(driver, ok, timeout: float = 10.0) -> None:
    """Wait until the page shown has a URL for which ``ok`` is true (and has finished loading)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: ok(d.current_url) and d.execute_script("return document.readyState") == "complete"
    )


def check_against_respond(driver, snapshot) -> dict:
    page = shown(driver)
    status, body = snapshot.respond(driver.current_url)
    assert (page.status, page.body) == (status, body), driver.current_url
    return body


def test_browse_a_list_follow_next_and_filter_with_search(browser, ll2_server, tmp_path):
    from selenium.webdriver.common.by import By

    start = ll2_server.url + "/2.3.0/spacecraft/?format=api&limit=4"
    browser.get(start)
    assert browser.title.startswith("Spacecraft List")
    first = check_against_respond(browser, ll2_server.snapshot)

    browser.find_element(By.ID, "next").click()
    wait_for_url(browser, lambda url: url == first["next"])
    second = check_against_respond(browser, ll2_server.snapshot)
    assert second["previous"] and [r["id"] for r in second["results"]] != [r["id"] for r in first["results"]]

    field = browser.find_element(By.CSS_SELECTOR, "form#filters input[name=search]")
    field.clear()
    field.send_keys("soyuz")
    browser.find_element(By.CSS_SELECTOR, "form#filters button[type=submit]").click()
    # A click returns before the navigation it starts has finished: wait for the new page.
    wait_for_url(browser, lambda url: "search=soyuz" in url)
    assert "format=api" in browser.current_url
    filtered = check_against_respond(browser, ll2_server.snapshot)
    assert filtered["count"] == ll2_server.snapshot.query(search="soyuz").count > 0 and all(
        "Soyuz" in r["name"] or "Soyuz" in r["spacecraft_config"]["name"] for r in filtered["results"]
    )

    # Every URL of the JSON shown is a link, in order (next, then each record's url and image).
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "pre#response a")]
    assert links[0] == filtered["next"] and filtered["results"][0]["url"] in links
    assert len(links) == len(urls_in(filtered))

    shot = tmp_path / "browsable.png"
    assert browser.save_screenshot(str(shot))
    if os.environ.get("SPACECRAFT_DATA_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["SPACECRAFT_DATA_SCREENSHOT"])


def test_a_browser_gets_html_without_format_and_the_form_keeps_it(browser, ll2_server):
    from selenium.webdriver.common.by import By

    browser.get(
        ll2_server.url + "/2.3.0/spacecraft_configurations/?limit=3"
    )  # Accept: text/html picks the page
    check_against_respond(browser, ll2_server.snapshot)
    field = browser.find_element(By.CSS_SELECTOR, "form#filters input[name=search]")
    field.send_keys("dragon")
    field.submit()
    # submit() returns before the navigation it starts has finished: wait for the new page.
    wait_for_url(browser, lambda url: "search=dragon" in url)
    assert "format=" not in browser.current_url
    body = check_against_respond(browser, ll2_server.snapshot)
    assert body["count"] > 0


def test_a_page_saved_as_text_from_the_browser_imports_with_import_pages(browser, ll2_server, tmp_path):
    from spacecraft_data.harvest import import_pages

    files = []
    for n, query in enumerate(["limit=8&ordering=id", "limit=100&offset=8&ordering=id"]):
        browser.get(ll2_server.url + f"/2.3.0/spacecraft/?format=api&{query}")
        files.append(tmp_path / f"saved{n}.txt")
        files[-1].write_text(browser.execute_script("return document.body.innerText"), encoding="utf-8")
    published = import_pages(
        files,
        output=tmp_path / "out",
        raw_dir=tmp_path / "raw",
        changelog=None,
    )
    imported = spacecraft_data.load(Path(published))
    assert sorted(r["id"] for r in imported.records) == sorted(r["id"] for r in ll2_server.snapshot.records)
    assert imported.get(463)["name"] == "Tianzhou-3"
