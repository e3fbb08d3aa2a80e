"""``conformance mock [--openrpc FILE] [--seed N] [--listen HOST:PORT]``: serve a contract.

With ``--openrpc``, a stateless JSON-RPC 2.0 server of the document (``conformance.mock``):
requests judged as a conforming server judges them, valid calls answered with results drawn
from ``--seed``. Without it, create.sites as ``conformance serve`` runs it (the reference
server), its sites kept in memory. The first line printed is the URL; SIGINT or SIGTERM stop
it with exit 0.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from conformance.cli import EXIT_OK, EXIT_USAGE, Streams, listen_address
from conformance.contract import DEFAULT_REVISION, REVISIONS

if TYPE_CHECKING:
    from conformance.server.httpd import App

HELP = (
    "Serve a mock of an OpenRPC document (--openrpc): every request judged as a conforming "
    "JSON-RPC 2.0 server judges it (the failing param named in -32602's error.data), valid "
    "calls answered with schema-valid results drawn from --seed (the same request, the same "
    "reply); without --openrpc, create.sites by the reference server. The first line printed "
    "is the URL."
)

DEFAULT_LISTEN = "127.0.0.1:8080"

EPILOG = """\
With --openrpc the mock keeps no state: a method's results are drawn from its result schema
when it starts (a method with no value to draw answers the result of the document's first
example pairing; with neither, the mock does not start and names the method). Without
--openrpc it is `conformance serve` with an in-memory database (--token, --revision; a
customer token is generated and printed on the second line when none is given).

exit codes:
  0    stopped by SIGINT or SIGTERM
  2    a usage error, a document that cannot be read, a method with no result to answer,
       or an address it cannot listen on (said in one line)
"""


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; got {text!r}") from None


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``conformance mock``."""
    parser.add_argument(
        "--openrpc",
        metavar="FILE",
        help="mock the OpenRPC document FILE (default: create.sites, by the reference server)",
    )
    parser.add_argument(
        "--seed",
        type=_seed,
        metavar="N",
        help="with --openrpc: the seed the results are drawn from (default: 0)",
    )
    parser.add_argument(
        "--listen",
        type=listen_address,
        default=listen_address(DEFAULT_LISTEN),
        metavar="HOST:PORT",
        help=f"where to listen (default: {DEFAULT_LISTEN}; port 0 picks a free one)",
    )
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="TOKEN",
        help="without --openrpc: a customer access token the server accepts (repeatable)",
    )
    parser.add_argument(
        "--revision",
        choices=REVISIONS,
        help=f"without --openrpc: the create.sites revision served (default: {DEFAULT_REVISION})",
    )
    parser.epilog = EPILOG


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Serve until SIGINT or SIGTERM; exit 0 then, 2 if the mock cannot start."""
    from conformance.errors import ArgumentError

    def fail(message: str) -> int:
        streams.stderr.write(f"conformance mock: error: {message}\n")
        return EXIT_USAGE

    if args.openrpc is not None and (args.token or args.revision is not None):
        return fail("--token and --revision serve create.sites; they do not go with --openrpc")
    if args.openrpc is None and args.seed is not None:
        return fail("--seed draws an OpenRPC document's results; give --openrpc FILE")
    token = None
    try:
        if args.openrpc is not None:
            app = _document_app(args.openrpc, args.seed or 0)
        else:
            app, token = _reference_app(args.token, args.revision or DEFAULT_REVISION)
    except ArgumentError as error:
        return fail(str(error))
    return _serve(app, args.listen, token, streams)


def _document_app(path: str, seed: int) -> App:
    from conformance.mock.app import MockApp
    from conformance.openrpc.document import load

    return MockApp(load(path), seed)


def _reference_app(tokens: list[str], revision: str) -> tuple[App, str | None]:
    """The reference server's application over an in-memory store, and the token generated
    where none was given."""
    from conformance.errors import ArgumentError
    from conformance.server import config as configuration
    from conformance.server.app import CreateSitesApp, has_lone_surrogate
    from conformance.server.store import SiteStore

    generated = None
    if tokens:
        for token in tokens:
            if not token or has_lone_surrogate(token):
                raise ArgumentError(f"--token must be non-empty UTF-8 text; got {token!r}")
        config = configuration.Config().with_customer_tokens(tokens)
    else:
        config, generated = configuration.generated()
    return CreateSitesApp(config, SiteStore(":memory:"), revision=revision), generated


def _serve(app: App, listen: tuple[str, int], token: str | None, streams: Streams) -> int:
    import logging

    from conformance.cli.serve import wait_for_signal
    from conformance.server.httpd import RpcHTTPServer

    host, port = listen
    try:
        server = RpcHTTPServer((host, port), app)
    except OSError as error:
        streams.stderr.write(
            f"conformance mock: error: cannot listen on {host}:{port}: {error.strerror or error}\n"
        )
        return EXIT_USAGE
    handler = logging.StreamHandler(streams.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("conformance.server")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)

    def announce() -> None:
        streams.stdout.write(f"{server.url}\n")
        if token is not None:
            streams.stdout.write(f"access_token: {token}\n")
        streams.stdout.flush()

    try:
        with server.running():
            wait_for_signal(announce)
    finally:
        logger.removeHandler(handler)
    return EXIT_OK
