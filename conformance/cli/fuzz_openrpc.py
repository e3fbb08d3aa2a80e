"""``conformance fuzz URL --openrpc FILE | --discover [--method NAME]``: the runner over the
methods an OpenRPC document describes (``conformance.openrpc.runner``)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Final

from conformance.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, Streams

if TYPE_CHECKING:
    from conformance.openrpc.document import Document

#: The token sent where the document names no secret param and none was given.
NO_TOKEN = "no-token"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``--openrpc``, ``--discover`` and ``--method`` to ``fuzz``."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--openrpc",
        metavar="FILE",
        help="run every method the OpenRPC document FILE describes, instead of create.sites",
    )
    source.add_argument(
        "--discover",
        action="store_true",
        help="as --openrpc, with the document the target's rpc.discover answers",
    )
    parser.add_argument(
        "--method",
        action="append",
        default=[],
        metavar="NAME",
        help="with --openrpc or --discover: run only this method (repeatable)",
    )


def wanted(args: argparse.Namespace) -> bool:
    """Whether the command line asks for an OpenRPC run."""
    return bool(getattr(args, "openrpc", None) or getattr(args, "discover", False))


def discover(url: str, timeout: float) -> Document:
    """The document the target answers ``rpc.discover`` with (``--discover``)."""
    from conformance.openrpc.discovery import discover as ask
    from conformance.openrpc.document import OpenRpcError

    try:
        return ask(url, timeout)
    except OpenRpcError as error:
        raise OpenRpcError(f"--discover: {error}") from None


#: CI options of the create.sites run that an OpenRPC run does not take yet: dest, then option.
NOT_YET: Final = {
    "baseline": "--baseline",
    "baseline_update": "--baseline-update",
    "baseline_prune": "--baseline-prune",
    "report_html": "--report-html",
    "code_revision": "--code-revision",
}


def refused_option(args: argparse.Namespace) -> str | None:
    """Why the command line asks an OpenRPC run for what it cannot do, or ``None``: an option
    silently ignored would leave a CI pipeline believing it was honoured."""
    from pathlib import Path

    from conformance.cli.fuzz_ci import DEFAULT_SAVE_FOLDER
    from conformance.contract import DEFAULT_REVISION

    for name, option in NOT_YET.items():
        if getattr(args, name, None):
            return (
                f"{option} is not supported with --openrpc or --discover yet: an OpenRPC run "
                "reports in --output text or json and in --junitxml"
            )
    if args.output == "github":
        return "--output github is not supported with --openrpc or --discover yet: use text or json"
    if args.save_failures != Path(DEFAULT_SAVE_FOLDER) and not args.no_save_failures:
        return (
            "--save-failures is not supported with --openrpc or --discover yet: each failure "
            "is reported with its request, its reply and a curl command instead"
        )
    if args.revision != DEFAULT_REVISION:
        return (
            "--revision names a revision of the built-in create.sites contract; an OpenRPC run "
            "takes its contract from the document (conformance export openrpc --revision "
            f"{args.revision} writes that revision as one)"
        )
    return None


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the document's methods; 0 conforms, 1 failures, 2 usage or setup, 130 Ctrl-C."""
    from conformance.cli.fuzz import check_writable, settings_from, write, write_setup_error
    from conformance.engine.runner import SetupFailed
    from conformance.errors import ArgumentError
    from conformance.openrpc import document_report
    from conformance.openrpc.document import load
    from conformance.openrpc.runner import DocumentInterrupted, DocumentReport, run_document

    def fail(message: str) -> int:
        streams.stderr.write(f"conformance fuzz: error: {message}\n")
        return EXIT_USAGE

    def report(result: DocumentReport) -> None:
        secrets = args.show_secrets
        shown = document_report.to_json if args.output == "json" else document_report.to_text
        streams.stdout.write(shown(result, show_secrets=secrets))
        if args.junitxml:
            write(args.junitxml, document_report.to_junit(result, show_secrets=secrets))

    refused = refused_option(args)
    if refused is not None:
        return fail(refused)
    if args.junitxml:
        why = check_writable(args.junitxml)
        if why is not None:
            return fail(f"cannot write --junitxml {args.junitxml}: {why}")
    try:
        document = load(args.openrpc) if args.openrpc else discover(args.url, args.timeout)
        secret = any(
            param.extensions.get("x-secret") for m in document.methods for param in m.params
        )
        if secret and not args.token:
            raise ArgumentError("the document names a secret param: --token TOKEN or its variable")
        settings = settings_from(args, args.token or NO_TOKEN)
        result = run_document(args.url, document, settings=settings, methods=args.method)
    except (ArgumentError, SetupFailed) as error:
        write_setup_error(args, streams, str(error))
        return fail(str(error))
    except DocumentInterrupted as interrupted:
        report(interrupted.report)
        return EXIT_INTERRUPTED
    try:
        report(result)
    except OSError as error:  # checked before the run; the file may have gone since
        return fail(f"cannot write --junitxml {args.junitxml}: {error.strerror or error}")
    return EXIT_OK if result.conforms else EXIT_FAILED
