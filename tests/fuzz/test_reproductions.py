"""Reproductions that paste and run (issue 22): every command a report prints (text, JSON, HTML,
saved failures) reproduces its failure when pasted into bash after the one line the report
prints once (``export CONFORMANCE_TARGET_TOKEN=...``, masked: the user puts the token in), and
stops before sending anything where that variable is unset, never sending an empty token."""

from __future__ import annotations

import html
import json
import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.cli import fuzz as _fuzz
from helpers.staging import target
from helpers.tools import needs_curl
from mutants import MUTANTS, serve

from conformance.engine.reproduce import TOKEN_ENV
from conformance.server import App, CreateSitesApp, Response

pytestmark = needs_curl

#: What bash says where the token's variable is unset, before it sends anything.
UNSET = f"{TOKEN_ENV}: set {TOKEN_ENV} to the token"


class _Counting:
    """An app in front of another, counting the requests that reach it."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.requests = 0

    def handle(self, body: bytes) -> Response:
        self.requests += 1
        return self.app.handle(body)


def _bash(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env={**clean, **env}, timeout=30
    )


def _pasted(setup: str, command: str, values: dict[str, str]) -> str:
    """What a user pastes: the setup line with the masked values put in, then the command."""
    for variable, value in values.items():
        setup = setup.replace(f"{variable}='***'", f"{variable}={shlex.quote(value)}")
    return f"{setup}\n{command}"


def _text_reproduction(text: str) -> tuple[str, str]:
    """The text report's setup line and its first command."""
    lines = text.splitlines()
    setup = lines[lines.index("the commands below read secrets from the environment; "
                              "paste this line first:") + 1].strip()  # fmt: skip
    return setup, lines[lines.index("  reproduce with:") + 1].strip()


def _html_reproduction(path: Path) -> tuple[str, str]:
    page = path.read_text("utf-8")
    setup = re.search(r'<pre id="reproduce-setup">(.*?)</pre>', page, re.DOTALL)
    command = re.search(r'<pre class="curl">(.*?)</pre>', page, re.DOTALL)
    assert setup is not None and command is not None
    return html.unescape(setup.group(1)), html.unescape(command.group(1))


