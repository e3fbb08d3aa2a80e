"""A reply nested 100,000 deep, read by a run in a process whose recursion limit another
library raised (web3.py's py_ecc sets 100,000 on import: a team's pytest session with web3
installed has it): judged, never a crash. Python's ``json`` guards its depth with the
recursion limit alone, so under that limit such a body overflowed the C stack (a segfault,
seen in CI) in every place the kit read a target's reply with ``json.loads``; each reads it
with the kit's depth-checked reader now. Run in a child process: a segfault must fail the
test, not kill the test worker."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from mutants import serve

from conformance.server import CreateSitesApp, Response

DEPTH = 100_000


class DeepReplies(CreateSitesApp):
    """Answers the run's first request (its probe of the target) as the reference server does,
    and every later one with JSON nested ``DEPTH`` deep around ``-32029`` (the code a run looks
    for in every reply, to wait on a rate limit) and a secret-looking member."""

    answered = 0

    def handle(self, body: bytes) -> Response:
        type(self).answered += 1
        if type(self).answered == 1:
            return super().handle(body)
        inner = b'{"access_token": "-32029"}'
        return Response(b"[" * DEPTH + inner + b"]" * DEPTH)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_deep_reply_under_a_raised_recursion_limit_is_judged_not_a_crash(
    tmp_path: Any,
) -> None:
    script = (
        "import sys\n"
        f"sys.setrecursionlimit({DEPTH})\n"
        "from conformance.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    with serve(DeepReplies) as (url, token):
        done = subprocess.run(
            [sys.executable, "-c", script, "fuzz", url, "--token", token,
             "--max-examples", "1", "--output", "json",
             "--save-failures", str(tmp_path / "saved"), "--record", str(tmp_path / "r.har")],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr and '"conforms": false' in done.stdout
