"""The user's own mistakes are said once, naming the option to fix (exit 2), before the suite:
ids the target does not know, an agent's token without --role agent, a URL with no JSON-RPC
server behind it, https:// to a plain-HTTP port; and a --junitxml that cannot be written. A
setup error still reaches --output json and the JUnit file."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest
from helpers.signals import AS_A_TERMINAL_LEAVES_SIGINT
from helpers.targets import AGENT_TOKEN, CUSTOMER_TOKEN, served

from conformance.cli import Streams, main
from conformance.server import Response, serve_in_thread


def _fuzz(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    budget = [] if "--max-examples" in argv else ["--max-examples", "5"]
    code = main(["fuzz", *argv, *budget], Streams(io.BytesIO(), out, err))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        pytest.param(
            ["--token", AGENT_TOKEN, "--role", "agent", "--user-id", "101", "--scenario-id", "9"],
            'the target refused --scenario-id 9: error -32602 "entity_not_found" for field '
            "'default_scenario_id' on a valid request; name one it knows",
            id="unknown-scenario",
        ),
        pytest.param(
            ["--token", AGENT_TOKEN, "--role", "agent", "--user-id", "555"],
            'the target refused --user-id 555: error -32602 "entity_not_found" for field '
            "'user_id' on a valid request; name one it knows",
            id="not-the-agents-customer",
        ),
        pytest.param(
            ["--token", AGENT_TOKEN],
            "the target requires user_id on a valid request (error -32602 "
            '"required_parameter_missed"): name one it knows with --user-id; an agent\'s '
            "token needs --role agent and --user-id N",
            id="agent-token-as-customer",
        ),
    ],
)
def test_ids_or_a_role_the_target_refuses_are_one_message(
    reference_url: str, argv: list[str], said: str
) -> None:
    """Exit 2 with one line naming the option, not hundreds of failures."""
    code, out, err = _fuzz(reference_url, *argv)
    assert (code, out) == (2, "")
    assert err == f"conformance fuzz: error: {said}\n"


@pytest.mark.parametrize(
    ("serves", "checks", "said"),
    [
        pytest.param(
            "seed",
            "current",
            "the target refused a valid request at 'name' (error -32602 "
            "\"unexpected_parameters\"), as the 'seed' revision's contract does (`params.name` "
            "is not an allowed member (unexpected)), not the 'current' one the run checks: "
            "check --revision (--revision seed if the target implements it; if it implements "
            "'current', that refusal is its defect)",
            id="seed-server-checked-as-current",
        ),
        pytest.param(
            "current",
            "seed",
            "the target answered a valid request with a success reply that keeps the "
            "'current' revision's contract, not the 'seed' one the run checks (`result.id` is "
            "required but missing): check --revision (--revision current if the target "
            "implements it; if it implements 'seed', that reply is its defect)",
            id="current-server-checked-as-seed",
        ),
    ],
)
def test_a_target_of_the_other_revision_is_one_message(serves: str, checks: str, said: str) -> None:
    """A server of one revision checked by the other: exit 2 and one line naming --revision,
    nothing else reported (it was a failure for nearly every case, each with its hint)."""
    with served(revision=serves) as url:
        code, out, err = _fuzz(
            url, "--token", CUSTOMER_TOKEN, "--revision", checks, "--max-examples", "0"
        )
    assert (code, out) == (2, "")
    assert err == f"conformance fuzz: error: {said}\n"


@pytest.mark.parametrize("revision", ["seed", "current"])
def test_a_target_of_the_runs_revision_is_told_nothing_of_revisions(revision: str) -> None:
    """The reference server checked by its own revision conforms, with no word of the other."""
    with served(revision=revision) as url:
        code, out, err = _fuzz(
            url, "--token", CUSTOMER_TOKEN, "--revision", revision, "--max-examples", "5"
        )
    assert code == 0, out[-2000:]
    assert "revision's contract" not in out + err and "--revision" not in out + err


class _NotJsonRpc:
    """What a wrong URL answers: an HTML 404 page, to everything; counts the requests."""

    def __init__(self) -> None:
        self.requests = 0

    def handle(self, body: bytes) -> Response:
        self.requests += 1
        return Response(b"<html>Not Found</html>", status=404, content_type="text/html")


def test_a_url_with_no_json_rpc_server_is_one_message() -> None:
    """An HTML 404 page: exit 2 after one request, naming the URL's path as the thing to fix."""
    app = _NotJsonRpc()
    with serve_in_thread(app) as url:
        code, out, err = _fuzz(url + "wrong/path", "--token", CUSTOMER_TOKEN)
    assert (code, out, app.requests) == (2, "", 1)
    assert err == (
        f"conformance fuzz: error: the target {url}wrong/path is no JSON-RPC server: it answered "
        "HTTP 404 (text/html) with '<html>Not Found</html>'; check the target URL (the "
        "endpoint's path)\n"
    )


