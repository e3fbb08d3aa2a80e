"""The HTML report (self-contained, no token, the matrix and each failure; rendered in Debian's
headless chromium, fetching nothing) and the GitHub output (annotations, job summary)."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from helpers.browser import chromium
from helpers.cli import fuzz as _fuzz
from mutants import serve

from conformance.create_sites import plan
from conformance.engine.settings import Settings
from conformance.server import CreateSitesApp, Response

#: What a hostile reply puts in front of a report's reader: each would fetch or run something
#: if the report let it through unescaped.
HOSTILE = (
    b'<html><img src="http://127.0.0.1:9/pixel.png">'
    b'<link rel="stylesheet" href="http://127.0.0.1:9/style.css">'
    b'<script>document.title = "ran"</script></html>'
)


class _HtmlForBadBodies(CreateSitesApp):
    """Answers a body that is no JSON with an HTML page full of external references."""

    def handle(self, body: bytes) -> Response:
        try:
            import json

            json.loads(body)
        except ValueError:
            return Response(HOSTILE, status=400, content_type="text/html")
        return super().handle(body)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A report of a run against ``_HtmlForBadBodies`` (the protocol family's bodies that are
    no JSON fail), and the token of that run."""
    path = tmp_path_factory.mktemp("report") / "report.html"
    with serve(_HtmlForBadBodies) as (url, token):
        code, _, _ = _fuzz(
            url, "--token", token, "--max-examples", "3", "--report-html", str(path),
            "--code-revision", "abc123", "--no-save-failures",
        )  # fmt: skip
    assert code == 1
    return path.read_text("utf-8"), token


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, Any]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_report_is_one_file_that_refers_to_nothing_and_holds_no_token(
    report_html: tuple[str, str],
) -> None:
    """No script, no element that loads anything, a CSP forbidding every fetch, the hostile
    reply escaped; the settings with the revision; the token nowhere."""
    text, token = report_html
    parser = _Elements()
    parser.feed(text)
    tags = {tag for tag, _ in parser.tags}
    assert not tags & {"script", "img", "link", "iframe", "object", "embed", "base"}
    assert not [attrs for _, attrs in parser.tags if {"src", "href"} & set(attrs)]
    csp = [a for tag, a in parser.tags if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0]["content"].startswith("default-src 'none'")
    assert "&lt;script&gt;document.title = &quot;ran&quot;&lt;/script&gt;" in text
    assert token not in text
    assert "<th>code revision under test</th><td>abc123</td>" in text
    assert "<th>contract revision</th><td>seed</td>" in text
    assert "<th>contract</th><td>create.sites (seed revision)</td>" in text
    assert "<th>budget</th><td>3 valid requests drawn by hypothesis</td>" in text


@pytest.mark.slow
def test_the_report_renders_in_chromium_and_fetches_nothing(
    report_html: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opened from a file in headless chromium: the verdict, the matrix with the failing cell,
    a failure's details shown, the hostile reply inert, and no request but the file's own."""
    import json

    from selenium.webdriver.common.by import By

    monkeypatch.setenv("SE_OFFLINE", "true")  # selenium's manager: never download a driver
    path = tmp_path / "report.html"
    path.write_text(report_html[0], "utf-8")
    browser = chromium(tmp_path / "profile")
    try:
        browser.set_page_load_timeout(20)
        browser.get(path.as_uri())
        assert browser.title.startswith("create.sites conformance: http://127.0.0.1:")
        verdict = browser.find_element(By.ID, "verdict")
        assert verdict.is_displayed() and verdict.text.startswith("Does not conform")
        cell = browser.find_element(
            By.CSS_SELECTOR, 'td[data-rule="http-200-json"][data-family="protocol"]'
        )
        assert cell.is_displayed()
        cases, failures = (int(n) for n in cell.text.split(" / "))
        protocol = sum(case.family == "protocol" for case in plan(Settings(token="t")))
        assert cases == protocol and failures >= 2  # not-json, not-json-text, not-utf8, ...
        assert browser.find_element(
            By.CSS_SELECTOR, 'td[data-rule="http-200-json"][data-family="boundary"]'
        ).text.endswith(" / 0")
        failure = browser.find_element(By.ID, "failure-0")
        assert failure.is_displayed()
        shown = failure.text
        for part in ("rule", "request", "reply", "reproduce with", "seed", "curl -sS -i -X POST"):
            assert part in shown
        assert "<script>document.title" in browser.find_element(By.ID, "failures").text
        assert browser.find_element(By.ID, "not-judged").is_displayed()
        fetched = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        log = browser.get_log("performance")
        events = [json.loads(entry["message"])["message"] for entry in log]
        requested = {
            event["params"]["request"]["url"]
            for event in events
            if event["method"] == "Network.requestWillBeSent"
        }
    finally:
        browser.quit()
    assert fetched == []
    # the browser's own pages (chrome://newtab before the report) are no fetch from anywhere
    network = {url for url in requested if urlsplit(url).scheme not in ("chrome", "file", "data")}
    assert network == set()
    assert {url for url in requested if url.startswith("file:")} == {path.as_uri()}


def test_github_output_annotates_each_broken_rule_and_writes_the_job_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--output github: one ::error per rule and test id, titled with both; the job summary
    (appended to $GITHUB_STEP_SUMMARY) with the verdict and the failing tests; no token."""
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", "utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    with serve(_HtmlForBadBodies) as (url, token):
        code, out, _ = _fuzz(url, "--token", token, "--max-examples", "0", "--output", "github")
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    titles = [line.split("::")[1].removeprefix("error title=") for line in errors]
    assert "http-200-json%3A test_protocol[not-json]" in titles
    assert len(titles) == len(set(titles))
    assert all("%0A" not in line or "\n" not in line for line in errors)
    written = summary.read_text("utf-8")
    assert written.startswith("earlier step\n## create.sites conformance: ❌ ")
    assert "| http-200-json | `test_protocol[not-json]` |" in written
    assert token not in out and token not in written


def test_no_summary_file_without_the_variable(tmp_path: Path) -> None:
    """Outside GitHub Actions (no $GITHUB_STEP_SUMMARY) nothing but stdout is written."""
    assert "GITHUB_STEP_SUMMARY" not in os.environ
    with serve(CreateSitesApp) as (url, token):
        code, out, _ = _fuzz(url, "--token", token, "--max-examples", "0", "--output", "github")
    assert code == 0 and "::error" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == []
