"""``conformance validate``: check payload files against the contract (a CI gate)."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

from conformance.cli.progress import ProgressLine
from conformance.contract import DEFAULT_REVISION, KINDS, REVISIONS, ROLES
from conformance.engine.settings import PROFILES

if TYPE_CHECKING:
    from conformance.cli import Streams
    from conformance.validation.files import Outcome, Reporter, Summary

HELP = (
    "Validate JSON or JSON Lines payload files (a folder: the files in it; - for stdin) "
    "against the contract; or, with --traffic, captured JSON-RPC exchanges (HAR)."
)

#: The files a folder given as FILE contributes, unless --glob says otherwise.
DEFAULT_GLOBS = ("*.json", "*.jsonl", "*.ndjson")

EPILOG = """\
A file is JSON Lines (one payload a line, read in constant memory) when its name ends in
.jsonl or .ndjson, when its first non-blank line is a whole JSON value, or when two of its
lines are whole JSON objects or arrays; otherwise it is one JSON document. An access token in
a reported value prints as *** unless --show-secrets.

With --traffic FILE (HAR 1.2, as browsers, mitmproxy, Charles and `fuzz --record` or
`proxy --record` write it; or JSON Lines of HAR entries, named *.jsonl or *.ndjson), each
JSON-RPC exchange is judged as `conformance proxy` judges it live: the request against
JSON-RPC 2.0 and the params schemas (a violation is the client's), the reply against the
reply checks of a fuzz run (a violation is the server's). The kit's own decisions are judged
only with --strict, as the proxy judges them.

exit codes:
  0    every payload is valid (--traffic: no exchange broke the contract)
  1    some payload is invalid (--traffic: some exchange broke it, by either side)
  2    usage error, or some input unreadable (missing file, not UTF-8, not JSON; --traffic:
       a file that is no HAR, the entry or line named)
  130  interrupted (Ctrl-C): the summary so far is printed
"""

#: A progress line appears once a check has taken this long (and only on a terminal).
PROGRESS_AFTER_SECONDS = 1.0


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``validate``."""
    from conformance.validation.reporters import REPORTERS

    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="JSON or JSON Lines files; a folder: the files in it and its subfolders that "
        "--glob matches; - reads stdin",
    )
    parser.add_argument(
        "--traffic",
        action="append",
        metavar="FILE",
        help="judge the JSON-RPC exchanges captured in FILE (HAR 1.2, or JSON Lines of HAR "
        "entries: *.jsonl, *.ndjson) instead of payload files; repeatable",
    )
    parser.add_argument(
        "--openrpc",
        metavar="DOC",
        help="with --traffic: judge by the OpenRPC document DOC instead of create.sites",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        help="with --traffic and --openrpc: what judges the document: document (default: all "
        "it says, its vendor x- extensions included: mnemonics, error.data, refused batches "
        "and notifications) or jsonrpc (JSON-RPC 2.0 and its schemas alone; x-secret values "
        "still masked), as fuzz --profile",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="with --traffic: also judge the kit's own decisions (payload files are judged "
        "with them unless --lenient)",
    )
    parser.add_argument(
        "--junitxml",
        metavar="PATH",
        help="with --traffic: also write a JUnit XML report, a test case per side and rule",
    )
    parser.add_argument(
        "--report-html",
        metavar="PATH",
        help="with --traffic: also write a self-contained HTML report",
    )
    parser.add_argument(
        "--glob",
        metavar="PATTERN",
        help=f"the files a folder contributes (default: {', '.join(DEFAULT_GLOBS)})",
    )
    parser.add_argument("--kind", choices=KINDS, help="default: request")
    parser.add_argument(
        "--role",
        choices=ROLES,
        default="customer",
        help="the caller's role, for requests and params (an agent must send user_id); "
        "default: customer",
    )
    parser.add_argument(
        "--revision",
        choices=REVISIONS,
        default=DEFAULT_REVISION,
        help="the contract's revision: seed (the method page this kit encodes; default) or "
        "current (the vendor's live page: name, 19 industries, result.data)",
    )
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="leave out the kit's own decisions (the schemas' x-decisions: a 32-bit bound on an "
        "unbounded member, an empty link text, a fractional id, ...), as a default fuzz run "
        "judges a server",
    )
    parser.add_argument(
        "--output",
        choices=sorted({*REPORTERS, "jsonl"}),
        default="text",
        help="default: text; jsonl (--traffic only): each violation as one JSON object a line",
    )
    parser.add_argument(
        "--show-secrets",
        action="store_true",
        help="show access tokens in reported values instead of ***",
    )
    parser.epilog = EPILOG


