"""``conformance proxy`` as a user runs it: a process of its own on a free loopback port, stopped
by a signal, its exit code and output kept."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from typing import NamedTuple

#: seconds the proxy may take to say where it listens (importing the kit, reading a document)
START_TIMEOUT = 60.0


class Stopped(NamedTuple):
    """How a stopped proxy ended: its exit code, standard output and standard error."""

    code: int
    out: str
    err: str


def start_proxy(*options: str) -> tuple[subprocess.Popen[str], str]:
    """``conformance proxy --listen 127.0.0.1:0 OPTIONS...``, and the URL it says it listens on
    (its first line on standard error)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "proxy", "--listen", "127.0.0.1:0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # the kit and the tests' packages as this process imports them (a worktree's, too)
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert process.stderr is not None
    ready, _, _ = select.select([process.stderr], [], [], START_TIMEOUT)
    if not ready:
        process.kill()
        process.communicate(timeout=10)
        raise AssertionError(f"conformance proxy said nothing in {START_TIMEOUT} s")
    line = process.stderr.readline()
    if "listening on " not in line:
        process.kill()
        _, err = process.communicate(timeout=10)
        raise AssertionError(line + err)
    return process, line.split("listening on ")[1].split(",")[0]


def stop_proxy(process: subprocess.Popen[str], number: int = signal.SIGINT) -> Stopped:
    """Send ``number`` to the proxy and wait for its reports and its exit code."""
    process.send_signal(number)
    out, err = process.communicate(timeout=20)
    return Stopped(process.returncode, out, err)
