"""``conformance validate``: check payload files against the contract (a CI gate)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from conformance.contract import KINDS, ROLES

if TYPE_CHECKING:
    from conformance.cli import Streams

HELP = "Validate JSON or JSON Lines payload files (or - for stdin) against the contract."


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``validate``."""
    from conformance.validation.reporters import REPORTERS

    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="JSON or JSON Lines files; - reads stdin"
    )
    parser.add_argument("--kind", choices=KINDS, default="request", help="default: request")
    parser.add_argument(
        "--role",
        choices=ROLES,
        default="customer",
        help="the caller's role, for requests and params (an agent must send user_id)",
    )
    parser.add_argument("--output", choices=sorted(REPORTERS), default="text", help="default: text")
    parser.epilog = (
        "exit codes: 0 every payload is valid, 1 some payload is invalid, "
        "2 usage error or unreadable input"
    )


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Validate every payload of every file, reporting as it goes (constant memory)."""
    from conformance.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
    from conformance.validation.files import check_sources
    from conformance.validation.reporters import REPORTERS

    reporter = REPORTERS[args.output](streams.stdout)
    summary = check_sources(args.files, args.kind, args.role, reporter, streams.stdin)
    if summary.unreadable:
        return EXIT_USAGE
    return EXIT_FAILED if summary.invalid else EXIT_OK
