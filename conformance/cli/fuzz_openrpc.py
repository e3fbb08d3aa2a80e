"""``conformance fuzz URL --openrpc FILE | --discover [--method NAME]``: the runner over the
methods an OpenRPC document describes (``conformance.openrpc.runner``)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from conformance.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, Streams

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


def discover(url: str, timeout: float) -> Any:
    """The document the target answers ``rpc.discover`` with."""
    from conformance.errors import PayloadError
    from conformance.fuzz.transport import Client, Target
    from conformance.openrpc.document import OpenRpcError, parse
    from conformance.validation.payloads import loads

    request = {"jsonrpc": "2.0", "id": 1, "method": "rpc.discover", "params": []}
    client = Client(Target.parse(url), timeout)
    try:
        answer = client.post(json.dumps(request).encode())
    finally:
        client.close()
    if answer.status is None:
        raise OpenRpcError(f"--discover: {url} gave no answer to rpc.discover: {answer.error}")
    try:
        reply = loads(answer.body)
    except PayloadError as error:
        raise OpenRpcError(f"--discover: rpc.discover's answer is not JSON: {error}") from None
    if not isinstance(reply, dict) or not isinstance(reply.get("result"), dict):
        shown = json.dumps(reply, ensure_ascii=False)[:200]
        raise OpenRpcError(f"--discover: rpc.discover gave no document: {shown}")
    return parse(reply["result"], f"{url} rpc.discover")


def _text(report: Any) -> str:
    lines = []
    for method in report.methods:
        families = ", ".join(f"{k} {v}" for k, v in method.report.families.items())
        verdict = "ok" if method.report.conforms else f"{len(method.report.failures)} failures"
        lines.append(f"{method.method}: {method.report.cases_sent} cases ({families}): {verdict}")
        lines.extend(f"  note: {note}" for note in method.notes)
        shown: set[tuple[str, str]] = set()
        for failure in method.report.failures:
            key = (failure.test_id, failure.rule)
            if key in shown:
                continue
            shown.add(key)
            lines.append(
                f"  FAIL {method.method}::{failure.test_id} {failure.rule}: {failure.message}"
                f" (case {failure.case})"
            )
    verdict = "conforms" if report.conforms else f"{len(report.failing_tests())} failing tests"
    lines.append(
        f"{report.source}: {len(report.methods)} methods, {report.cases_sent} cases in "
        f"{report.elapsed:.1f} s: {verdict}"
    )
    return "\n".join(lines) + "\n"


def _json(report: Any) -> str:
    document = {
        "target": report.target,
        "document": report.source,
        "conforms": report.conforms,
        "cases_sent": report.cases_sent,
        "methods": [
            {
                "method": m.method,
                "cases": m.report.cases_sent,
                "families": m.report.families,
                "notes": m.notes,
                "failures": [
                    {
                        "test_id": f"{m.method}::{f.test_id}",
                        "rule": f.rule,
                        "case": f.case,
                        "message": f.message,
                    }
                    for f in m.report.failures
                ],
            }
            for m in report.methods
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the document's methods; 0 conforms, 1 failures, 2 usage or setup, 130 Ctrl-C."""
    from conformance.errors import ArgumentError
    from conformance.fuzz.runner import DEFAULT_MAX_EXAMPLES, Interrupted, Settings, SetupFailed
    from conformance.openrpc.document import load
    from conformance.openrpc.runner import run_document

    def fail(message: str) -> int:
        streams.stderr.write(f"conformance fuzz: error: {message}\n")
        return EXIT_USAGE

    try:
        document = load(args.openrpc) if args.openrpc else discover(args.url, args.timeout)
        secret = any(
            param.extensions.get("x-secret") for m in document.methods for param in m.params
        )
        if secret and not args.token:
            return fail("the document names a secret param: --token TOKEN or its variable")
        settings = Settings(
            token=args.token or NO_TOKEN,
            role=args.role,
            user_id=args.user_id,
            scenario_id=args.scenario_id,
            seed=args.seed,
            max_examples=DEFAULT_MAX_EXAMPLES if args.max_examples is None else args.max_examples,
            timeout=args.timeout,
        )
        report = run_document(args.url, document, settings=settings, methods=args.method)
    except (ArgumentError, SetupFailed) as error:
        return fail(str(error))
    except Interrupted:
        return EXIT_INTERRUPTED
    streams.stdout.write(_json(report) if args.output == "json" else _text(report))
    return EXIT_OK if report.conforms else EXIT_FAILED
