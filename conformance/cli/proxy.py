"""``conformance proxy --upstream URL``: check live traffic against the contract.

A JSON-RPC-aware HTTP proxy: each exchange forwarded unchanged, both sides judged
(``conformance.proxy``), each violation printed as it happens; at SIGINT or SIGTERM, the
session's reports. Exit 0: no violation; 1: at least one, by either side; 2: a usage error, a
document that cannot be read or found, or an address the proxy cannot listen on.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from conformance.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, listen_address, tls
from conformance.contract import DEFAULT_REVISION, REVISIONS
from conformance.engine.settings import PROFILES

if TYPE_CHECKING:
    import ssl

    from conformance.cli import Streams
    from conformance.proxy.reports import Recorder
    from conformance.proxy.server import Upstream
    from conformance.traffic.contracts import TrafficContract

HELP = (
    "Forward JSON-RPC traffic to a server unchanged and check both sides against the contract "
    "(create.sites, or an OpenRPC document): each violation printed as it happens, said to be "
    "the client's or the server's; exit 1 if any."
)

#: The environment variable the token is read from (as ``conformance fuzz`` reads it).
TOKEN_ENV = "CONFORMANCE_TARGET_TOKEN"

DEFAULT_LISTEN = "127.0.0.1:8081"

EPILOG = f"""\
Point the client at the proxy's URL (the first line on stderr) instead of the server's.
--record FILE keeps every exchange as HAR 1.2, masked, for `conformance validate --traffic`.
Requests are judged against JSON-RPC 2.0 and the params schemas (a violation is the
client's), replies against the reply checks of a fuzz run (a violation is the server's).
Tokens, secret params and the values of secret headers print as *** unless --show-secrets.

exit codes:
  0    stopped by SIGINT or SIGTERM, and no exchange broke the contract
  1    stopped, and some exchange broke the contract (the client's or the server's)
  2    usage error; a document that cannot be read, or found with --discover; TLS
       files that cannot be read (--cacert, --cert, --key); an address the proxy
       cannot listen on (said in one line)

An https:// upstream whose certificate is not verified (or that refuses the client
certificate) is answered to the client as an unreachable one: HTTP 502, a text body
saying why, one line on stderr; nothing is judged.

The token is read from ${TOKEN_ENV} when --token is not given; the proxy needs none, and
masks it where it shows.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``conformance proxy``."""
    parser.add_argument(
        "--upstream", required=True, metavar="URL", help="the server's endpoint to forward to"
    )
    parser.add_argument(
        "--listen",
        type=listen_address,
        default=listen_address(DEFAULT_LISTEN),
        metavar="HOST:PORT",
        help=f"where the proxy listens (default: {DEFAULT_LISTEN}; port 0 picks a free one)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--openrpc",
        metavar="FILE",
        help="judge by the OpenRPC document FILE instead of create.sites",
    )
    source.add_argument(
        "--discover",
        action="store_true",
        help="as --openrpc, with the document the upstream answers rpc.discover with",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        help="with --openrpc or --discover: what judges the document: document (default: all "
        "it says, its vendor x- extensions included: mnemonics, error.data, refused batches "
        "and notifications) or jsonrpc (JSON-RPC 2.0 and its schemas alone; x-secret values "
        "still masked), as fuzz --profile",
    )
    parser.add_argument(
        "--revision",
        choices=REVISIONS,
        default=DEFAULT_REVISION,
        help="the create.sites contract's revision the traffic keeps (default: seed)",
    )
    parser.add_argument(
        "--role",
        choices=("customer", "agent"),
        default="customer",
        help="the callers' role, whose params schema requests are judged by (default: customer)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"a token to mask wherever it shows (default: ${TOKEN_ENV})",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also judge the kit's own decisions (a 32-bit bound, ...), as fuzz --strict does",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds to wait for the upstream's answer (default: 30; then HTTP 504)",
    )
    parser.add_argument(
        "--output",
        choices=("text", "jsonl", "github"),
        default="text",
        help="each violation as text (default) or one JSON object a line; github: text, then "
        "::error annotations and $GITHUB_STEP_SUMMARY at the end",
    )
    parser.add_argument(
        "--json", metavar="PATH", help="at the end, write the session's report as JSON"
    )
    parser.add_argument(
        "--junitxml", metavar="PATH", help="at the end, write a JUnit XML report (checked first)"
    )
    parser.add_argument(
        "--report-html",
        metavar="PATH",
        help="at the end, write a self-contained HTML report (checked first)",
    )
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="write every exchange forwarded to FILE as HAR 1.2 (secrets masked whatever "
        "--show-secrets says), for `conformance validate --traffic FILE` later",
    )
    parser.add_argument(
        "--show-secrets", action="store_true", help="do not mask tokens and secrets as ***"
    )
    tls.configure(
        parser.add_argument_group("TLS", "For an https:// upstream, as conformance fuzz has them."),
        "upstream",
    )
    parser.epilog = EPILOG


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Forward and judge until SIGINT or SIGTERM; then the reports and the exit code."""
    from conformance.cli.fuzz.output import check_writable, write
    from conformance.errors import ArgumentError
    from conformance.proxy.reports import origin
    from conformance.proxy.server import Upstream
    from conformance.traffic import reports

    def fail(message: str) -> int:
        streams.stderr.write(f"conformance proxy: error: {message}\n")
        return EXIT_USAGE

    if (args.openrpc or args.discover) and args.revision != DEFAULT_REVISION:
        return fail("--revision names a revision of create.sites; --openrpc's contract is its own")
    if args.profile and not (args.openrpc or args.discover):
        return fail(
            "--profile names what judges an OpenRPC document (the bundled create.sites "
            "contract is the vendor's): add --openrpc or --discover"
        )
    for option, path in (
        ("--json", args.json),
        ("--junitxml", args.junitxml),
        ("--report-html", args.report_html),
        ("--record", args.record),
    ):
        why = check_writable(path) if path else None
        if why is not None:
            return fail(f"cannot write {option} {path}: {why}")
    try:
        upstream = Upstream.parse(args.upstream)
        # TLS files that cannot be read are refused before the proxy listens
        context = tls.context_of(args, upstream.url)
        contract = _contract(args, context)
    except ArgumentError as error:
        return fail(str(error))
    try:
        recorder = _serve(args, streams, upstream, contract, context)
    except OSError as error:
        host, port = args.listen
        return fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
    tally = recorder.tally
    said = origin(contract.name, upstream.url, contract.profile)
    if args.output == "jsonl":
        streams.stdout.write(_json_line(reports.summary_line(tally, said)))
    else:
        streams.stdout.write(reports.to_text(tally, said))
    if args.output == "github":
        streams.stdout.write(reports.to_github(tally, said))
        reports.github_summary(tally, said)
    try:
        if args.json:
            write(args.json, reports.to_json(tally, said) + "\n")
        if args.junitxml:
            write(args.junitxml, reports.to_junit(tally, said))
        if args.report_html:
            write(args.report_html, reports.to_html(tally, said))
    except OSError as error:
        return fail(f"cannot write a report: {error.strerror or error}")
    return EXIT_FAILED if tally.count else EXIT_OK


