"""The create.sites method: from the bytes of a request body to the reply, without HTTP.

``CreateSitesApp.handle(body)`` runs a pipeline of small steps, each a method that raises
``RpcError`` to answer with an error. A subclass changes one behaviour by overriding one step;
the deliberately broken servers ("mutants") that prove the runner's checks are made that way::

    class EchoesWrongId(CreateSitesApp):
        def success(self, request_id, site_id):
            return super().success(f"{request_id}x", site_id)

The steps, in order (what each refuses, and with which mnemonic):

==========================  ================================================================
``parse(body)``             not UTF-8 or not JSON: ``parse_error``
``check_batch(request)``    a JSON array: ``batch_operations_not_supported``
``read_id(request)``        the id to echo: a string or an integer, else ``None``
``discover(request)``       ``rpc.discover``: answered with the OpenRPC document, no more steps
``check_envelope(request)`` not a Request object: ``invalid_request``
``check_notification(r)``   no ``id``: ``notifications_not_supported``
``check_method(request)``   another method: ``method_not_found``
``authenticate(params)``    an unknown token: ``access_token_invalid``
``validate_params(p, c)``   params break the schema of the caller's role: -32602 mnemonics
``authorize(params, c)``    an agent's ``user_id`` not among its customers: ``entity_not_found``
``check_references(p)``     ``default_scenario_id`` does not exist: ``entity_not_found``
``create(params, owner)``   the owner has the domain already: ``duplicate_entity``
``success(id, site_id)``    the result reply
``error(id, error)``        the error reply
``encode(reply)``           the ``Response`` (HTTP status, content type, body)
==========================  ================================================================

``process(body)`` runs the steps and returns the reply object (or ``None`` for no body); any
exception other than ``RpcError`` becomes ``internal_error``, logged with its traceback.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from typing import Any, Final

from conformance.contract import DEFAULT_REVISION, check_revision
from conformance.errors import PayloadError
from conformance.server.config import Caller, Config
from conformance.server.rpc import RequestId, Response, RpcError, encode, error_reply
from conformance.server.store import DuplicateSite, SiteStore
from conformance.validation.payloads import loads
from conformance.validation.validator import best_match, validator_for
from conformance.validation.violations import MISSING, Violation

logger = logging.getLogger("conformance.server")

METHOD: Final = "create.sites"
ENVELOPE_MEMBERS: Final = frozenset({"jsonrpc", "id", "method", "params"})
#: OpenRPC's service discovery method, answered with the contract's OpenRPC document.
DISCOVER: Final = "rpc.discover"


def is_request_id(value: Any) -> bool:
    """Whether ``value`` is an id the contract allows: a string or an integer.

    An integer as JSON Schema counts it: ``5.0`` is one (so the schema and the server agree),
    ``1.5`` is not, nor is a boolean.
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str | int)


