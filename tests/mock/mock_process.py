"""``conformance mock`` as a user runs it: a process started with options, the URL read from
its first line, stopped by a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RULES = Path(__file__).resolve().parent / "documents" / "rules.json"


def start(*options: str) -> tuple[subprocess.Popen[str], str]:
    """``conformance mock --listen 127.0.0.1:0`` with ``options``, and its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "mock", "--listen", "127.0.0.1:0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("http://"):
        process.kill()
        _, err = process.communicate(timeout=20)
        raise AssertionError(f"no URL on the first line: {line!r}; stderr: {err}")
    return process, line.strip()


def stop(process: subprocess.Popen[str], number: int = signal.SIGTERM) -> tuple[int, str, str]:
    """Send ``number`` and wait: the exit code, the rest of stdout, stderr."""
    process.send_signal(number)
    out, err = process.communicate(timeout=20)
    return process.returncode, out, err


@contextmanager
def running(*options: str) -> Iterator[str]:
    """A mock process for a ``with`` block; it must stop with exit 0."""
    process, url = start(*options)
    try:
        yield url
    finally:
        code, _, err = stop(process)
        assert code == 0, err
