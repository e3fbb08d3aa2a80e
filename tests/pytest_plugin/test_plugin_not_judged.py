"""The plugin's terminal summary lists what the run sent and did not judge in full, each with
its source, in the words of ``conformance fuzz``'s text report: once for the whole run under
pytest-xdist, and without the decisions ``--target-strict`` judges."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mutants import MUTANTS, serve

from conformance.cli import Streams, main

# Each test runs pytest in a subprocess (seconds each): make test runs them, make check not.
pytestmark = pytest.mark.slow

#: A test of a kit's decision (a fractional id), judged for robustness alone by default.
DECIDED = "test_protocol[id-float]"
#: What a server answering errors with HTTP 400 does that only the kit's decision refuses.
REPLIES = "[replies: an error with HTTP 400]"


def _pytest(folder: Path, url: str, token: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """The protocol family's tests (a few seconds) against ``url``, in a child pytest."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_TARGET_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--target-url", url,
         "--target-token", token, "-k", "test_protocol", *argv],
        cwd=folder, env=clean, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _text_report_lines(url: str, token: str, *listed: str) -> list[str]:
    """The line of ``conformance fuzz``'s text report that lists each of ``listed`` (the last
    in its group) with its source."""
    out = io.StringIO()
    argv = ["fuzz", url, "--token", token, "--max-examples", "0", "--no-save-failures"]
    assert main(argv, Streams(io.BytesIO(), out, io.StringIO())) == 0, out.getvalue()[-2000:]
    found = []
    for tail in listed:
        lines = [line for line in out.getvalue().splitlines() if line.endswith(tail)]
        assert len(lines) == 1, out.getvalue()[-3000:]
        found += lines
    return found


def test_the_summary_lists_a_decided_test_with_its_source(tmp_path: Path) -> None:
    """Without xdist: the decided test is listed under the text report's heading, on the text
    report's own line (its source, then the test); the contested inputs follow."""
    with serve() as (url, token):
        [expected] = _text_report_lines(url, token, f"[{DECIDED}]")
        done = _pytest(tmp_path, url, token)
    assert done.returncode == 0, done.stdout[-3000:]
    said = done.stdout.splitlines()
    assert expected in said, done.stdout[-3000:]
    assert expected.startswith("  the Data API says the id is")  # its source, in the kit's words
    heading = next(i for i, line in enumerate(said) if line.startswith("sent and not judged"))
    assert (
        heading
        < said.index(expected)
        < next(i for i, line in enumerate(said) if line.startswith("never judged (contested;"))
    )


def test_under_xdist_the_controller_lists_every_workers_part_once(tmp_path: Path) -> None:
    """Two workers against a server that answers errors with HTTP 400: the decided test and the
    replies only a decision refuses are listed once, on the controller's summary; the HTML
    report lists those replies too."""
    with serve(MUTANTS["errors-with-http-400"].app) as (url, token):
        decided, replies = _text_report_lines(url, token, f"[{DECIDED}]", REPLIES)
        done = _pytest(tmp_path, url, token, "-n", "2", "--report-html", "report.html")
    assert done.returncode == 0, done.stdout[-3000:]
    said = done.stdout.splitlines()
    assert said.count(decided) == 1 and said.count(replies) == 1, done.stdout[-3000:]
    assert sum(line.startswith("sent and not judged in full (") for line in said) == 1
    assert sum(line.startswith("never judged (contested;") for line in said) == 1
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<li>an error with HTTP 400<br><small>source: " in html


def test_strict_does_not_list_the_decisions_it_judges(tmp_path: Path) -> None:
    """--target-strict judges the kit's decisions: the decided test is not listed as not
    judged (it passes on the reference server); the contested inputs still are."""
    with serve() as (url, token):
        done = _pytest(tmp_path, url, token, "--target-strict")
    assert done.returncode == 0, done.stdout[-3000:]
    assert DECIDED not in done.stdout, done.stdout[-3000:]
    assert "never judged (contested;" in done.stdout


def test_a_failure_the_other_revision_explains_says_so_under_pytest(tmp_path: Path) -> None:
    """A seed server refusing industry 20 as the current page does: the failing test says
    where the request breaks the current revision's contract, and how to check by it, as
    ``conformance fuzz`` does."""
    from helpers.planted_defects import SeedIndustriesRefused

    with serve(SeedIndustriesRefused) as (url, token):
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--target-url", url,
             "--target-token", token, "-k", "test_boundary_accepted and industry_id"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
            env={k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_TARGET_")},
        )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:]
    assert "breaks the 'current' revision's contract at `params.industry_id`" in done.stdout
    assert "--target-revision current" in done.stdout, done.stdout[-3000:]
