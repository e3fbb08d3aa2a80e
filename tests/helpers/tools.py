"""Programs from the machine that some tests run, and when their absence may skip a test.

A test that pastes a reproduction runs ``curl``; on a developer's machine without it the test
is skipped, but ``make test`` installs it (the ``browser`` target) and CI sets ``CI``: there a
missing ``curl`` must fail the test, never skip it in silence (the skip's reason would no longer
hold).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conformance.engine.reproduce import TOKEN_ENV

__all__ = ["needs_curl", "pasted"]

needs_curl = pytest.mark.skipif(
    shutil.which("curl") is None and not os.environ.get("CI"),
    reason="curl is not installed (make test installs it; under CI its absence fails)",
)


def pasted(command: str, token: str) -> str:
    """What a reproduction prints when pasted into bash with the token exported as the report's
    setup line asks; the command must succeed."""
    done = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        env={**os.environ, TOKEN_ENV: token},
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