def lone_surrogate_path(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Where in ``value`` the first member name or string holding a lone surrogate is."""
    if isinstance(value, str):
        return path if has_lone_surrogate(value) else None
    if isinstance(value, Mapping):
        for name, member in value.items():
            if has_lone_surrogate(name):
                return (*path, name)
            found = lone_surrogate_path(member, (*path, name))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = lone_surrogate_path(item, (*path, str(index)))
            if found is not None:
                return found
    return None


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (so it is not Unicode text UTF-8 can carry)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _token_bytes(token: str) -> bytes:
    """A token as ``hmac.compare_digest`` takes it: UTF-8, a lone surrogate passed through."""
    return token.encode("utf-8", "surrogatepass")


def _printable(name: str) -> str:
    """``name`` with each lone surrogate replaced by U+FFFD, so that it can be sent."""
    return name.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _member(params: Mapping[str, Any], path: tuple[str | int, ...]) -> Any:
    """The value at ``path`` in ``params``, as sent (the engine may report it converted)."""
    node: Any = params
    for part in path:
        node = node[part]
    return node


def params_error(violation: Violation, params: Mapping[str, Any]) -> RpcError:
    """The error answering ``violation`` of ``params``, with the value as sent (if any)."""
    sent = MISSING if violation.keyword == "required" else _member(params, violation.path)
    return RpcError(violation.mnemonic, violation.message, field=violation.field, value=sent)


class CreateSitesApp:
    """The reference implementation of create.sites over a ``Config`` and a ``SiteStore``, in
    the contract's ``revision`` (its params schema, so its industries; its success reply)."""

    def __init__(
        self, config: Config, store: SiteStore, *, revision: str = DEFAULT_REVISION
    ) -> None:
        self.config = config
        self.store = store
        self.revision = check_revision(revision)
        # bytes, so that compare_digest takes any token, even one with a lone surrogate: the
        # configured and the presented tokens are encoded alike (UTF-8, surrogatepass)
        self._tokens = [(_token_bytes(token), caller) for token, caller in config.tokens.items()]

    def handle(self, body: bytes) -> Response:
        """The response to one request body: what the HTTP layer calls."""
        return self.encode(self.process(body))

    def process(self, body: bytes) -> dict[str, Any] | None:
        """The reply object to one request body (``None``: send no body)."""
        request_id: RequestId = None
        try:
            request = self.parse(body)
            self.check_batch(request)
            request_id = self.read_id(request)
            discovered = self.discover(request)
            if discovered is not None:
                return discovered
            self.check_envelope(request)
            self.check_notification(request)
            self.check_method(request)
            params = request["params"]
            caller = self.authenticate(params)
            params = self.validate_params(params, caller.role if caller else "customer")
            owner = self.authorize(params, caller)
            self.check_references(params)
            site_id = self.create(params, owner)
            return self.success(request_id, site_id)
        except RpcError as error:
            return self.error(request_id, error)
        except Exception:
            logger.exception("internal error while answering a request")
            return self.error(request_id, RpcError("internal_error"))

    # --- the steps ----------------------------------------------------------------------------

    def parse(self, body: bytes) -> Any:
        """The JSON value of ``body``: strict UTF-8 JSON, nested 200 levels at most."""
        try:
            return loads(body)
        except PayloadError as error:
            raise RpcError("parse_error", str(error)) from None

    def check_batch(self, request: Any) -> None:
        """Refuse a batch: the vendor supports none."""
        if isinstance(request, list):
            raise RpcError("batch_operations_not_supported", "send one request object per call")

    def read_id(self, request: Any) -> RequestId:
        """The id the reply echoes: the request's, where it is a string or an integer."""
        if isinstance(request, dict) and is_request_id(request.get("id")):
            value: RequestId = request["id"]
            return value
        return None

    def discover(self, request: Any) -> dict[str, Any] | None:
        """The reply to ``rpc.discover`` (OpenRPC service discovery): the contract's OpenRPC
        document; ``None`` for any other request. Params may be absent, ``[]`` or ``{}``."""
        if not (
            isinstance(request, dict)
            and request.get("method") == DISCOVER
            and request.get("jsonrpc") == "2.0"
            and is_request_id(request.get("id"))
            and request.get("params", []) in ([], {})
            and set(request) <= ENVELOPE_MEMBERS
        ):
            return None
        from conformance.openrpc.export import export_document

        # the revision the server serves, once the configuration names one
        revision = getattr(self.config, "revision", None)
        return {"jsonrpc": "2.0", "id": request["id"], "result": export_document(revision)}

    def check_envelope(self, request: Any) -> None:
        """Refuse what is not a JSON-RPC 2.0 Request object (the params are checked later)."""
        if not isinstance(request, dict):
            raise RpcError("invalid_request", "the request must be a JSON object")
        unknown = sorted(set(request) - ENVELOPE_MEMBERS)
        if unknown:
            raise RpcError("invalid_request", f"unexpected member {unknown[0]!r} in the request")
        if request.get("jsonrpc") != "2.0":
            raise RpcError("invalid_request", 'jsonrpc must be the string "2.0"')
        if not isinstance(request.get("method"), str):
            raise RpcError("invalid_request", "method must be a string")
        if not isinstance(request.get("params"), dict):
            raise RpcError("invalid_request", "params must be an object")
        if "id" in request and not is_request_id(request["id"]):
            raise RpcError("invalid_request", "id must be a string or an integer")

    def check_notification(self, request: dict[str, Any]) -> None:
        """Refuse a notification (no id): the vendor answers it with an error."""
        if "id" not in request:
            raise RpcError("notifications_not_supported", "send an id with every request")

    def check_method(self, request: dict[str, Any]) -> None:
        """Refuse every method but create.sites."""
        if request["method"] != METHOD:
            raise RpcError("method_not_found", f"this server implements {METHOD} only")

    def authenticate(self, params: dict[str, Any]) -> Caller | None:
        """The caller the access token names; ``None`` where there is no usable token.

        A token that is a non-empty string is checked before the params, so an unknown token
        is ``access_token_invalid`` however broken the rest is. A missing or malformed token
        is left to ``validate_params``, which names it as the schema says.
        """
        token = params.get("access_token")
        if not isinstance(token, str) or not token:
            return None
        presented = _token_bytes(token)
        found: Caller | None = None
        for known, caller in self._tokens:
            # every token is compared, and in constant time: no timing hints at a near miss
            if hmac.compare_digest(presented, known):
                found = caller
        if found is None:
            raise RpcError("access_token_invalid", "the access token is not known")
        return found

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        """``params``, if they keep the schema of the caller's ``role``.

        Without a usable token, the role is taken to be a customer's: the customer schema then
        names what is wrong with the token (missing, not a string, empty).

        One error: the first violation by ``best_match``. A string holding a lone surrogate
        cannot be validated; it is ``invalid_parameter_value`` for the member that holds it.
        """
        try:
            validator = validator_for("params", role, revision=self.revision)
            violation = best_match(validator.iter_errors(params))
        except PayloadError as error:
            path = lone_surrogate_path(params) or ()
            field = ".".join(_printable(part) for part in path) or "params"
            raise RpcError("invalid_parameter_value", str(error), field=field) from None
        if violation is not None:
            raise params_error(violation, params)
        return params

    def authorize(self, params: dict[str, Any], caller: Caller | None) -> int:
        """The customer user the site is created for.

        An agent names one of its customers in ``user_id``. A customer's site is its own:
        a ``user_id`` it sends is accepted by the schema and ignored. No caller (possible only
        if ``validate_params`` let a missing token through) is ``access_token_invalid``.
        """
        if caller is None:
            raise RpcError("access_token_invalid", "the access token is not known")
        if caller.role != "agent":
            assert caller.user_id is not None
            return caller.user_id
        user_id = params["user_id"]
        if int(user_id) not in caller.customer_user_ids:
            raise RpcError(
                "entity_not_found",
                "user_id is not one of this agent's customer users",
                field="user_id",
                value=user_id,
            )
        return int(user_id)

    def check_references(self, params: dict[str, Any]) -> None:
        """Refuse a ``default_scenario_id`` that names no scenario."""
        scenario_id = params.get("default_scenario_id")
        if scenario_id is not None and int(scenario_id) not in self.config.scenario_ids:
            raise RpcError(
                "entity_not_found",
                "no scenario has this id",
                field="default_scenario_id",
                value=scenario_id,
            )

    def create(self, params: dict[str, Any], owner: int) -> int:
        """Store the site for ``owner`` and return its id; a second domain name is refused."""
        domain_name = params["domain_name"]
        try:
            return self.store.add(owner, domain_name, params)
        except DuplicateSite:
            raise RpcError(
                "duplicate_entity",
                "this customer has a site with this domain name already (case-insensitively)",
                field="domain_name",
                value=domain_name,
            ) from None

    def success(self, request_id: RequestId, site_id: int) -> dict[str, Any]:
        """The reply to a created site, in the revision's shape: ``{"id", "success"}`` (seed),
        ``{"data": {"id"}, "metadata"}`` (current; no limits apply here, so it is empty)."""
        if self.revision == "seed":
            result: dict[str, Any] = {"id": site_id, "success": True}
        else:
            result = {"data": {"id": site_id}, "metadata": {}}
        return {"jsonrpc": "2.0", "id": request_id, "result": result}

    def error(self, request_id: RequestId, error: RpcError) -> dict[str, Any]:
        """The reply to a refused request."""
        return error_reply(request_id, error)

    def encode(self, reply: dict[str, Any] | None) -> Response:
        """The HTTP response carrying ``reply``: always 200 and JSON; no reply, no body."""
        if reply is None:
            return Response(b"", status=204)
        return Response(encode(reply))
