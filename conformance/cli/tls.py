"""The TLS options of the commands that connect to a server over ``https://``: ``conformance
fuzz`` (its target) and ``conformance proxy`` (its upstream), one set of options and one
meaning (``conformance.engine.transport.tls_context``)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl


def configure(group: argparse._ArgumentGroup, server: str) -> None:
    """Add ``--cacert``, ``--insecure``, ``--cert`` and ``--key`` to ``group``; ``server``
    names what they connect to (``target``, ``upstream``)."""
    group.add_argument(
        "--cacert", metavar="FILE", help=f"verify an https:// {server} with this CA bundle (PEM)"
    )
    group.add_argument(
        "--insecure",
        action="store_true",
        help=f"do not verify an https:// {server}'s certificate",
    )
    group.add_argument("--cert", metavar="FILE", help="a client certificate (PEM) for TLS")
    group.add_argument("--key", metavar="FILE", help="the client certificate's key (PEM)")


def context_of(args: argparse.Namespace, url: str) -> ssl.SSLContext | None:
    """The TLS context the options give for ``url`` (``None``: not ``https://``), built now so
    that a file that cannot be read is refused before anything is sent or listened on;
    ``ArgumentError`` saying which, in the words ``conformance fuzz`` uses."""
    from conformance.engine.transport import tls_context
    from conformance.errors import ArgumentError

    if args.key is not None and args.cert is None:
        raise ArgumentError("--key needs --cert")
    if not url.lower().startswith("https://"):
        return None
    return tls_context(args.cacert, args.insecure, args.cert, args.key)


__all__ = ["configure", "context_of"]
