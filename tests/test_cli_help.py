"""Each ``--help`` is enough without the README: every option described, defaults said, exit
codes in an epilog; ``--version``; a port out of range is a usage error; progress lines on a
terminal; a Ctrl-C of ``validate`` stops with the summary so far."""

from __future__ import annotations

import argparse
import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.signals import AS_A_TERMINAL_LEAVES_SIGINT
from helpers.targets import CUSTOMER_TOKEN

from conformance.cli import SUBCOMMANDS, Streams, build_parser, main

VALID = Path(__file__).parent / "cases" / "valid" / "request__minimal.json"


def _run(*argv: str, stdin: bytes = b"", stderr: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), stderr or io.StringIO()
    code = main(list(argv), Streams(io.BytesIO(stdin), out, err))
    return code, out.getvalue(), err.getvalue()


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_option_is_described_and_exit_codes_are_listed(name: str) -> None:
    """No option without a description; the epilog lists the exit codes."""
    sub = _subparsers()[name]
    for action in sub._actions:
        assert action.help, f"{name} {action.option_strings or action.dest} has no help"
    code, out, _ = _run(name, "--help")
    assert code == 0 and "exit codes:\n  0 " in out and "\n  2 " in out


def test_fuzz_help_says_the_defaults_and_the_role() -> None:
    """--timeout's default and what --role means are in fuzz --help."""
    _, out, _ = _run("fuzz", "--help")
    flat = " ".join(out.split())
    assert "seconds to wait for each reply (default: 5)" in flat
    assert "the token's role (default: customer)" in flat
    assert "130 interrupted (Ctrl-C)" in flat


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ("fuzz", "http://127.0.0.1:9/", "--tokn", "x"),
            "conformance fuzz: error: unrecognized arguments: --tokn x "
            "(--tokn: did you mean --token?)",
        ),
        (
            ("--versoin",),
            "conformance: error: unrecognized arguments: --versoin "
            "(--versoin: did you mean --version?)",
        ),
        (
            ("validate", "--kindd", "reply", "x.json"),
            "conformance validate: error: unrecognized arguments: --kindd "
            "(--kindd: did you mean --kind?)",
        ),
    ],
)
def test_a_mistyped_option_is_told_the_closest_one(argv: tuple[str, ...], said: str) -> None:
    """An unknown option: the subcommand's usage and the closest option it has (it was the
    top-level usage, and "the following arguments are required: COMMAND" for --versoin)."""
    code, out, err = _run(*argv)
    assert (code, out) == (2, "")
    assert err.rstrip().endswith(said), err
    assert err.startswith(f"usage: conformance {argv[0]}" if argv[0] != "--versoin" else "usage")


def test_serve_help_describes_the_config_file_and_log_level() -> None:
    """serve --help shows the config file's keys and what --log-level does."""
    _, out, _ = _run("serve", "--help")
    assert "customer_user_ids" in out and "scenario_ids" in out
    assert "what the server logs to stderr" in " ".join(out.split())


def test_version() -> None:
    """conformance --version names the distribution and its version."""
    code, out, _ = _run("--version")
    assert code == 0 and out.startswith("conformance 0.") and "create-sites-conformance" in out


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_a_usage_error(port: str) -> None:
    """serve --port 99999: exit 2 and one message, not an OverflowError traceback."""
    code, out, err = _run("serve", "--port", port)
    assert (code, out) == (2, "")
    assert "argument --port: must be" in err and "Traceback" not in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_fuzz_progress_shows_done_of_total_and_a_rate(reference_url: str) -> None:
    """On a terminal, the progress line says how far into each family the run is, and how fast."""
    terminal = _Terminal()
    code, _, err = _run(
        "fuzz", reference_url, "--token", CUSTOMER_TOKEN, "--max-examples", "0", stderr=terminal
    )
    assert code == 0
    assert any(
        line.startswith("protocol ") and "/" in line.split()[1] and "cases/s" in line
        for line in err.split("\r")
    ), err[:500]


def test_validate_progress_appears_for_a_long_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal, a check that takes more than a second draws a count and a rate."""
    import conformance.cli.validate as validate

    lines = (VALID.read_bytes().replace(b"\n", b"") + b"\n") * 300
    quiet = _run("validate", "-", stdin=lines, stderr=_Terminal())[2]
    assert quiet == ""  # the default: nothing for a check shorter than a second
    monkeypatch.setattr(validate, "PROGRESS_AFTER_SECONDS", 0.0)
    code, _, err = _run("validate", "-", stdin=lines, stderr=_Terminal())
    assert code == 0
    assert "payloads checked (" in err and "/s)" in err


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_ctrl_c_during_validate_prints_the_summary_so_far_and_exits_130() -> None:
    """SIGINT while validate reads stdin: the summary of what was checked, exit 130, no
    traceback."""
    line = VALID.read_bytes().replace(b"\n", b"") + b"\n"
    child = subprocess.Popen(
        [sys.executable, "-m", "conformance", "validate", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **AS_A_TERMINAL_LEAVES_SIGINT,
    )
    assert child.stdin is not None
    child.stdin.write(line * 3)
    child.stdin.flush()
    time.sleep(1.5)  # started, read the three lines, waiting for more
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 130, err.decode()
    assert out.decode().startswith("interrupted (Ctrl-C); so far: 3 request payload(s)")
    assert b"Traceback" not in err
