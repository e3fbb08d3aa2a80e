"""A create.sites server whose team validates every request with the kit's published schemas
through python-jsonschema (issue 18's second proof server), as a team does that found the
schemas and never read the kit's code: ``Draft202012Validator`` with the standard
``FORMAT_CHECKER`` (the ``jsonschema[format]`` extras installed, so ``idn-hostname`` and
``iri`` are checked), the files of ``schemas/`` in a ``referencing.Registry``, the seed
revision's ``request.schema.json`` for the whole request. Nothing of ``conformance`` is imported.

Served by the standard library's ``ThreadingHTTPServer``; sites kept in a dict.

How a validation error becomes a reply (the vendor's Data API page):
- under ``params``: -32602, ``data.field`` the dotted path of the member (for a missing or
  unexpected member, the member's own name), ``data.mnemonic`` by the keyword: ``required`` ->
  ``required_parameter_missed``, ``additionalProperties`` -> ``unexpected_parameters``,
  ``type`` -> ``data_type_error``, any other -> ``invalid_parameter_value``;
- ``method`` a string but not ``create.sites``: -32601; ``params`` neither an object nor an array
  (JSON-RPC 2.0's structured value): -32600; anything else of the envelope: -32600.
Before the schema: bodies that are not UTF-8 JSON (``NaN`` included) -32700; an array -32099
``batch_operations_not_supported``; an object without ``id`` -32099
``notifications_not_supported``. After it: the token compared (-32001 ``access_token_invalid``),
an unknown scenario (scenarios 1, 2, 3 exist) -32602 ``entity_not_found``, a domain name already
taken -32602 ``duplicate_entity``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
SCENARIOS = frozenset({1, 2, 3})

ERRORS = {
    "parse_error": (-32700, "Invalid JSON was received by the server"),
    "invalid_request": (-32600, "The JSON sent is not a valid Request object"),
    "method_not_found": (-32601, "The method does not exist / is not available"),
    "access_token_invalid": (-32001, "Access token is invalid"),
    "batch_operations_not_supported": (-32099, "Batch operations not supported"),
    "notifications_not_supported": (-32099, "Notifications not supported"),
    "required_parameter_missed": (-32602, "The required parameter has been missed"),
    "unexpected_parameters": (-32602, "Unexpected method parameter(s)"),
    "data_type_error": (-32602, "Data supplied is of wrong type"),
    "invalid_parameter_value": (-32602, "Invalid parameter value"),
    "entity_not_found": (-32602, "Entity not found"),
    "duplicate_entity": (-32602, "Entity already exists"),
}
MNEMONICS = {
    "required": "required_parameter_missed",
    "additionalProperties": "unexpected_parameters",
    "type": "data_type_error",
}


def load_validator() -> Draft202012Validator:
    """The request schema's validator, every file of schemas/ (the seed revision) registered."""
    resources = []
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    registry: Registry[Any] = Registry().with_resources(resources)
    schema = registry.contents(
        "https://create-sites.conformance.example/schemas/request.schema.json"
    )
    return Draft202012Validator(
        schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


class Refused(Exception):
    def __init__(self, mnemonic: str, field: str | None = None) -> None:
        super().__init__(mnemonic)
        self.mnemonic, self.field = mnemonic, field


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def refusal(error: ValidationError) -> Refused:
    """The vendor's error for the schema's complaint."""
    path = [str(part) for part in error.absolute_path]
    if not path or path[0] != "params":
        if path == ["method"] and isinstance(error.instance, str):
            return Refused("method_not_found")
        return Refused("invalid_request")
    if path == ["params"] and error.validator == "type" and not isinstance(error.instance, list):
        # JSON-RPC 2.0: params, if present, is an object or an array; else no Request object
        return Refused("invalid_request")
    names = path[1:]
    if error.validator == "required":
        names.append(str(error.message).split("'")[1])  # "'domain_name' is a required property"
    elif error.validator == "additionalProperties":
        extra = set(error.instance) - set(error.schema.get("properties", {}))
        names.append(sorted(extra)[0])
    mnemonic = MNEMONICS.get(str(error.validator), "invalid_parameter_value")
    return Refused(mnemonic, ".".join(names) or None)


class SitesApi:
    def __init__(self, token: str) -> None:
        self.token = token
        self.validator = load_validator()
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.domains: set[str] = set()

    def handle(self, body: bytes) -> dict[str, Any]:
        request_id = None
        try:
            try:
                request = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
            except (ValueError, RecursionError):
                raise Refused("parse_error") from None
            if isinstance(request, list):
                raise Refused("batch_operations_not_supported")
            if isinstance(request, dict):
                if "id" not in request:
                    raise Refused("notifications_not_supported")
                candidate = request["id"]
                if isinstance(candidate, str) or (
                    isinstance(candidate, int) and not isinstance(candidate, bool)
                ):
                    request_id = candidate
            errors = list(self.validator.iter_errors(request))
            # the envelope before the params: no params are judged for a method that is not
            # create.sites, nor in what is no Request object
            envelope = [e for e in errors if list(e.absolute_path)[:1] != ["params"]]
            error = best_match(envelope or errors)
            if error is not None:
                raise refusal(error)
            return {"jsonrpc": "2.0", "id": request_id, "result": self.create(request["params"])}
        except Refused as refused:
            code, message = ERRORS[refused.mnemonic]
            data = {"mnemonic": refused.mnemonic}
            if refused.field:
                data["field"] = refused.field
            # the request's id wherever it could be read (JSON-RPC 2.0, section 5)
            error_object = {"code": code, "message": message, "data": data}
            return {"jsonrpc": "2.0", "id": request_id, "error": error_object}

    def create(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["access_token"] != self.token:
            raise Refused("access_token_invalid")
        scenario = params.get("default_scenario_id")
        if scenario is not None and scenario not in SCENARIOS:
            raise Refused("entity_not_found", "default_scenario_id")
        name = params["domain_name"].casefold()
        with self.lock:
            if name in self.domains:
                raise Refused("duplicate_entity", "domain_name")
            self.domains.add(name)
            return {"id": next(self.ids), "success": True}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 10
    api: SitesApi

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            self.send_error(400)
            return
        reply = self.api.handle(self.rfile.read(length))
        body = json.dumps(reply).encode()  # ASCII escapes: a lone surrogate still makes JSON
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(token: str) -> Iterator[str]:
    """The server on a free loopback port; yields its URL."""
    handler: Callable[..., Handler] = type("BoundHandler", (Handler,), {"api": SitesApi(token)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
