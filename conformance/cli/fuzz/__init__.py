"""``conformance fuzz URL``: run a contract against a live JSON-RPC server.

The bundled create.sites contract by default; ``--openrpc FILE`` or ``--discover`` for any
API an OpenRPC document describes (``conformance.cli.fuzz.contracts``). Every CI option
(``conformance.cli.fuzz.ci``) works with every contract.

Exit 0: the target conforms; 1: some rule is broken; 2: a usage error, or a target the run
cannot use (unreachable, no JSON-RPC server, a token, ids or role it refuses: said at once,
in one message naming the option to fix); 3: a hook of ``--hooks`` raised; 130: interrupted
(Ctrl-C), 143: terminated (SIGTERM), each after the report of what ran and every file asked
for.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from conformance.cli import (
    EXIT_HOOK,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    EXIT_USAGE,
    is_terminal,
    tls,
)
from conformance.cli.fuzz import account as fuzz_account
from conformance.cli.fuzz import ci as fuzz_ci
from conformance.cli.fuzz import contracts
from conformance.cli.fuzz.account import Account
from conformance.cli.fuzz.output import (
    Findings,
    check_writable,
    write_report,
    write_setup_error,
)
from conformance.cli.progress import ProgressLine
from conformance.contract import DEFAULT_REVISION, REVISIONS

if TYPE_CHECKING:
    from conformance.cli import Streams
    from conformance.engine.selection import Selection
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

#: Requests in a row left unanswered after which a run stops, by default.
DEFAULT_MAX_TIMEOUTS = 3

EPILOG = f"""\
Failures are grouped by defect (the rule, the test and, for the valid family, the member
the reply named): each new defect gets a line on stderr as soon as it is found, and the report
shows every defect with its count and one full example: the request, the reply and a bash
command that sends the request again. The command reads the token from ${TOKEN_ENV} (bash
stops before sending where it is unset; the report prints once the line that sets it) and
draws a fresh domain name on each replay. The token prints as *** everywhere unless
--show-secrets.

exit codes:
  0    the target conforms
  1    the target breaks at least one rule
  2    usage error; a target the run cannot use (unreachable, no JSON-RPC server at the
       URL, a token, ids or role it refuses: one message names the option to fix); a
       --junitxml path that cannot be written (checked before any case is sent)
  3    a hook of --hooks raised (one line names the hook; the report and every file
       asked for are written, and after_run is called)
  130  interrupted (Ctrl-C): the report of what ran so far is printed, and every file
       asked for written (JUnit, HTML, saved failures, baseline, GitHub summary, --record,
       --created)
  143  terminated (SIGTERM, CI's timeout or cancel): as for Ctrl-C

A target that answered and then stops (its connections refused, or --max-timeouts requests
in a row unanswered) ends the run with one note saying where; a request after which the
target refused connections is reported under target-survives.
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
        "error (a code the document lists, a server error, or one outside JSON-RPC 2.0's "
        "reserved -32768 to -32000); by default a stateful "
        "server's 'not found' is counted, not judged",
    )
    parser.add_argument(
        "--param-structure",
        choices=("either", "by-name", "by-position"),
        help="with --openrpc or --discover: judge every method by this paramStructure in place "
        "of its document's (absent there: OpenRPC's default, either); a target that takes one "
        "structure only is told once (param-structure), then run in the one it takes",
    )
    _configure_bounds(parser)
    _configure_selection(parser)
    _configure_connection(parser)
    fuzz_ci.configure(parser)
    fuzz_account.configure(parser)
    contracts.configure(parser)
    parser.epilog = EPILOG


def _configure_bounds(parser: argparse.ArgumentParser) -> None:
    """When a run stops before its plan, and the slow answer it judges."""
    group = parser.add_argument_group("stopping")
    group.add_argument(
        "-x",
        "--exitfirst",
        action="store_true",
        help="stop at the first failure (the valid family is not shrunk)",
    )
    group.add_argument(
        "--max-failures", type=int, metavar="N", help="stop once N failures are found"
    )
    group.add_argument(
        "--max-timeouts",
        type=int,
        metavar="N",
        default=DEFAULT_MAX_TIMEOUTS,
        help="stop when N requests in a row go unanswered within --timeout, from a target "
        f"that answered before (default: {DEFAULT_MAX_TIMEOUTS})",
    )
    group.add_argument(
        "--max-response-time",
        type=float,
        metavar="S",
        help="a rule: every answer within S seconds (a slow answer is a finding of "
        "max-response-time; no answer within --timeout is one of answer-in-time); off by default",
    )


