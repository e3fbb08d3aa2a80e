"""The reference create.sites server: a real implementation of the contract, over SQLite.

``app`` answers request bodies (no HTTP), ``httpd`` serves any such app over HTTP,
``store`` keeps the sites, ``config`` says who may call, ``rpc`` holds the JSON-RPC error table.
``conformance serve`` runs it.
"""

from conformance.contract.errors import ERRORS
from conformance.server.app import CreateSitesApp
from conformance.server.config import Caller, Config, ConfigError
from conformance.server.httpd import App, RpcHTTPServer, serve_in_thread
from conformance.server.rpc import Response, RpcError
from conformance.server.store import SiteStore

__all__ = [
    "ERRORS",
    "App",
    "Caller",
    "Config",
    "ConfigError",
    "CreateSitesApp",
    "Response",
    "RpcError",
    "RpcHTTPServer",
    "SiteStore",
    "serve_in_thread",
]