def test_https_to_a_plain_http_port_is_one_message_at_once(reference_url: str) -> None:
    """TLS spoken to a plain-HTTP server: exit 2 within a few seconds, saying so."""
    started = time.perf_counter()
    code, _, err = _fuzz(reference_url.replace("http://", "https://"), "--token", CUSTOMER_TOKEN)
    assert code == 2 and time.perf_counter() - started < 5
    assert "gave no HTTP answer" in err and "SSL" in err
    assert "does not speak TLS there: check the target URL's scheme" in err


def test_a_setup_error_reaches_json_output_and_junit(reference_url: str, tmp_path: Path) -> None:
    """CI shows why: the error is the JSON document on stdout and a JUnit <error>."""
    junit = tmp_path / "report.xml"
    code, out, err = _fuzz(
        reference_url, "--token", "wrong-1", "--output", "json", "--junitxml", str(junit)
    )
    assert code == 2 and "refused the token" in err
    document = json.loads(out)
    assert document["conforms"] is False and "refused the token" in document["error"]
    error = ElementTree.parse(junit).getroot().find("testcase/error")
    assert error is not None and "refused the token" in error.get("message", "")


def test_an_unwritable_junit_path_is_refused_before_any_case(tmp_path: Path) -> None:
    """--junitxml into a missing folder: exit 2 at once, no request sent."""
    app = _NotJsonRpc()
    path = tmp_path / "missing" / "junit.xml"
    with serve_in_thread(app) as url:
        code, _, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--junitxml", str(path))
    assert (code, app.requests) == (2, 0)
    assert f"cannot write --junitxml {path}: No such file or directory" in err


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_ctrl_c_prints_the_report_so_far_and_exits_130() -> None:
    """A Ctrl-C (SIGINT) mid-run: the summary of what ran, exit 130, no traceback."""
    import signal
    import subprocess
    import sys

    with served() as url:
        # a process of its own, interrupted as a terminal's Ctrl-C interrupts it (pytest-xdist's
        # workers ignore SIGINT, so an interrupt of this process would prove nothing)
        command = [sys.executable, "-m", "conformance", "fuzz", url, "--token", CUSTOMER_TOKEN,
                   "--max-examples", "20000", "--no-save-failures"]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **AS_A_TERMINAL_LEAVES_SIGINT
        )
        # the run is under way once it prints its first progress line (a second in, off a
        # terminal): a fixed sleep could land before it began on a loaded machine
        assert process.stderr is not None
        heading = process.stderr.readline()
        assert heading.startswith(b"conformance fuzz: create.sites"), heading
        process.send_signal(signal.SIGINT)
        try:
            stdout, stderr = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()  # closes the pipes: nothing leaks
            pytest.fail(f"the run went on after Ctrl-C; stderr: {stderr.decode()[-2000:]}")
    code, out, err = process.returncode, stdout.decode(), stderr.decode()
    assert code == 130, err
    assert "note: interrupted (Ctrl-C) after" in out and "cases sent to" in out
    assert "Traceback" not in out + err
