"""The ``conformance`` command: ``validate``, ``serve``, ``fuzz``, ``replay``, ``export``,
``proxy`` and ``mock``.

Parsing is separate from running: ``main(argv, streams)`` parses, hands the parsed arguments
to the subcommand's ``run`` and returns its exit code, so tests call it with their own streams.
Each subcommand is a module of this package with ``HELP``, ``configure(parser)`` and
``run(args, streams) -> int``; its top level stays light (heavy imports go inside ``run``) so
that a cold ``conformance validate`` starts fast.

Exit codes, for every subcommand: 0 success, 1 the payloads or the target break the contract,
2 usage error, unreadable input or unreachable target, 130 interrupted (Ctrl-C). Each
subcommand's ``--help`` lists its own in an epilog.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
from dataclasses import dataclass, field
from typing import IO, Final, NoReturn

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
#: A hook of ``--hooks`` raised (``conformance fuzz``).
EXIT_HOOK: Final = 3
#: Ctrl-C, as a shell reports a process ended by SIGINT (128 + 2).
EXIT_INTERRUPTED: Final = 130
#: SIGTERM (CI's timeout or cancel), as a shell reports a process it ended (128 + 15).
EXIT_TERMINATED: Final = 143

#: The distribution's name (``pip install create-sites-conformance``).
DISTRIBUTION: Final = "create-sites-conformance"

#: The subcommands, each the name of a module in this package.
SUBCOMMANDS: Final = ("validate", "serve", "fuzz", "replay", "export", "proxy", "mock")


@dataclass
class Streams:
    """Where a command reads and writes; tests pass their own."""

    stdin: IO[bytes] = field(default_factory=lambda: sys.stdin.buffer)
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)


class UsageError(Exception):
    """A command line the parser refuses; its message is printed with the usage."""


class _Parser(argparse.ArgumentParser):
    """Errors raised as ``UsageError``; an unknown option is told with the closest known one
    (``--tokn``: did you mean ``--token``?) and the usage of the subcommand it was given to."""

    #: the subcommands' parsers, by name (the top-level parser's)
    subcommands: dict[str, argparse.ArgumentParser]

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self.argv = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        argv: list[str] = getattr(self, "argv", [])
        subcommands = getattr(self, "subcommands", {})
        command = next((word for word in argv if word in subcommands), None)
        parser: argparse.ArgumentParser = subcommands[command] if command else self
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            message += _did_you_mean(parser, message.removeprefix(prefix).split())
        elif command is None and subcommands:  # "--versoin": no COMMAND, an unknown option
            unknown = [word for word in argv if word.startswith("-") and not _known(self, word)]
            if unknown:
                message = prefix + " ".join(unknown) + _did_you_mean(self, unknown)
        raise UsageError(f"{parser.format_usage()}{parser.prog}: error: {message}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise SystemExit(status) if message is None else UsageError(message)


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return [option for action in parser._actions for option in action.option_strings]


def _known(parser: argparse.ArgumentParser, word: str) -> bool:
    return word.split("=", 1)[0] in _options(parser)


def _did_you_mean(parser: argparse.ArgumentParser, words: list[str]) -> str:
    """`` (did you mean --token?)`` for the unknown options among ``words``, where one is
    close to a known option; else nothing."""
    import difflib

    known = [option for option in _options(parser) if option.startswith("--")]
    hints = []
    for word in words:
        if not word.startswith("--") or _known(parser, word):
            continue
        close = difflib.get_close_matches(word.split("=", 1)[0], known, n=1, cutoff=0.6)
        if close:
            hints.append(f"{word.split('=', 1)[0]}: did you mean {close[0]}?")
    return f" ({'; '.join(hints)})" if hints else ""


def listen_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8080``; an empty host is 127.0.0.1) for ``--listen``."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"must be HOST:PORT, a port 0 to 65535; got {text!r}")
    return host, int(port)


def is_terminal(stream: IO[str]) -> bool:
    """Whether ``stream`` is a terminal (where progress lines are drawn)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def version() -> str:
    """The kit's version: ``conformance.__version__``, the one place it is written (an
    editable install's metadata keeps the version of its install; this never goes stale)."""
    from conformance import __version__

    return __version__


class _VersionAction(argparse.Action):
    """``--version``, looked up only when asked for."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        sys.stdout.write(f"conformance {version()} ({DISTRIBUTION})\n")
        raise SystemExit(EXIT_OK)


EPILOG = """exit codes (every subcommand):
  0    success
  1    the payloads or the target break the contract
  2    usage error, unreadable input, or a target the run cannot use
  130  interrupted (Ctrl-C)

Run `conformance COMMAND --help` for a subcommand's options.
"""


def build_parser() -> argparse.ArgumentParser:
    """The parser of the whole command, every subcommand included."""
    parser = _Parser(
        prog="conformance",
        description="The create.sites conformance kit.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.subcommands = {}
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"conformance.cli.{name}")
        sub = commands.add_parser(
            name,
            help=module.HELP,
            description=textwrap.fill(module.HELP, 79),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.configure(sub)
        sub.set_defaults(run=module.run)
        parser.subcommands[name] = sub
    return parser


def main(argv: list[str] | None = None, streams: Streams | None = None) -> int:
    """Run the command line ``argv`` and return its exit code."""
    streams = streams or Streams()
    parser = build_parser()
    try:
        # --help prints through argparse to sys.stdout; point it at our stream
        stdout, sys.stdout = sys.stdout, streams.stdout
        try:
            args = parser.parse_args(sys.argv[1:] if argv is None else argv)
        finally:
            sys.stdout = stdout
    except UsageError as error:
        streams.stderr.write(f"{error}\n")
        return EXIT_USAGE
    except SystemExit as done:
        return int(done.code or 0)
    code: int = args.run(args, streams)
    return code


def entry_point() -> NoReturn:
    """The console script; a Ctrl-C outside a subcommand's own handling exits 130 quietly."""
    try:
        code = main()
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    sys.exit(code)
