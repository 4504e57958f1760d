"""Debian's chromium, headless, driven by Selenium: the one browser setup of the browser tests.

Missing chromium or chromedriver skips a browser test, except under CI (``CI=true``), where it fails: .ci/run
installs both, so a skip there would hide a test that did not run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
#: without the background-networking flags chromium reaches for Google's hosts at every start
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1600",
]


@contextmanager
def headless_chromium(profile: Path, page_load_timeout: float) -> Iterator[Any]:
    """A Selenium driver of headless chromium with a fresh profile folder; quit on exit."""
    if not (CHROMIUM and CHROMEDRIVER):
        missing = "chromium" if not CHROMIUM else "chromedriver"
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"{missing} is not installed: CI must run the browser test (.ci/run installs "
                "chromium and chromium-driver)"
            )
        pytest.skip(f"{missing} is not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(page_load_timeout)
    try:
        yield driver
    finally:
        driver.quit()
