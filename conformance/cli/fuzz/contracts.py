"""Which contract ``conformance fuzz`` runs: the bundled create.sites contract by default,
an OpenRPC document with ``--openrpc FILE``, or the one the target describes itself with
(``--discover``, its ``rpc.discover``)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from conformance.engine.settings import PROFILES

if TYPE_CHECKING:
    import ssl
    from collections.abc import Sequence

    from conformance.engine.contract import Contract
    from conformance.engine.settings import Settings
    from conformance.openrpc.document import Document

#: The token sent where the document names no secret param and none was given.
NO_TOKEN = "no-token"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``--openrpc``, ``--discover`` and ``--method``."""
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
        "--profile",
        choices=PROFILES,
        help="with --openrpc or --discover: what judges the document: document (default: all "
        "it says, its vendor x- extensions included: mnemonics, error.data.field, the token's "
        "error, unique and referenced params, distinct result ids) or jsonrpc (JSON-RPC 2.0 "
        "and its schemas alone; an x-secret param still carries --token, masked)",
    )
    parser.add_argument(
        "--method",
        action="append",
        default=[],
        metavar="NAME",
        help="with --openrpc or --discover: run only this method (repeatable)",
    )
    parser.add_argument(
        "--exclude-method",
        action="append",
        default=[],
        metavar="NAME",
        help="with --openrpc or --discover: do not run this method (repeatable)",
    )


def wanted(args: argparse.Namespace) -> bool:
    """Whether the command line asks for an OpenRPC run."""
    return bool(getattr(args, "openrpc", None) or getattr(args, "discover", False))


def discover(
    url: str,
    timeout: float,
    context: ssl.SSLContext | None = None,
    headers: Sequence[tuple[str, str]] = (),
) -> Document:
    """The document the target answers ``rpc.discover`` with (``--discover``)."""
    from conformance.openrpc.discovery import discover as ask
    from conformance.openrpc.document import OpenRpcError

    try:
        return ask(url, timeout, context, headers)
    except OpenRpcError as error:
        raise OpenRpcError(f"--discover: {error}") from None


def refused_option(args: argparse.Namespace) -> str | None:
    """Why the command line combines options that cannot go together, or ``None``."""
    from conformance.contract import DEFAULT_REVISION

    if wanted(args) and args.revision != DEFAULT_REVISION:
        return (
            "--revision names a revision of the bundled create.sites contract; an OpenRPC run "
            "takes its contract from the document (conformance export openrpc --revision "
            f"{args.revision} writes that revision as one)"
        )
    for option, given in (("--method", args.method), ("--exclude-method", args.exclude_method)):
        if given and not wanted(args):
            return f"{option} names a method of an OpenRPC document: add --openrpc or --discover"
    if getattr(args, "profile", None) and not wanted(args):
        return (
            "--profile names what judges an OpenRPC document (the bundled create.sites "
            "contract is the vendor's): add --openrpc or --discover"
        )
    if getattr(args, "param_structure", None) and not wanted(args):
        return (
            "--param-structure names an OpenRPC method's paramStructure (create.sites takes "
            "params by name): add --openrpc or --discover"
        )
    return None


def document_of(args: argparse.Namespace) -> Document | None:
    """The OpenRPC document the command line names (``None``: the bundled contract)."""
    from conformance.openrpc.document import load

    if args.openrpc:
        return load(args.openrpc)
    if args.discover:
        # asked as the run will ask: over its TLS settings, with its headers
        from conformance.cli.fuzz import parse_headers
        from conformance.cli.tls import context_of

        context = context_of(args, args.url)
        return discover(args.url, args.timeout, context, parse_headers(args.header))
    return None


def needs_token(document: Document | None) -> bool:
    """Whether the contract sends a token: create.sites does, a document where it names a
    secret param."""
    if document is None:
        return True
    # either profile: x-secret says where the token goes (masking is no verdict)
    return any(param.extensions.get("x-secret") for m in document.methods for param in m.params)


def contract_of(
    document: Document | None,
    settings: Settings,
    methods: Sequence[str],
    excluded: Sequence[str] = (),
) -> Contract:
    """The contract to run: the document's (its ``methods``, or all, but the ``excluded``), or
    the bundled one in the settings' revision."""
    if document is None:
        from conformance.create_sites import bundled

        return bundled(settings)
    from conformance.errors import ArgumentError
    from conformance.openrpc.contract import document_contract

    for name in (*methods, *excluded):
        document.method(name)  # a name the document does not have is refused, naming its own
    chosen = [
        method.name
        for method in document.methods
        if (not methods or method.name in methods) and method.name not in excluded
    ]
    if not chosen:
        raise ArgumentError("--method and --exclude-method leave no method of the document to run")
    # the document's order unless --method gives one
    ordered = [name for name in dict.fromkeys(methods) if name in chosen] if methods else chosen
    return document_contract(document, settings, ordered)


__all__ = [
    "NO_TOKEN",
    "configure",
    "contract_of",
    "document_of",
    "needs_token",
    "refused_option",
    "wanted",
]