def expand(files: list[str], pattern: str | None) -> tuple[list[str], list[str]]:
    """``files`` with each folder replaced by the files in it (and its subfolders) that
    ``pattern`` matches, in name order; with the folders none matched in."""
    from pathlib import Path

    expanded: list[str] = []
    empty: list[str] = []
    for name in files:
        folder = Path(name)
        if name == "-" or not folder.is_dir():
            expanded.append(name)
            continue
        found = sorted(
            {str(path) for glob in ((pattern,) if pattern else DEFAULT_GLOBS)
             for path in folder.rglob(glob) if path.is_file()}
        )  # fmt: skip
        if not found:
            empty.append(name)
        expanded.extend(found)
    return expanded, empty


class _ReplyHint:
    """Passes outcomes on; notes the requests that look like replies (a ``result`` or
    ``error`` member where a request has none), for one hint at the end."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.replies = 0

    def outcome(self, outcome: Outcome) -> None:
        if any(
            v.keyword == "additionalProperties" and v.path in (("result",), ("error",))
            for v in outcome.violations
        ):
            self.replies += 1
        self.reporter.outcome(outcome)

    def finish(self, summary: Summary) -> None:
        self.reporter.finish(summary)


class _Progress(ProgressLine):
    """``N payloads checked (R/s)``, redrawn in place on stderr once the check has taken
    ``PROGRESS_AFTER_SECONDS``: a short check shows nothing."""

    def __init__(self, streams: Streams) -> None:
        super().__init__(streams.stderr)
        self.started = time.monotonic()
        self.next_draw = self.started + PROGRESS_AFTER_SECONDS

    def __call__(self, summary: Summary, source: str) -> None:
        now = time.monotonic()
        if now < self.next_draw:
            return
        self.next_draw = now + 0.25
        rate = summary.checked / (now - self.started)
        self.draw(f"{summary.checked:,} payloads checked ({rate:,.0f}/s): {source[-40:]}")


class _ClearingReporter:
    """Clears the progress line before the report writes to the same terminal."""

    def __init__(self, reporter: Reporter, progress: _Progress) -> None:
        self.reporter = reporter
        self.progress = progress

    def outcome(self, outcome: Outcome) -> None:
        if not outcome.valid:
            self.progress.clear()
        self.reporter.outcome(outcome)

    def finish(self, summary: Summary) -> None:
        self.progress.clear()
        self.reporter.finish(summary)


def _usage(streams: Streams, message: str) -> int:
    from conformance.cli import EXIT_USAGE

    # as argparse says its own usage errors: the usage, then the error
    streams.stderr.write(
        "usage: conformance validate [options] FILE [FILE ...]\n"
        "       conformance validate --traffic FILE [options]\n"
        f"conformance validate: error: {message}\n"
    )
    return EXIT_USAGE


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Validate every payload of every file, reporting as it goes (constant memory)."""
    from conformance.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, is_terminal
    from conformance.validation.files import check_sources
    from conformance.validation.reporters import REPORTERS

    if args.traffic:
        from conformance.cli.traffic import run_traffic

        return run_traffic(args, streams)
    for option in ("openrpc", "profile", "strict", "junitxml", "report_html"):
        if getattr(args, option):
            return _usage(streams, f"--{option.replace('_', '-')} is for --traffic")
    if args.output == "jsonl":
        return _usage(streams, "--output jsonl is for --traffic")
    if not args.files:
        return _usage(streams, "give a FILE (or --traffic FILE)")
    kind = args.kind or "request"
    files, empty = expand(args.files, args.glob)
    if empty:
        said = f"--glob {args.glob}" if args.glob else "*.json, *.jsonl or *.ndjson"
        streams.stderr.write(
            f"conformance validate: error: no file in {', '.join(empty)} matches {said}\n"
        )
        return EXIT_USAGE
    hint = _ReplyHint(REPORTERS[args.output](streams.stdout))
    reporter: Reporter = hint
    progress = _Progress(streams) if is_terminal(streams.stderr) else None
    if progress is not None:
        reporter = _ClearingReporter(reporter, progress)
    try:
        summary = check_sources(
            files,
            kind,
            args.role,
            reporter,
            streams.stdin,
            show_secrets=args.show_secrets,
            progress=progress,
            revision=args.revision,
            strict=not args.lenient,
        )
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED  # the reporter has written the summary so far
    if hint.replies and kind != "reply":
        streams.stderr.write(
            f"conformance validate: hint: {hint.replies} payload(s) look like replies (a "
            f"`result` or `error` member, which no {kind} has): check them with "
            "--kind reply\n"
        )
    if summary.unreadable:
        return EXIT_USAGE
    return EXIT_FAILED if summary.invalid else EXIT_OK