def _reproductions(url: str, token: str) -> Iterator[tuple[str, str, str]]:
    """(where, setup line, command) of the first failure, as each report and file prints it."""
    base = (url, "--token", token, "--max-examples", "0")
    code, text, _ = _fuzz(*base, "--report-html", "report.html", "--save-failures", "saved")
    assert code == 1
    first = re.search(r"(?m)^FAILED \S+ (\S+)", text)
    assert first is not None
    yield ("text", *_text_reproduction(text))
    yield ("html", *_html_reproduction(Path("report.html")))
    report = json.loads(_fuzz(*base, "--output", "json", "--no-save-failures")[1])
    yield "json", report["reproduce_setup"], report["failures"][0]["curl"]
    for path in sorted(Path("saved").glob("*.failure.json")):
        record = json.loads(path.read_text("utf-8"))
        if record["test_id"] == first.group(1):
            yield "saved", record["reproduce"]["setup"], record["reproduce"]["curl"]
            break
    else:
        pytest.fail(f"no saved failure of {first.group(1)}")


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_every_printed_command_reproduces_after_its_setup_line_and_stops_when_unset() -> None:
    """A mutant that accepts an out-of-range value: the command of the text report, the JSON
    report, the HTML report and the saved failure, each pasted after its setup line with the
    token put in, gets the defect (a site created, never duplicate_entity: a fresh domain name
    each time); with the variable unset bash stops before a request reaches the target. The
    HTML report's command had the literal *** and the run's used domain name."""
    counting: list[_Counting] = []

    def wrap(app: App) -> App:
        counting.append(_Counting(app))
        return counting[0]

    with serve(MUTANTS["range-unchecked"].app, wrap=wrap) as (url, token):
        found = list(_reproductions(url, token))
        assert [where for where, _, _ in found] == ["text", "html", "json", "saved"]
        for where, setup, command in found:
            assert token not in setup + command and "***" not in command, where
            assert setup.startswith(f"export {TOKEN_ENV}='***'"), (where, setup)
            for _ in range(2):
                done = _bash(_pasted(setup, command, {TOKEN_ENV: token}))
                assert done.returncode == 0, (where, done.stderr)
                assert "HTTP/1.1 200" in done.stdout and '"result"' in done.stdout, where
                assert "duplicate_entity" not in done.stdout, where
            before = counting[0].requests
            unset = _bash(command)
            assert unset.returncode != 0 and UNSET in unset.stderr, (where, unset.stderr)
            assert unset.stdout == "" and counting[0].requests == before, where
    with serve(CreateSitesApp) as (url, token):  # the same command, a conforming target
        for where, setup, command in found:
            moved = re.sub(r"http://127\.0\.0\.1:\d+/", url, command)
            done = _bash(_pasted(setup, moved, {TOKEN_ENV: token}))
            assert '"invalid_parameter_value"' in done.stdout, (where, done.stdout)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@pytest.mark.parametrize(
    ("mutant", "case"),
    [("duplicates-accepted", "same-name"), ("duplicates-case-sensitive", "other-letter-case")],
)
def test_a_duplicate_is_reproduced_by_sending_what_took_its_name_first(
    mutant: str, case: str
) -> None:
    """A duplicates case is about a name already taken: its command (text report and saved
    failure) creates the site under a fresh name, then sends the case (in upper case where
    the case does): the defect again on the mutant, duplicate_entity on a conforming server."""
    with serve(MUTANTS[mutant].app) as (url, token):
        code, text, _ = _fuzz(url, "--token", token, "--max-examples", "0", "--save-failures", "s")
        assert code == 1
        setup, _ = _text_reproduction(text)
        failed = "FAILED expected-outcome: test_duplicate_refused[domain_name]"
        block = text.split(f"{failed} (case {case})")
        assert len(block) == 2, text
        command = block[1].split("  reproduce with:\n")[1].splitlines()[0].strip()
        saved = [json.loads(p.read_text("utf-8")) for p in Path("s").glob("*duplicate*")]
        assert [r["reproduce"]["curl"] for r in saved if r["case"] == case] == [command]
        for _ in range(2):
            done = _bash(_pasted(setup, command, {TOKEN_ENV: token}))
            assert done.returncode == 0 and '"result"' in done.stdout, done.stdout
    with serve(CreateSitesApp) as (url, token):
        moved = re.sub(r"http://127\.0\.0\.1:\d+/", url, command)
        done = _bash(_pasted(setup, moved, {TOKEN_ENV: token}))
        assert '"duplicate_entity"' in done.stdout and '"result"' not in done.stdout, done.stdout


def test_a_secret_header_is_read_from_its_own_variable() -> None:
    """-H 'Authorization: Bearer ...': the command reads the value from
    $CONFORMANCE_HEADER_AUTHORIZATION, which the setup line sets (masked); the header sent by
    the pasted command is the value put in; unset, bash stops before sending."""
    secret = "Bearer header-secret-7f3a"
    with target() as (url, server):
        code, text, _ = _fuzz(
            url, "--token", "token-of-the-run-1", "--max-examples", "0", "--no-save-failures",
            "--max-failures", "3", "-H", f"Authorization: {secret}", "-H", "X-Trace: visible-1",
        )  # fmt: skip
        assert code == 1
        setup, command = _text_reproduction(text)
        assert setup.startswith(f"export {TOKEN_ENV}='***' CONFORMANCE_HEADER_AUTHORIZATION='***'")
        assert secret not in text and "-H 'X-Trace: visible-1'" in command
        sent = len(server.seen)
        values = {TOKEN_ENV: "t", "CONFORMANCE_HEADER_AUTHORIZATION": secret}
        done = _bash(_pasted(setup, command, values))
        assert done.returncode == 0, done.stderr
        assert server.seen[sent]["Authorization"] == secret
        assert server.seen[sent]["X-Trace"] == "visible-1"
        unset = _bash(command, **{TOKEN_ENV: "t"})
        assert "CONFORMANCE_HEADER_AUTHORIZATION: set" in unset.stderr
        assert len(server.seen) == sent + 1
