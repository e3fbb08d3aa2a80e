"""``conformance fuzz URL``: run a contract against a live JSON-RPC server.

The bundled create.sites contract by default; ``--openrpc FILE`` or ``--discover`` for any
API an OpenRPC document describes (``conformance.cli.fuzz.contracts``). Every CI option
(``conformance.cli.fuzz.ci``) works with every contract.

Exit 0: the target conforms; 1: some rule is broken; 2: a usage error, or a target the run
cannot use (unreachable, no JSON-RPC server, a token, ids or role it refuses: said at once,
in one message naming the option to fix); 130: interrupted, after the report of what ran.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import TYPE_CHECKING, Any

from conformance.cli import EXIT_INTERRUPTED, EXIT_USAGE, is_terminal
from conformance.cli.fuzz import ci as fuzz_ci
from conformance.cli.fuzz import contracts
from conformance.cli.fuzz.output import check_writable, write_report, write_setup_error
from conformance.cli.progress import ProgressLine
from conformance.contract import DEFAULT_REVISION, REVISIONS

if TYPE_CHECKING:
    from conformance.cli import Streams
    from conformance.engine.settings import Settings

HELP = (
    "Fuzz a live JSON-RPC server against a contract (create.sites, or any OpenRPC document "
    "with --openrpc or --discover); exit 1 if it breaks a rule."
)

#: The environment variable a token is read from when --token is not given (kept out of
#: shell history and process lists); the printed curl commands read it too.
TOKEN_ENV = "CONFORMANCE_TARGET_TOKEN"

#: Seconds to wait for each reply, by default.
DEFAULT_TIMEOUT = 5.0

EPILOG = f"""\
Each failure is printed with the request, the reply and a bash command that sends the
request again: it reads the token from ${TOKEN_ENV} and draws a fresh domain name on each
replay. The token prints as *** everywhere unless --show-secrets.

