"""``conformance serve``: run the reference create.sites server until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.cli import EXIT_OK, EXIT_USAGE, Streams
from conformance.contract import DEFAULT_REVISION, REVISIONS

if TYPE_CHECKING:
    from conformance.server.httpd import RpcHTTPServer

HELP = (
    "Run the reference create.sites server (JSON-RPC 2.0 over HTTP, sites kept in SQLite). "
    "The first line printed is the URL it listens on; then the generated access token, if any."
)


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def convert(text: str) -> float:
        value = kind(text)
        if not (value > 0 and math.isfinite(value)):  # NaN and infinity refused
            raise argparse.ArgumentTypeError(f"must be a finite number above 0; got {text}")
        return value

    convert.__name__ = kind.__name__  # argparse names the type in "invalid int value"
    return convert


EPILOG = """\
The config file (TOML):
  scenario_ids = [1, 2, 3]        # the scenarios default_scenario_id may name
  [[tokens]]
  token = "customer-secret"       # role "customer" (default), acting as user_id (default 1)
  user_id = 100
  [[tokens]]
  token = "agent-secret"
  role = "agent"
  customer_user_ids = [100, 101]  # the users an agent's user_id may name
Without --config or --token, a customer token is generated and printed.

exit codes:
  0    stopped by SIGINT or SIGTERM
  2    a usage error, a configuration it cannot use, a database it cannot open or an
       address it cannot listen on (said in one line)
"""


def _port(text: str) -> int:
    """A TCP port, 0 to 65535 (0 picks a free one), refused as a usage error otherwise."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535; got {port}")
    return port


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``serve``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=8080, help="port 0 to 65535; 0 picks a free one (8080)"
    )
    parser.add_argument(
        "--db",
        help="SQLite database file, or :memory: (create-sites.sqlite3 here)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="TOML file of tokens (with roles and users) and scenario ids; see below",
    )
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="TOKEN",
        help="add a customer access token (repeatable)",
    )
    parser.add_argument(
        "--max-body-bytes", type=_positive(int), help="largest request body in bytes (1 MiB)"
    )
    parser.add_argument(
        "--read-timeout",
        type=_positive(float),
        help="seconds a connection may wait for bytes, for a request's head, and for a body (10)",
    )
    parser.add_argument(
        "--max-connections",
        type=_positive(int),
        help="connections served at once; one more gets HTTP 503 and is closed (256)",
    )
    parser.add_argument(
        "--revision",
        choices=REVISIONS,
        default=DEFAULT_REVISION,
        help="the contract's revision: seed (the method page this kit encodes; default) or "
        "current (the vendor's live page: name, 19 industries, result.data): the params it "
        "takes and the shape of its success replies",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="what the server logs to stderr (default: INFO; logs never hold a body or token)",
    )
    parser.epilog = EPILOG


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Serve until SIGINT or SIGTERM; exit 0 then, 2 if the server cannot start."""
    import logging
    import sqlite3

    from conformance.server import config as configuration
    from conformance.server import httpd, store
    from conformance.server.app import CreateSitesApp, has_lone_surrogate
    from conformance.server.httpd import RpcHTTPServer
    from conformance.server.store import SiteStore

    generated_token = None
    try:
        if args.config is not None:
            config = configuration.load(args.config)
        elif not args.token:
            config, generated_token = configuration.generated()
        else:
            config = configuration.Config()
        config = config.with_customer_tokens(args.token)
        for token in args.token:
            if not token or has_lone_surrogate(token):
                raise configuration.ConfigError(
                    f"--token must be non-empty UTF-8 text; got {token!r}"
                )
    except configuration.ConfigError as error:
        streams.stderr.write(f"conformance serve: {error}\n")
        return EXIT_USAGE

    handler = logging.StreamHandler(streams.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("conformance.server")
    logger.addHandler(handler)
    logger.setLevel(args.log_level)
    db = args.db or store.DEFAULT_PATH
    try:
        try:
            sites = SiteStore(db)
        except sqlite3.Error as error:
            streams.stderr.write(f"conformance serve: cannot open the database {db}: {error}\n")
            return EXIT_USAGE
        try:
            server = RpcHTTPServer(
                (args.host, args.port),
                CreateSitesApp(config, sites, revision=args.revision),
                max_body_bytes=args.max_body_bytes or httpd.MAX_BODY_BYTES,
                read_timeout=args.read_timeout or httpd.READ_TIMEOUT,
                max_connections=args.max_connections or httpd.MAX_CONNECTIONS,
            )
        except OSError as error:
            sites.close()
            streams.stderr.write(
                f"conformance serve: cannot listen on {args.host}:{args.port}: {error.strerror}\n"
            )
            return EXIT_USAGE
        with sites:
            _serve_until_signalled(
                server, lambda: _print_start(server.url, generated_token, streams)
            )
        logger.info("stopped")
        return EXIT_OK
    finally:
        logger.removeHandler(handler)


def _print_start(url: str, token: str | None, streams: Streams) -> None:
    streams.stdout.write(f"{url}\n")
    if token is not None:
        streams.stdout.write(f"access_token: {token}\n")
    streams.stdout.flush()


def _serve_until_signalled(server: RpcHTTPServer, announce: Callable[[], None]) -> None:
    """Serve on a thread until SIGINT or SIGTERM (or forever, off the main thread).

    ``announce`` runs once the signals are caught and the server is serving: a script that
    reads the URL and at once sends a signal still gets a clean stop.
    """
    with server.running():
        wait_for_signal(announce)


def wait_for_signal(announce: Callable[[], None]) -> None:
    """Call ``announce``, then wait until SIGINT or SIGTERM (for ever, off the main thread);
    the signals are caught before ``announce`` runs (``conformance proxy`` waits so too)."""
    import signal
    import threading

    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGINT, signal.SIGTERM):
            previous[number] = signal.signal(number, lambda *_: stop.set())
    try:
        announce()
        # a bounded wait, so a signal is acted on within half a second wherever it lands
        while not stop.wait(0.5):
            pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
