"""``conformance validate --traffic FILE``: captured JSON-RPC exchanges judged as the proxy
judges them live (``conformance.traffic.files``), each violation printed as it is found, then
the same summary and reports as ``conformance proxy``'s. Exit 0: no violation; 1: some, by
either side; 2: a usage error, or a file that cannot be read as traffic (one line naming the
file, and the entry or line); 130: interrupted, the summary so far printed.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from conformance.contract import DEFAULT_REVISION

if TYPE_CHECKING:
    from conformance.cli import Streams
    from conformance.traffic.tally import Violation

#: What the reports name the command.
TOOL = "conformance validate --traffic"


def _refused(args: argparse.Namespace) -> str | None:
    """Why the options cannot go with --traffic, or ``None``."""
    if args.files:
        return "give payload FILEs or --traffic FILE, not both"
    for option in ("kind", "glob", "lenient"):
        if getattr(args, option):
            why = " (traffic is judged without the kit's decisions unless --strict)"
            return f"--{option} is for payload files{why if option == 'lenient' else ''}"
    if args.openrpc and args.revision != DEFAULT_REVISION:
        return "--revision names a revision of create.sites; --openrpc's contract is its own"
    if args.profile and not args.openrpc:
        return (
            "--profile names what judges an OpenRPC document (the bundled create.sites "
            "contract is the vendor's): add --openrpc"
        )
    return None


def run_traffic(args: argparse.Namespace, streams: Streams) -> int:
    """Judge every exchange of every --traffic file; the reports; the exit code."""
    from conformance.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
    from conformance.cli.fuzz.output import check_writable, write
    from conformance.errors import ArgumentError
    from conformance.traffic import reports
    from conformance.traffic.files import judge_file
    from conformance.traffic.spec import ContractSpec

    def fail(message: str) -> int:
        streams.stderr.write(f"conformance validate: error: {message}\n")
        return EXIT_USAGE

    why = _refused(args)
    for option, path in (("--junitxml", args.junitxml), ("--report-html", args.report_html)):
        cannot = check_writable(path) if why is None and path else None
        why = why if cannot is None else f"cannot write {option} {path}: {cannot}"
    if why is not None:
        return fail(why)
    spec = ContractSpec(args.revision, args.role, args.strict, args.openrpc, args.profile)
    try:
        judge = spec.judge(show_secrets=args.show_secrets)
    except ArgumentError as error:
        return fail(str(error))

    def show(violation: Violation) -> None:
        if args.output != "json":
            streams.stdout.write(reports.violation_line(violation, args.output) + "\n")

    origin = reports.Origin(
        TOOL, judge.contract.name, "in " + ", ".join(args.traffic), "read", "traffic",
        {"files": list(args.traffic)}, judge.contract.profile,
    )  # fmt: skip
    code = EXIT_OK
    try:
        for path in args.traffic:
            judge_file(judge, path, show)
    except ArgumentError as error:
        return fail(str(error))
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    tally = judge.tally
    if args.output == "json":
        streams.stdout.write(reports.to_json(tally, origin) + "\n")
    elif args.output == "jsonl":
        line = reports.summary_line(tally, origin)
        streams.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    else:
        streams.stdout.write(reports.to_text(tally, origin))
    if args.output == "github":
        streams.stdout.write(reports.to_github(tally, origin))
        reports.github_summary(tally, origin)
    for option, path, made in (
        ("--junitxml", args.junitxml, reports.to_junit),
        ("--report-html", args.report_html, reports.to_html),
    ):
        if not path:
            continue
        try:
            write(path, made(tally, origin))
        except OSError as error:
            return fail(f"cannot write {option} {path}: {error.strerror or error}")
    if code != EXIT_OK:
        return code
    return EXIT_FAILED if tally.count else EXIT_OK


__all__ = ["TOOL", "run_traffic"]
