"""The documentation site as a reader gets it: built by MkDocs with warnings as errors (as
``make docs`` builds it), served on 127.0.0.1, and opened page by page in Debian's headless
chromium (``make browser``): every page loads and shows its heading, every internal link leads
to a page that exists (and to an anchor on it), no script fails, and the browser requests
nothing off the machine (the theme's fonts, a code host's API: all turned off in mkdocs.yml).
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from helpers.browser import chromium

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.slow  # builds the site, starts a browser


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The site built into a temporary folder and served on a free loopback port: its base URL
    and the path of every page (``reference/engine/``, ...)."""
    folder = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pages = sorted(
        str(page.parent.relative_to(folder)) + "/"
        for page in folder.rglob("index.html")
        if "assets" not in page.parts
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", [p.removeprefix("./") for p in pages]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_the_site_has_every_page_of_the_nav(site: tuple[str, list[str]]) -> None:
    """Each page of docs/ is built (the nav names them all; the API reference's four too)."""
    _, pages = site
    expected = {
        "" if page.stem == "index" else f"{page.relative_to(ROOT / 'docs').with_suffix('')}/"
        for page in (ROOT / "docs").rglob("*.md")
    }
    assert expected <= set(pages)
    assert {"reference/engine/", "reference/validation/", "changelog/"} <= set(pages)


@pytest.mark.parametrize(
    ("page", "modules"),
    [
        ("reference/conformance/", ["conformance"]),
        ("reference/validation/", ["conformance.validation"]),
        ("reference/engine/", ["conformance.engine", "conformance.create_sites"]),
        ("reference/server/", ["conformance.server"]),
    ],
)
def test_the_api_reference_documents_every_public_name(
    site: tuple[str, list[str]], page: str, modules: list[str]
) -> None:
    """Each name of the module's ``__all__`` has its entry on the page, made from its
    docstring (mkdocstrings leaves out a name that has none)."""
    base, _ = site
    with urllib.request.urlopen(base + page, timeout=10) as answer:
        html = answer.read().decode("utf-8")
    ids = set(re.findall(r'id="([\w.]+)"', html))
    missing = [
        f"{module}.{name}"
        for module in modules
        for name in importlib.import_module(module).__all__
        if f"{module}.{name}" not in ids
    ]
    assert missing == []


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_every_page_loads_in_chromium_with_no_broken_link_and_no_request_off_the_machine(
    site: tuple[str, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every page: its heading shown, no console error; every internal link's page answers 200
    and holds the anchor it names; every request the browser made went to 127.0.0.1."""
    from selenium.webdriver.common.by import By

    base, pages = site
    monkeypatch.setenv("SE_OFFLINE", "true")  # selenium's manager: never download a driver
    browser = chromium(tmp_path / "profile")
    links: set[str] = set()
    console: list[str] = []
    headings: dict[str, str] = {}
    try:
        browser.set_page_load_timeout(30)
        for page in pages:
            browser.get(base + page)
            heading = browser.find_element(By.CSS_SELECTOR, "article h1")
            assert heading.is_displayed(), page
            headings[page] = heading.text
            links |= {
                str(a.get_attribute("href"))
                for a in browser.find_elements(By.CSS_SELECTOR, "a[href]")
                if str(a.get_attribute("href")).startswith(base)
            }
            console += [
                f"{page}: {entry['message']}"
                for entry in browser.get_log("browser")
                if entry["level"] == "SEVERE"
            ]
        anchors: dict[str, set[str]] = {}
        for link in sorted(links):
            url, fragment = urldefrag(link)
            if fragment and url not in anchors:
                browser.get(url)
                anchors[url] = set(
                    browser.execute_script(
                        "return [...document.querySelectorAll('[id]')].map(e => e.id)"
                    )
                )
        log = browser.get_log("performance")
    finally:
        browser.quit()
    assert len(pages) >= 15 and all(headings.values())
    assert console == []
    assert len(links) > len(pages)  # the nav and the pages' own links were read
    broken = [
        link for link in sorted({urldefrag(link)[0] for link in links}) if _status(link) != 200
    ]
    assert broken == []
    missing = [
        link
        for link in sorted(links)
        if urldefrag(link)[1] and urldefrag(link)[1] not in anchors[urldefrag(link)[0]]
    ]
    assert missing == []
    events = [json.loads(entry["message"])["message"] for entry in log]
    requested = {
        event["params"]["request"]["url"]
        for event in events
        if event["method"] == "Network.requestWillBeSent"
    }
    assert any(url.startswith(base) for url in requested)  # the log holds the site's requests
    off_machine = {
        url
        for url in requested
        if urlsplit(url).scheme not in ("chrome", "data", "blob", "about")
        and urlsplit(url).hostname != "127.0.0.1"
    }
    assert off_machine == set()
