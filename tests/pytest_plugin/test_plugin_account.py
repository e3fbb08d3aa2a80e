"""The plugin against a real account: ``--target-record`` (every exchange as HAR, secrets
masked) and ``--target-max-creates`` (the target holds no more than N sites made by the run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.targets import CUSTOMER_TOKEN, config_document

from conformance.server import CreateSitesApp, SiteStore, serve_in_thread
from conformance.server.config import parse
from conformance.traffic.har import read

# Pytest runs in subprocesses: make test runs them, make check not.
pytestmark = pytest.mark.slow


def _pytest(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_TARGET_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *argv],
        cwd=folder, env=clean, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_record_and_max_creates_under_pytest(tmp_path: Path) -> None:
    har = tmp_path / "run.har"
    with SiteStore(":memory:") as store:
        app = CreateSitesApp(parse(config_document()), store)
        with serve_in_thread(app, read_timeout=2.0) as url:
            done = _pytest(
                tmp_path, "--target-url", url, "--target-token", CUSTOMER_TOKEN,
                "--target-max-examples", "10", "--target-record", str(har),
                "--target-max-creates", "7", "-rs",
            )  # fmt: skip
            made = len(list(store.sites()))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    # the probe before collection makes one site; the suite's budget is 7
    assert made == 8
    assert "--target-max-creates 7 reached: cases that may create are not sent" in done.stdout
    exchanges = read(har)
    assert len(exchanges) > 50
    assert CUSTOMER_TOKEN not in har.read_text(encoding="utf-8")
