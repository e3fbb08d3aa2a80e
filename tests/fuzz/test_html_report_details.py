"""What the HTML report (``conformance fuzz --report-html``) says of a run, read as its reader
reads it: the verdict's colour, the run's settings, the matrix of rules and families, each
defect's section (a long reply cut with its size, the case beside its test, a known defect
marked with its reason) and the baseline's table."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import tomli_w
from helpers.cli import fuzz as _fuzz
from helpers.html_report import listed
from helpers.targets import AGENT_TOKEN, served
from mutants import MUTANTS, serve

from conformance.server import CreateSitesApp, Response

#: A reply longer than the report shows (4,000 characters), to the protocol family's bodies
#: that are no JSON.
LONG = "x" * 4_500


class _LongAnswers(CreateSitesApp):
    answer = LONG

    def handle(self, body: bytes) -> Response:
        try:
            json.loads(body)
        except ValueError:
            return Response(self.answer.encode(), status=400, content_type="text/plain")
        return super().handle(body)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def _report(url: str, token: str, *options: str) -> tuple[int, str]:
    code, _, err = _fuzz(
        url, "--token", token, "--max-examples", "0", "--no-save-failures",
        "--report-html", "report.html", *options,
    )  # fmt: skip
    assert code in (0, 1), err
    return code, Path("report.html").read_text("utf-8")


def _verdict(page: str) -> str:
    found = re.search(r'data-verdict="(\w+)"', page)
    assert found is not None
    return found[1]


def _row(page: str, name: str) -> str:
    found = re.search(rf"<tr><th>{re.escape(name)}</th><td>(.*?)</td></tr>", page)
    assert found is not None, name
    return found[1]


def test_a_conforming_run_is_green_and_names_no_user_or_scenario() -> None:
    with serve(CreateSitesApp) as (url, token):
        code, page = _report(url, token)
    assert code == 0 and _verdict(page) == "pass"
    assert _row(page, "user id") == _row(page, "scenario id") == "(none)"
    cells = re.findall(r'<td class="n (\w+)" data-rule="[^"]*" data-family="[^"]*" '
                       r'data-cases="(\d+)" data-failures="(\d+)"', page)  # fmt: skip
    assert cells and all(kind == "pass" for kind, cases, _ in cells if cases != "0")
    assert all(kind == "empty" for kind, cases, _ in cells if cases == "0")
    assert 'class="n fail"' not in page
    assert "<p>None.</p>" in page


def test_a_failing_run_is_red_where_it_failed_and_shows_the_ids_it_used() -> None:
    with served(_LongAnswers) as url:
        code, page = _report(
            url, AGENT_TOKEN, "--role", "agent", "--user-id", "101", "--scenario-id", "7"
        )
    assert code == 1 and _verdict(page) == "fail"
    assert (_row(page, "user id"), _row(page, "scenario id")) == ("101", "7")
    cells = re.findall(r'<td class="n (\w+)" data-rule="([^"]*)" data-family="([^"]*)" '
                       r'data-cases="\d+" data-failures="(\d+)"', page)  # fmt: skip
    failed = [(rule, family) for kind, rule, family, n in cells if n != "0"]
    assert failed and all(kind == "fail" for kind, _, _, n in cells if n != "0")
    totals = re.findall(
        r"<tr><th>([\w-]+)</th>.*?<td class=\"n (\w+)\">\d+ / (\d+)</td></tr>", page
    )
    assert totals and all((kind == "fail") == (n != "0") for _, kind, n in totals)
    # each row's failures are those of its cells
    rows = re.findall(r"<tr><th>([\w-]+)</th>(.*?)</tr>", page.split('id="matrix"', 1)[1])
    rows = [(rule, cells_of_row) for rule, cells_of_row in rows if "data-rule" in cells_of_row]
    assert rows
    for rule, cells_of_row in rows:
        counts = [int(n) for n in re.findall(r'data-failures="(\d+)"', cells_of_row)]
        total = re.findall(r'<td class="n \w+">\d+ / (\d+)</td>$', cells_of_row)
        assert total and sum(counts) == int(total[0]), rule
    # the reply cut at 4,000 characters, its whole size said
    assert f"{'x' * 4000}… ({len(LONG)} bytes)" in page and "x" * 4001 not in page
    # each test's one case is the test: no case beside it
    cases = re.findall(r"<h3>[^<]*<code>[^<]*</code>([^<]*)</h3>", page)
    assert cases and all(case == "" for case in cases)


@pytest.mark.parametrize(
    ("length", "shown"), [(4000, "x" * 4000), (4001, "x" * 4000 + "… (4001 bytes)")]
)
def test_a_reply_is_cut_only_past_4000_characters(length: int, shown: str) -> None:
    class Answers(_LongAnswers):
        answer = "x" * length

    with serve(Answers) as (url, token):
        _, page = _report(url, token)
    assert f"\n\n{shown}</pre>" in page


def test_a_defect_names_its_case_where_the_case_is_not_the_test() -> None:
    with serve(MUTANTS["text-length-in-bytes"].app) as (url, token):
        _, page = _report(url, token)
    headings = re.findall(r"<h3>[^<]*<code>([^<]*)</code>([^<]*)</h3>", page)
    assert headings == [
        (
            "test_boundary_accepted[widget_link.text:maxLength]",
            " (case widget_link.text:maxLength/cyrillic=100)",
        )
    ]


def test_with_a_baseline_the_known_defects_are_marked_with_their_reason(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.toml"
    with serve(_LongAnswers) as (url, token):
        _report(url, token, "--baseline", str(baseline), "--baseline-update")
        written = tomllib.loads(baseline.read_text("utf-8"))
        entries = written["known"]
        assert len(entries) > 1
        entries[0]["reason"] = "tracked as TICKET-1"
        for entry in entries[1:]:
            entry["reason"] = ""
        baseline.write_text(tomli_w.dumps(written), "utf-8")
        code, page = _report(url, token, "--baseline", str(baseline))
    assert code == 0 and _verdict(page) == "known"
    sections = re.findall(r'<section class="([\w ]+)" id="failure-\d+"', page)
    assert sections and set(sections) == {"failure known"}
    assert "Known failure (baseline): tracked as TICKET-1" in page
    assert "Known failure (baseline): (no reason given)" in page
    table = page.split('<table id="baseline">', 1)[1].split("</table>", 1)[0]
    members = re.findall(r"<tr><td>known</td><td>[^<]*</td><td><code>[^<]*</code></td>"
                         r"<td>([^<]*)</td>", table)  # fmt: skip
    assert len(members) == len(entries)
    assert all(m == (e.get("member") or "-") for m, e in zip(members, entries, strict=True))


def test_a_test_that_takes_either_of_two_codes_is_listed_with_both_and_one_code_never_is() -> None:
    """An empty token may be refused with -32602 or -32001 (the page documents both): the
    report lists that test with both codes; a test refused with one code is no open test."""
    with serve(CreateSitesApp) as (url, token):
        code, page = _report(url, token)
    assert code == 0
    said = dict(
        re.match(r"<code>([^<]*)</code>: ([^<]*)", item).groups()  # type: ignore[union-attr]
        for item in listed(page, "Either answer conforms")
    )
    assert said["test_invalid_rejected[access_token:minLength]"] == "error -32602 or -32001"
    assert not [text for text in said.values() if re.fullmatch(r"error -\d+", text)], said


def test_the_runs_notes_are_listed_with_its_settings() -> None:
    """A note of the run (here, what a selection left out) is in the Run section as the
    text report prints it."""
    with serve(CreateSitesApp) as (url, token):
        code, out, err = _fuzz(
            url, "--token", token, "--max-examples", "0", "--no-save-failures",
            "--report-html", "report.html", "--test-id", "test_protocol*",
        )  # fmt: skip
    assert code == 0, err
    run = Path("report.html").read_text("utf-8").split("<h2>Run</h2>", 1)[1].split("<h2>", 1)[0]
    notes = re.findall(r"<li>([^<]*)</li>", run)
    assert len(notes) == 1 and notes[0].startswith("selected (--test-id test_protocol*): "), notes
    assert notes[0].replace("&#x27;", "'") in out


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ((), "(--strict judges the kit's decisions among them)"),
        (("--strict",), "(--strict: the kit's decisions are judged, and not among them)"),
    ],
    ids=["default", "strict"],
)
def test_the_open_tests_say_what_strict_does_with_the_decisions(
    options: tuple[str, ...], said: str
) -> None:
    with serve(CreateSitesApp) as (url, token):
        code, page = _report(url, token, *options)
    assert code == 0
    heading = page.split("Either answer conforms in these tests", 1)[1].split("</p>", 1)[0]
    assert heading == f", so neither fails them {said}:"