def _configure_selection(parser: argparse.ArgumentParser) -> None:
    """Which cases are sent and which rules judge them; each option repeatable, an exclusion
    winning over an inclusion."""
    from conformance.generation.cases import FAMILIES

    group = parser.add_argument_group(
        "selection",
        "Each option is repeatable; without an inclusion everything is included, and an "
        "exclusion wins. The report says what was left out.",
    )
    pairs: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
        ("family", "NAME", "the family of cases", {"choices": FAMILIES}),
        ("rule", "NAME", "the rule judged (the others are not run)", {}),
        (
            "member",
            "NAME",
            "the cases about this params member or param and those under it (widget_link "
            "takes widget_link.text); the valid family's failures where the reply names it",
            {},
        ),
        (
            "test-id",
            "PATTERN",
            "the tests whose id matches this glob ('[' is a plain character: "
            "'test_invalid_rejected[widget_link.*'; a bare test name takes all of its tests)",
            {},
        ),
    )
    for name, metavar, what, extra in pairs:
        group.add_argument(
            f"--{name}",
            action="append",
            default=[],
            metavar=metavar,
            help=f"include only {what}",
            **extra,
        )
        group.add_argument(
            f"--exclude-{name}",
            action="append",
            default=[],
            metavar=metavar,
            help=f"exclude {what.split(' (')[0]}",
            **extra,
        )


def selection_from(args: argparse.Namespace) -> tuple[tuple[str, ...], Selection]:
    """The families and the ``Selection`` the command line gives; ``ArgumentError`` for a
    rule name the kit does not know."""
    from conformance.engine.checks import rule_names
    from conformance.engine.selection import Selection
    from conformance.generation.cases import FAMILIES

    families = tuple(
        family
        for family in FAMILIES
        if (not args.family or family in args.family) and family not in args.exclude_family
    )
    if not families:
        from conformance.errors import ArgumentError

        raise ArgumentError("--family and --exclude-family leave no family to run")
    selection = Selection(
        rules=tuple(args.rule),
        exclude_rules=tuple(args.exclude_rule),
        members=tuple(args.member),
        exclude_members=tuple(args.exclude_member),
        test_ids=tuple(args.test_id),
        exclude_test_ids=tuple(args.exclude_test_id),
    )
    selection.check_rules(rule_names(), "--rule", "--exclude-rule")
    return families, selection


def _configure_connection(parser: argparse.ArgumentParser) -> None:
    """Headers and TLS for a real target (a proxy comes from the environment)."""
    group = parser.add_argument_group(
        "connection",
        "A proxy is taken from $HTTPS_PROXY / $HTTP_PROXY (and $NO_PROXY), as curl takes it.",
    )
    group.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="send this header with every request (repeatable); the values of Authorization, "
        "Cookie and key- or token-named headers print as *** unless --show-secrets",
    )
    tls.configure(group, "target")


class _Progress(ProgressLine):
    """``family done/total · N sent · R cases/s``: redrawn in place where stderr is a terminal;
    elsewhere (a CI log) a line of its own every ``PERIOD`` seconds, the first after
    ``FIRST`` seconds with the ``heading`` (what runs) before it. A run done sooner, or stopped
    by a set-up mistake (one message), prints none."""

    #: seconds before the first progress line off a terminal, and between two of them
    FIRST = 1.0
    PERIOD = 30.0

    def __init__(self, streams: Streams) -> None:
        super().__init__(streams.stderr)
        self.terminal = is_terminal(streams.stderr)
        self.started = time.monotonic()
        self.last_line = self.started
        self.family = ""
        self.total = 0
        self.done = 0
        self.heading = ""
        self.lines = 0

    def note(self, text: str) -> None:
        """A line of its own (a defect found): the progress line wiped first on a terminal;
        elsewhere the heading before the first line, so that a CI log says what runs."""
        self.clear()
        if not self.terminal and not self.lines and self.heading:
            self.stream.write(f"conformance fuzz: {self.heading}\n")
            self.lines += 1
        self.stream.write(text + "\n")
        self.stream.flush()

    def start_family(self, family: str, total: int) -> None:
        self.family, self.total, self.done = family, total, 0

    def __call__(self, sent: int, family: str) -> None:
        self.done += family == self.family
        now = time.monotonic()
        if self.terminal and sent % 20 != 0:
            return
        if not self.terminal and now - self.last_line < (self.PERIOD if self.lines else self.FIRST):
            return
        rate = sent / max(now - self.started, 1e-9)
        # the valid family's total is hypothesis's budget: shrinking may send more
        done = min(self.done, self.total) if self.total else self.done
        text = f"{family} {done}/{self.total} · {sent} cases sent · {rate:,.0f} cases/s"
        if self.terminal:
            self.draw(text)
        else:
            if not self.lines and self.heading:
                self.stream.write(f"conformance fuzz: {self.heading}\n")
            self.last_line, self.lines = now, self.lines + 1
            elapsed = now - self.started
            self.stream.write(f"conformance fuzz: {elapsed:.0f} s: {text}\n")
            self.stream.flush()


def settings_from(args: argparse.Namespace, token: str, **callbacks: Any) -> Settings:
    """The run's settings as the command line gives them (the create.sites run's and an
    OpenRPC run's alike); ``callbacks`` are the progress line's."""
    from conformance.engine.settings import DEFAULT_MAX_EXAMPLES, PROFILES, Settings

    families, selection = selection_from(args)
    return Settings(
        families=families,
        selection=selection,
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
        param_structure=args.param_structure,
        profile=args.profile or PROFILES[0],
        stop_at_first=args.exitfirst,
        max_timeouts=args.max_timeouts,
        max_failures=args.max_failures,
        max_response_time=args.max_response_time,
        headers=parse_headers(args.header),
        cacert=args.cacert,
        insecure=args.insecure,
        cert=args.cert,
        key=args.key,
        **callbacks,
    )


