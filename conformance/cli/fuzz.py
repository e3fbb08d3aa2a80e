"""``conformance fuzz URL``: run the conformance suite against a live create.sites server.

Exit 0: the target conforms; 1: some rule is broken; 2: a usage error or an unreachable target
(said at once, before any case is sent).
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from conformance.cli import EXIT_USAGE, fuzz_ci

if TYPE_CHECKING:
    from conformance.cli import Streams

HELP = "Fuzz a live create.sites server with the conformance suite; exit 1 if it breaks a rule."

#: The environment variable a token is read from when --token is not given (kept out of
#: shell history and process lists).
TOKEN_ENV = "CONFORMANCE_TARGET_TOKEN"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``conformance fuzz``."""
    parser.add_argument("url", metavar="URL", help="the endpoint, e.g. http://127.0.0.1:8080/")
    parser.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"an access token the target accepts (default: ${TOKEN_ENV})",
    )
    parser.add_argument("--role", choices=("customer", "agent"), default="customer")
    parser.add_argument(
        "--user-id",
        type=int,
        metavar="N",
        help="a customer user of the agent (required for agents)",
    )
    parser.add_argument(
        "--scenario-id", type=int, metavar="N", help="a scenario that exists on the target"
    )
    parser.add_argument("--seed", type=int, default=0, help="hypothesis's seed (default 0)")
    parser.add_argument(
        "--max-examples",
        type=int,
        metavar="N",
        default=None,
        help="valid requests hypothesis draws (default 100)",
    )
    parser.add_argument("--timeout", type=float, default=5.0, metavar="S", help="per request")
    parser.add_argument(
        "--output",
        choices=("text", "json", "github"),
        default="text",
        help="github: the text report, then ::error annotations and $GITHUB_STEP_SUMMARY",
    )
    parser.add_argument("--junitxml", metavar="PATH", help="also write a JUnit XML report")
    parser.add_argument(
        "--show-secrets", action="store_true", help="do not mask the token as *** in reports"
    )
    fuzz_ci.configure(parser)


class _Progress:
    """A one-line count of cases sent, redrawn in place: only where stderr is a terminal."""

    def __init__(self, streams: Streams) -> None:
        self.stream = streams.stderr
        self.shown = False

    def __call__(self, sent: int, family: str) -> None:
        if sent % 20 == 0:
            self.stream.write(f"\r{sent} cases sent ({family})   ")
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 40 + "\r")
            self.stream.flush()


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the suite and report; return the exit code."""
    from conformance.errors import ArgumentError
    from conformance.fuzz.report import to_json, to_junit, to_text
    from conformance.fuzz.runner import DEFAULT_MAX_EXAMPLES, Settings, TokenRefused, Unreachable
    from conformance.fuzz.runner import run as run_suite

    if not args.token:
        streams.stderr.write(
            f"conformance fuzz: error: a token is required: --token TOKEN or ${TOKEN_ENV}\n"
        )
        return EXIT_USAGE
    is_terminal = hasattr(streams.stderr, "isatty") and streams.stderr.isatty()
    progress = _Progress(streams) if is_terminal else None
    try:
        settings = Settings(
            token=args.token,
            role=args.role,
            user_id=args.user_id,
            scenario_id=args.scenario_id,
            seed=args.seed,
            max_examples=DEFAULT_MAX_EXAMPLES if args.max_examples is None else args.max_examples,
            timeout=args.timeout,
            progress=progress,
        )
        ci = fuzz_ci.CiRun.prepare(args)
        report = run_suite(args.url, settings=settings)
    except (ArgumentError, Unreachable, TokenRefused) as error:
        streams.stderr.write(f"conformance fuzz: error: {error}\n")
        return EXIT_USAGE
    finally:
        if progress is not None:
            progress.clear()
    shown = ci.shown(report)
    if args.output == "json":
        streams.stdout.write(
            to_json(shown, show_secrets=args.show_secrets, extra=ci.json_extra()) + "\n"
        )
    else:
        streams.stdout.write(to_text(shown, show_secrets=args.show_secrets, verdict=ci.verdict))
    if args.output == "github":
        streams.stdout.write(ci.annotations(report))
    if args.junitxml:
        try:
            with open(args.junitxml, "w", encoding="utf-8") as junit:
                junit.write(to_junit(shown, show_secrets=args.show_secrets, known=ci.known_tests()))
        except OSError as error:
            reason = error.strerror or str(error)
            streams.stderr.write(
                f"conformance fuzz: error: cannot write --junitxml {args.junitxml}: {reason}\n"
            )
            return EXIT_USAGE
    return ci.finish(report, streams)
