"""``conformance export openrpc``: write the contract as an OpenRPC document."""

from __future__ import annotations

import argparse
from pathlib import Path

from conformance.cli import EXIT_OK, EXIT_USAGE, Streams

HELP = (
    "Write the create.sites contract in another description format: `openrpc` writes an "
    "OpenRPC 1.3.2 document (by-name params, the result, the errors, the examples; what "
    "OpenRPC cannot say in documented x- extensions) to standard output or --output."
)

#: The formats ``export`` writes.
FORMATS = ("openrpc",)

EPILOG = """\
The document is the one the reference server answers `rpc.discover` with, and the one
`conformance fuzz URL --openrpc FILE` reads.

exit codes:
  0    the document was written
  2    a usage error (an unknown format or revision), or an output that cannot be written
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``export``."""
    parser.epilog = EPILOG
    parser.add_argument("format", choices=FORMATS, help="the format to write: openrpc")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="write the document to FILE (default: standard output)",
    )
    parser.add_argument(
        "--revision",
        metavar="R",
        help="the contract revision to describe (default: the contract this kit bundles)",
    )


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Write the document; 2 for a revision the kit does not have or an unwritable output."""
    from conformance.errors import ArgumentError
    from conformance.openrpc.export import document_bytes

    try:
        data = document_bytes(args.revision)
    except ArgumentError as error:
        streams.stderr.write(f"conformance export: --revision: {error}\n")
        return EXIT_USAGE
    if args.output is None:
        streams.stdout.write(data.decode("utf-8"))
        return EXIT_OK
    try:
        args.output.write_bytes(data)
    except OSError as error:
        streams.stderr.write(
            f"conformance export: --output {args.output}: cannot write: {error.strerror or error}\n"
        )
        return EXIT_USAGE
    return EXIT_OK
