"""The ``conformance`` command run in-process, as a user runs it: ``run(*argv)`` gives its exit
code, standard output and standard error (standard input empty); ``fuzz(*argv)`` is
``run("fuzz", *argv)``."""

from __future__ import annotations

import io

from conformance.cli import Streams, main


def run(*argv: str) -> tuple[int, str, str]:
    """``conformance ARGV...``: the exit code, what it printed and what it said on stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), Streams(stdin=io.BytesIO(), stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def fuzz(*argv: str) -> tuple[int, str, str]:
    """``conformance fuzz ARGV...``, as ``run``."""
    return run("fuzz", *argv)
