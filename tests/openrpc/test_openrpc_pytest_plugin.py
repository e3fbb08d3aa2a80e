"""``pytest --target-url URL --target-openrpc FILE``: the suite of every method of an OpenRPC
document, with ids ``method::test_invalid_rejected[param:keyword]``, against the
openrpc-framework service and one of its mutants."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openrpc_framework_server import honest_document, serve_orders

# Each test runs pytest in a subprocess (seconds each): make test runs them, make check not.
pytestmark = pytest.mark.slow


def _pytest(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_TARGET_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rf", *argv],
        cwd=folder,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_the_document_suite_passes_on_the_service_and_names_a_mutants_failure(
    tmp_path: Path,
) -> None:
    document = tmp_path / "orders.openrpc.json"
    document.write_text(json.dumps(honest_document()), encoding="utf-8")
    junit = tmp_path / "report.xml"
    common = ["--target-openrpc", str(document), "--target-max-examples", "10"]
    with serve_orders() as url:
        done = _pytest(tmp_path, "--target-url", url, *common, "--junitxml", str(junit))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    cases = list(ElementTree.parse(junit).getroot().iter("testcase"))
    ids = {f"{c.get('classname')}::{c.get('name')}" for c in cases}
    assert "order.create::test_invalid_rejected[lines.0.quantity:maximum]" in ids
    assert "stats.summary::test_valid_accepted" in ids
    assert not any("NOTSET" in i or "test_references" in i for i in ids)  # no empty family
    with serve_orders("quantity-range-unchecked") as url:
        done = _pytest(tmp_path, "--target-url", url, *common)
    assert done.returncode == 1, done.stdout[-3000:]
    # the short summary's lines (a failure's own report has lines starting with FAILED too)
    failed = re.findall(r"^FAILED (\S+::\S+) - ", done.stdout, flags=re.MULTILINE)
    assert failed == ["order.create::test_invalid_rejected[lines.0.quantity:maximum]"]


def test_a_document_it_cannot_read_is_a_usage_error(tmp_path: Path) -> None:
    done = _pytest(
        tmp_path,
        "--target-url",
        "http://127.0.0.1:9/",
        "--target-openrpc",
        str(tmp_path / "missing.json"),
    )
    assert done.returncode == 4, done.stdout + done.stderr
    assert "--target-openrpc" in done.stderr and "cannot read" in done.stderr


@pytest.mark.slow
def test_the_exported_create_sites_document_runs_its_duplicates_test(
    tmp_path: Path, reference_url: str
) -> None:
    """Through its exported document, create.sites gets the duplicates family under pytest as
    under `conformance fuzz`: the param marked x-unique is sent again and must be refused."""
    from helpers.targets import CUSTOMER_TOKEN

    from conformance.openrpc.export import document_bytes

    document = tmp_path / "create-sites.openrpc.json"
    document.write_bytes(document_bytes())
    junit = tmp_path / "report.xml"
    done = _pytest(
        tmp_path, "--target-url", reference_url, "--target-openrpc", str(document),
        "--target-token", CUSTOMER_TOKEN, "--target-max-examples", "5",
        "--junitxml", str(junit),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    cases = list(ElementTree.parse(junit).getroot().iter("testcase"))
    ids = {f"{c.get('classname')}::{c.get('name')}" for c in cases}
    assert "create.sites::test_duplicate_refused[domain_name]" in ids, sorted(ids)[:20]


@pytest.mark.slow
def test_rpc_discover_as_the_document_asks_the_target(tmp_path: Path) -> None:
    """`--target-openrpc rpc.discover`: the suite of the document the target describes itself
    with, as `conformance fuzz --discover` runs it."""
    junit = tmp_path / "report.xml"
    with serve_orders() as url:
        done = _pytest(
            tmp_path, "--target-url", url, "--target-openrpc", "rpc.discover",
            "--target-max-examples", "5", "--junitxml", str(junit),
        )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    ids = {f"{c.get('classname')}::{c.get('name')}" for c in ElementTree.parse(junit).iter()}
    assert "order.create::test_invalid_rejected[lines.0.quantity:maximum]" in ids


def test_a_target_that_answers_no_rpc_discover_is_a_usage_error(tmp_path: Path) -> None:
    """--target-openrpc rpc.discover, and nothing answers at the URL: one usage error (exit 4)."""
    argv = ["--target-url", "http://127.0.0.1:9/", "--target-openrpc", "rpc.discover"]
    done = _pytest(tmp_path, *argv)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "gave no answer to rpc.discover" in done.stderr, done.stderr


@pytest.mark.slow
def test_the_ci_options_work_with_a_document(tmp_path: Path) -> None:
    """--target-baseline, --target-report-html and --target-save-failures with
    --target-openrpc: the mutant's failure saved (naming the document, for replay) and in the
    HTML report; a baseline of it turns the same run green."""
    document = tmp_path / "orders.openrpc.json"
    document.write_text(json.dumps(honest_document()), encoding="utf-8")
    html, kept, baseline = tmp_path / "r.html", tmp_path / "kept", tmp_path / "known.toml"
    # order.create's tests alone: the mutant stores the order of 101 items it should have
    # refused, and order.find, drawing ids, could meet it (a result-schema failure of its own,
    # which no baseline of order.create's test names): the run's verdict hung on the draw
    common = ["--target-openrpc", str(document), "--target-max-examples", "5", "-k", "order.create"]
    failing = "order.create::test_invalid_rejected[lines.0.quantity:maximum]"
    with serve_orders("quantity-range-unchecked") as url:
        done = _pytest(
            tmp_path,
            "--target-url",
            url,
            *common,
            "--target-report-html",
            str(html),
            "--target-save-failures",
            str(kept),
        )
        assert done.returncode == 1, done.stdout[-3000:]
        saved = [json.loads(p.read_text(encoding="utf-8")) for p in kept.glob("*.failure.json")]
        assert {s["test_id"] for s in saved} == {failing}
        assert all(s["contract"] == {"openrpc": str(document)} for s in saved)
        assert failing in html.read_text(encoding="utf-8")
        # the mutant breaks two rules on that test: both known
        entries = "".join(
            f'\n[[known]]\nrule = "{rule}"\ntest_id = "{failing}"\n'
            for rule in sorted({s["rule"] for s in saved})
        )
        baseline.write_text(f"version = 1\n{entries}", encoding="utf-8")
        known = _pytest(tmp_path, "--target-url", url, *common, "--target-baseline", str(baseline))
    assert known.returncode == 0, known.stdout[-3000:]
    assert "xfailed" in known.stdout


def test_k_method_selects_that_methods_tests_and_runs_them(tmp_path: Path) -> None:
    """`-k addition` on simple-math selects addition's tests (pytest matches `-k` on the names
    of an item's nodes: the method's node is named as the method) and runs each of them; the
    count pytest prints as selected is the number that runs (a family with no case for a
    method has no test, not one collected and then dropped)."""
    from helpers.openrpc_tools import example_document
    from simple_math_server import SimpleMath

    from conformance.server import serve_in_thread

    document = tmp_path / "simple-math.json"  # here: pytest's rootdir, so ids print bare
    document.write_bytes(example_document("simple-math").read_bytes())
    with serve_in_thread(SimpleMath(), read_timeout=2.0) as url:
        done = _pytest(
            tmp_path, "--target-url", url, "--target-openrpc", str(document),
            "--target-max-examples", "3", "-k", "addition", "-rA",
            "-v",  # beside the helper's -q: pytest's "collected ... selected" line
        )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    passed = re.findall(r"^PASSED (\S+)", done.stdout, flags=re.MULTILINE)
    assert "addition::test_valid_accepted" in passed
    assert "addition::test_protocol[id-integer]" in passed
    assert all(test.startswith("addition::") for test in passed), passed
    counts = re.search(r"collected (\d+) items / (\d+) deselected / (\d+) selected", done.stdout)
    assert counts is not None, done.stdout[:2000]
    assert int(counts[3]) == len(passed) and int(counts[2]) == int(counts[1]) - len(passed)