exit codes:
  0    the target conforms
  1    the target breaks at least one rule
  2    usage error; a target the run cannot use (unreachable, no JSON-RPC server at the
       URL, a token, ids or role it refuses: one message names the option to fix); a
       --junitxml path that cannot be written (checked before any case is sent)
  130  interrupted (Ctrl-C): the report of what ran so far is printed
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``conformance fuzz``."""
    parser.add_argument("url", metavar="URL", help="the endpoint, e.g. http://127.0.0.1:8080/")
    parser.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"an access token the target accepts (default: ${TOKEN_ENV})",
    )
    parser.add_argument(
        "--role",
        choices=("customer", "agent"),
        default="customer",
        help="the token's role (default: customer); an agent's requests name --user-id",
    )
    parser.add_argument(
        "--revision",
        choices=REVISIONS,
        default=DEFAULT_REVISION,
        help="the contract's revision: seed (the method page this kit encodes; default) or "
        "current (the vendor's live page: name, 19 industries, result.data): what the target "
        "implements",
    )
    parser.add_argument(
        "--rate",
        type=float,
        metavar="N",
        help="send at most N requests per second (default: unlimited); a -32029 "
        "limit_exceeded reply is waited on and resent, up to 60 s of waiting in all (then "
        "exit 2)",
    )
    parser.add_argument(
        "--user-id",
        type=int,
        metavar="N",
        help="a customer user of the agent (required for agents)",
    )
    parser.add_argument(
        "--scenario-id",
        type=int,
        metavar="N",
        help="a scenario that exists on the target (default: requests name none)",
    )
    parser.add_argument("--seed", type=int, default=0, help="hypothesis's seed (default: 0)")
    parser.add_argument(
        "--max-examples",
        type=int,
        metavar="N",
        default=None,
        help="valid requests hypothesis draws (default: 100)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds to wait for each reply (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--output",
        choices=("text", "json", "github"),
        default="text",
        help="default: text; github: the text report, then ::error annotations and "
        "$GITHUB_STEP_SUMMARY",
    )
    parser.add_argument(
        "--junitxml", metavar="PATH", help="also write a JUnit XML report (checked first)"
    )
    parser.add_argument(
        "--show-secrets", action="store_true", help="do not mask the token as *** in reports"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also judge the kit's own decisions (a 32-bit bound, an empty link text, a "
        "fractional id refused, ...), where the method page, JSON-RPC 2.0 and the standards "
        "leave a point open; by default those are sent and judged for robustness alone",
    )
    parser.add_argument(
        "--expect-success",
        action="store_true",
        help="with --openrpc or --discover: fail a valid request answered with an application "
        "error (a code the document lists, or -32000 to -32099); by default a stateful "
        "server's 'not found' is counted, not judged",
    )
    fuzz_ci.configure(parser)
    contracts.configure(parser)
    parser.epilog = EPILOG


class _Progress(ProgressLine):
    """``family done/total · N sent · R cases/s``, redrawn in place: only where stderr is a
    terminal."""

    def __init__(self, streams: Streams) -> None:
        super().__init__(streams.stderr)
        self.started = time.monotonic()
        self.family = ""
        self.total = 0
        self.done = 0

    def start_family(self, family: str, total: int) -> None:
        self.family, self.total, self.done = family, total, 0

    def __call__(self, sent: int, family: str) -> None:
        self.done += family == self.family
        if sent % 20 == 0:
            rate = sent / max(time.monotonic() - self.started, 1e-9)
            # the valid family's total is hypothesis's budget: shrinking may send more
            done = min(self.done, self.total) if self.total else self.done
            self.draw(f"{family} {done}/{self.total} · {sent} cases sent · {rate:,.0f} cases/s")


def settings_from(args: argparse.Namespace, token: str, **callbacks: Any) -> Settings:
    """The run's settings as the command line gives them (the create.sites run's and an
    OpenRPC run's alike); ``callbacks`` are the progress line's."""
    from conformance.engine.settings import DEFAULT_MAX_EXAMPLES, Settings

    return Settings(
        token=token,
        role=args.role,
        revision=args.revision,
        user_id=args.user_id,
        scenario_id=args.scenario_id,
        seed=args.seed,
        max_examples=DEFAULT_MAX_EXAMPLES if args.max_examples is None else args.max_examples,
        timeout=args.timeout,
        rate=args.rate,
        strict=args.strict,
        expect_success=args.expect_success,
        **callbacks,
    )


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the contract and report; return the exit code."""
    from conformance.engine.results import Interrupted
    from conformance.engine.runner import run as run_contract
    from conformance.engine.setup import SetupFailed
    from conformance.errors import ArgumentError

    def fail(message: str) -> int:
        streams.stderr.write(f"conformance fuzz: error: {message}\n")
        return EXIT_USAGE

    refused = contracts.refused_option(args)
    if refused is not None:
        return fail(refused)
    if args.junitxml:
        why = check_writable(args.junitxml)
        if why is not None:
            return fail(f"cannot write --junitxml {args.junitxml}: {why}")
    progress = _Progress(streams) if is_terminal(streams.stderr) else None
    try:
        document = contracts.document_of(args)
        token = args.token
        if not token and contracts.needs_token(document):
            why = (
                "the document names a secret param"
                if document is not None
                else "a token is required"
            )
            raise ArgumentError(f"{why}: --token TOKEN or ${TOKEN_ENV}")
        settings = settings_from(
            args,
            token or contracts.NO_TOKEN,
            progress=progress,
            on_family=progress.start_family if progress is not None else None,
        )
        ci = fuzz_ci.CiRun.prepare(args)
        contract = contracts.contract_of(document, settings, args.method)
        report = run_contract(args.url, contract, settings=settings)
    except (ArgumentError, SetupFailed) as error:
        if progress is not None:
            progress.clear()
        write_setup_error(args, streams, str(error))
        return fail(str(error))
    except Interrupted as interrupted:
        if progress is not None:
            progress.clear()
        write_report(args, interrupted.report, streams.stdout, ci)
        return EXIT_INTERRUPTED
    if progress is not None:
        progress.clear()
    try:
        write_report(args, report, streams.stdout, ci)
    except OSError as error:  # checked before the run; the file may have gone since
        return fail(f"cannot write --junitxml {args.junitxml}: {error.strerror or error}")
    return ci.finish(report, contract, streams)
