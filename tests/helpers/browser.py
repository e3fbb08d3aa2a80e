"""Debian's chromium (``make browser``: apt's chromium and chromedriver), headless, for the tests
that open what the kit writes for browsers: the HTML report and the documentation site."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest


def chromium(profile: Path) -> Any:
    """Chromium driven by its chromedriver, with a fresh ``profile`` folder, logging every
    network event and console message; nothing of the browser's own phones home (no
    background networking, component updates or sync), so a test can assert that a page
    requested nothing off the machine."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser is None or driver is None:
        pytest.fail("chromium and chromedriver are not installed: run `make browser` (apt)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))