def _json_line(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False) + "\n"


def _contract(args: argparse.Namespace, context: ssl.SSLContext | None) -> TrafficContract:
    """The contract traffic is judged against (``--discover`` asks the upstream over TLS with
    ``context``)."""
    from conformance.openrpc.profiles import DEFAULT_PROFILE
    from conformance.traffic.contracts import BundledTraffic, DocumentTraffic

    profile = args.profile or DEFAULT_PROFILE
    if args.openrpc:
        from conformance.openrpc.document import load

        return DocumentTraffic(load(args.openrpc), role=args.role, profile=profile)
    if args.discover:
        from conformance.openrpc.discovery import discover
        from conformance.openrpc.document import OpenRpcError

        try:
            document = discover(args.upstream, args.timeout, context)
            return DocumentTraffic(document, role=args.role, profile=profile)
        except OpenRpcError as error:
            raise OpenRpcError(f"--discover: {error}") from None
    return BundledTraffic(args.revision, role=args.role, strict=args.strict)


def _serve(
    args: argparse.Namespace,
    streams: Streams,
    upstream: Upstream,
    contract: TrafficContract,
    context: ssl.SSLContext | None,
) -> Recorder:
    """Forward and judge until SIGINT or SIGTERM; the recorder, every exchange judged whole."""
    from conformance.cli.serve import wait_for_signal
    from conformance.engine.checks import RunState
    from conformance.proxy.reports import Recorder, origin
    from conformance.proxy.server import ProxyServer

    state = RunState(revision=args.revision, role=args.role, hints=False, strict=args.strict)
    log = None
    if args.record:
        from conformance.proxy.recording import HarLog

        log = HarLog(args.record, upstream, contract, args.token)
    recorder = Recorder(
        contract,
        state,
        streams.stdout,
        output=args.output,
        token=args.token,
        show_secrets=args.show_secrets,
        log=log,
    )

    def report_error(message: str) -> None:
        streams.stderr.write(f"conformance proxy: {message}\n")
        streams.stderr.flush()

    try:
        server = ProxyServer(
            args.listen, upstream, recorder.observe, report_error=report_error,
            timeout=args.timeout, upstream_tls=context,
        )  # fmt: skip
    except OSError:
        recorder.close()  # the log, if any, ends whole (and empty)
        raise

    def announce() -> None:
        streams.stderr.write(
            f"conformance proxy: listening on {server.url}, forwarding to {upstream.url}, "
            f"judging by {origin(contract.name, upstream.url, contract.profile).judged_by}\n"
        )
        streams.stderr.flush()

    try:
        with server.running():
            wait_for_signal(announce)
    finally:
        recorder.close()
    return recorder