def parse_headers(given: list[str]) -> tuple[tuple[str, str], ...]:
    """``-H 'Name: value'`` options as pairs; ``ArgumentError`` for one without a name."""
    from conformance.engine.transport import parse_header

    return tuple(parse_header(header) for header in given)


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the contract and report; return the exit code. The secret headers' values are
    masked in everything the run shows or writes."""
    from conformance.errors import ArgumentError
    from conformance.reporting.redaction import masked_headers

    try:
        headers = parse_headers(args.header)
    except ArgumentError as error:
        streams.stderr.write(f"conformance fuzz: error: {error}\n")
        return EXIT_USAGE
    with masked_headers(headers), _hypothesis_storage_outside():
        return _run(args, streams)


@contextlib.contextmanager
def _hypothesis_storage_outside() -> Iterator[None]:
    """hypothesis writes ``.hypothesis/`` in the working folder; a run leaves none there unless
    the user chose one (an existing ``.hypothesis/``, ``$HYPOTHESIS_STORAGE_DIRECTORY``): it
    stores in a temporary folder, removed at the end (as the pytest plugin does)."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY") or os.path.exists(".hypothesis"):
        yield
        return
    import shutil
    import tempfile

    from hypothesis.configuration import set_hypothesis_home_dir

    folder = tempfile.mkdtemp(prefix="conformance-hypothesis-")
    set_hypothesis_home_dir(folder)
    try:
        yield
    finally:
        set_hypothesis_home_dir(None)
        shutil.rmtree(folder, ignore_errors=True)


def _run(args: argparse.Namespace, streams: Streams) -> int:
    from conformance.engine.hooks import HookFailed
    from conformance.engine.results import Interrupted
    from conformance.engine.runner import Terminated
    from conformance.engine.runner import run as run_contract
    from conformance.engine.setup import SetupFailed
    from conformance.errors import ArgumentError
    from conformance.validation.masking import mask_url

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
    progress = _Progress(streams)
    account: Account | None = None
    try:
        document = contracts.document_of(args)
        token = args.token
        findings = Findings(progress.note, token or contracts.NO_TOKEN, args.show_secrets)
        if not token and contracts.needs_token(document):
            why = (
                "the document names a secret param"
                if document is not None
                else "a token is required"
            )
            raise ArgumentError(f"{why}: --token TOKEN or ${TOKEN_ENV}")
        token = token or contracts.NO_TOKEN
        ci = fuzz_ci.CiRun.prepare(args)
        account = Account.prepare(args, token)
        settings = settings_from(
            args,
            token,
            progress=progress,
            on_family=progress.start_family,
            on_failure=findings,
            **account.settings(document is not None),
        )
        findings.baseline = ci.baseline
        contract = contracts.contract_of(document, settings, args.method, args.exclude_method)
        progress.heading = (
            f"{contract.name} against {mask_url(args.url, token)} (seed {settings.seed}, "
            f"{settings.max_examples} valid examples, timeout {settings.timeout:g} s)"
        )
        account.start(args.url, settings)
        report = run_contract(args.url, contract, settings=settings)
    except HookFailed:
        progress.clear()
        assert account is not None
        return account.finish(None, streams) or EXIT_HOOK
    except (ArgumentError, SetupFailed) as error:
        progress.clear()
        write_setup_error(args, streams, str(error))
        if account is not None:
            account.finish(None, streams)
        return fail(str(error))
    except Interrupted as interrupted:
        # the report so far and every file asked for, as for a whole run; then 130 or 143
        progress.clear()
        code = EXIT_TERMINATED if isinstance(interrupted, Terminated) else EXIT_INTERRUPTED
        report = interrupted.report
        assert account is not None
        written = _write(args, report, streams, ci, contract)
        finished = account.finish(report, streams)
        if EXIT_USAGE in (written, finished):
            return EXIT_USAGE
        return finished or code
    progress.clear()
    if report.stopped is not None and account.hook_error is None:  # a hook's: said at the end
        streams.stderr.write(f"conformance fuzz: {report.stopped}\n")
    code = _write(args, report, streams, ci, contract)
    return account.finish(report, streams) or code


def _write(
    args: argparse.Namespace, report: Any, streams: Streams, ci: fuzz_ci.CiRun, contract: Any
) -> int:
    """The report and the CI outputs; the exit code of a finished run."""
    try:
        write_report(args, report, streams.stdout, ci)
    except OSError as error:  # checked before the run; the file may have gone since
        streams.stderr.write(
            f"conformance fuzz: error: cannot write --junitxml {args.junitxml}: "
            f"{error.strerror or error}\n"
        )
        return EXIT_USAGE
    return ci.finish(report, contract, streams)
