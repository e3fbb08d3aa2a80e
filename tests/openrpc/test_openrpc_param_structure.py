"""Which param structure a target takes, found once per method and told once: a server that
takes params by position only (as ganache does), run with a document that gives no
paramStructure (OpenRPC's default, "either"), gets one ``param-structure`` finding for all its
methods, and its cases run by position and pass; ``--param-structure by-position`` (pytest:
``--target-param-structure``) runs it with no failure; a document that says ``by-name`` is
the contract: refused, it is the finding."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from simple_math_server import SimpleMath

from conformance.cli import Streams, main
from conformance.server import serve_in_thread


def _document(structure: str | None = None) -> dict[str, Any]:
    """simple-math's addition and subtraction (integers a and b), with ``paramStructure``
    where given."""
    integer = {"type": "integer"}
    params = [{"name": "a", "schema": integer}, {"name": "b", "schema": integer}]
    written = {"paramStructure": structure} if structure else {}
    return {
        "openrpc": "1.2.6",
        "info": {"title": "simple math", "version": "1.0.0"},
        "methods": [
            {"name": name, "params": params, "result": {"name": "c", "schema": integer}, **written}
            for name in ("addition", "subtraction")
        ],
    }


def _fuzz(app: Any, folder: Path, document: dict[str, Any], *argv: str) -> tuple[int, Any, str]:
    path = folder / "simple-math.json"
    path.write_text(json.dumps(document), "utf-8")
    base = ["--openrpc", str(path), "--max-examples", "5", "--no-save-failures"]
    out, text = io.StringIO(), io.StringIO()
    with serve_in_thread(app, read_timeout=2.0) as url:
        code = main(
            ["fuzz", url, *base, "--output", "json", *argv], Streams(io.BytesIO(), out, text)
        )
        again = main(["fuzz", url, *base, *argv], Streams(io.BytesIO(), text, io.StringIO()))
    assert code == again, text.getvalue()[-2000:]
    return code, json.loads(out.getvalue()), text.getvalue()


def test_a_target_that_takes_params_by_position_only_is_told_once(tmp_path: Path) -> None:
    code, report, text = _fuzz(SimpleMath(positional_only=True), tmp_path, _document())
    assert code == 1
    found = [(f["rule"], f["test_id"]) for f in report["failures"]]
    assert found == [("param-structure", "addition::test_param_structure[by-name]")]
    said = report["failures"][0]["message"]
    assert "params by name is refused" in said and "-32602" in said
    assert 'gives no paramStructure, so OpenRPC\'s default holds: "either"' in said
    assert "so did 1 more method (subtraction)" in said
    assert "--param-structure by-position" in said
    assert report["failures"][0]["basis"].startswith("the OpenRPC document's paramStructure")
    assert (
        "note: params by name refused: addition, subtraction take params by position only; "
        "their cases by name were not sent"
    ) in text
    # every other case went by position, and passed
    for method in report["methods"]:
        assert method["failures"] == (1 if method["method"] == "addition" else 0)
        assert method["cases"] > 60 and method["families"]["protocol"] > 20


def test_param_structure_by_position_runs_it_with_no_failure(tmp_path: Path) -> None:
    argv = ("--param-structure", "by-position")
    code, report, _ = _fuzz(SimpleMath(positional_only=True), tmp_path, _document(), *argv)
    assert (code, report["failures"]) == (0, [])
    assert report["cases_sent"] > 120


def test_a_server_that_takes_either_structure_gets_both(tmp_path: Path) -> None:
    """Nothing refused: the cases go both ways (each params case by name, then by position),
    with no finding."""
    code, report, _ = _fuzz(SimpleMath(), tmp_path, _document())
    assert (code, report["failures"]) == (0, [])
    tested = " ".join(report["test_ids"]) if "test_ids" in report else json.dumps(report)
    assert report["families"]["structure"] == 4, tested  # by name and by position, twice


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_documented_structure_the_target_refuses_is_the_finding(tmp_path: Path) -> None:
    """paramStructure "by-name" is the contract: a target that refuses it (and serves the same
    params by position) fails param-structure once, naming paramStructure."""
    code, report, _ = _fuzz(SimpleMath(positional_only=True), tmp_path, _document("by-name"))
    assert code == 1
    assert [f["rule"] for f in report["failures"]] == ["param-structure"]
    assert 'the method\'s paramStructure is "by-name"' in report["failures"][0]["message"]
    # by-position is documented and taken: no probe by name, no finding
    code, report, _ = _fuzz(SimpleMath(positional_only=True), tmp_path, _document("by-position"))
    assert (code, report["failures"]) == (0, [])


def test_a_saved_finding_replays(tmp_path: Path) -> None:
    """The finding is saved as any failure: replayed, FAILED while the target refuses params
    by name, FIXED once it takes them."""
    path = tmp_path / "simple-math.json"
    path.write_text(json.dumps(_document()), "utf-8")
    kept = tmp_path / "kept"
    quiet = Streams(io.BytesIO(), io.StringIO(), io.StringIO())
    with serve_in_thread(SimpleMath(positional_only=True), read_timeout=2.0) as url:
        argv = ["fuzz", url, "--openrpc", str(path), "--max-examples", "0"]
        assert main([*argv, "--save-failures", str(kept)], quiet) == 1
        assert main(["replay", str(kept), "--url", url, "--token", "t", "--times", "1"], quiet) == 1
    with serve_in_thread(SimpleMath(), read_timeout=2.0) as url:
        assert main(["replay", str(kept), "--url", url, "--token", "t", "--times", "1"], quiet) == 0


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


@pytest.mark.slow  # two pytest processes: about 10 s
def test_under_pytest_one_test_fails_and_the_option_turns_it_off(tmp_path: Path) -> None:
    path = tmp_path / "simple-math.json"
    path.write_text(json.dumps(_document()), "utf-8")
    common = ("--target-openrpc", str(path), "--target-max-examples", "3")
    with serve_in_thread(SimpleMath(positional_only=True), read_timeout=2.0) as url:
        found = _pytest(tmp_path, "--target-url", url, *common)
        option = ("--target-param-structure", "by-position")
        settled = _pytest(tmp_path, "--target-url", url, *common, *option)
    failed = re.findall(r"^FAILED (\S+::\S+) - ", found.stdout, flags=re.MULTILINE)
    assert failed == ["addition::test_param_structure[by-name]"], found.stdout[-3000:]
    assert "param-structure" in found.stdout and re.search(r"\d{2,} passed", found.stdout)
    assert settled.returncode == 0, settled.stdout[-3000:]
    assert "test_param_structure" not in settled.stdout
