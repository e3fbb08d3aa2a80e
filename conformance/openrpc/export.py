"""The create.sites contract as an OpenRPC 1.3.2 document, made from ``schemas/``.

One method, ``create.sites``, with ``paramStructure: "by-name"``: one content descriptor per
member of the params schema (its schema, whether it is required, its description), the result
(the ``result`` member of the success reply), one error object per code (OpenRPC wants codes
unique within a method: the vendor's mnemonics of each code go to ``x-error-mnemonics``) and
the example pairings of the valid example request files.

What OpenRPC cannot say travels in ``x-`` extensions, each described in the document itself
(``x-conformance-extensions``) and in the README: unknown params refused, the callers' roles,
the secret param, the unique param, the params that name entities of the target, the shape
of an error's ``data``.

A ``$ref`` inside a param's schema (to another schema file, or to its ``$defs``) becomes a
``$ref`` into ``components/schemas``: the document stands alone, as OpenRPC tools expect.

Light on purpose: the reference server imports this module to answer ``rpc.discover``.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import urljoin

from conformance import contract
from conformance.contract.errors import ERRORS

#: The OpenRPC version the document is written in: the newest that ``@open-rpc/meta-schema``
#: 1.14.9 (the official meta-schema) knows.
OPENRPC_VERSION: Final = "1.3.2"

#: The revision ``revision=None`` means: the kit's default contract.
BUNDLED_REVISION: Final = contract.DEFAULT_REVISION

METHOD: Final = "create.sites"

#: The JSON-RPC 2.0 names of its own codes, used where a code stands for several vendor errors.
_JSONRPC_MESSAGES: Final = {
    -32700: "Parse error",
    -32600: "Invalid Request",
    -32601: "Method not found",
    -32602: "Invalid params",
    -32603: "Internal error",
}

#: Every extension the document uses, with its meaning: written into the document too.
EXTENSIONS: Final[dict[str, str]] = {
    "x-conformance-extensions": "This table: each extension the document uses and its meaning.",
    "x-revision": "info: the revision of the create.sites contract the document was made from.",
    "x-additional-params": (
        "method: false when params the method does not describe are refused (-32602), at the "
        "top level and inside every object param (their schemas say additionalProperties: false)."
    ),
    "x-roles": (
        "method: the callers' roles, each with the params it must send; the content "
        "descriptors' `required` is the role named by x-default-role."
    ),
    "x-default-role": "method: the role the content descriptors' `required` describes.",
    "x-secret": (
        "content descriptor: true for the param that carries the caller's credential: "
        "never shown in reports; a wrong one is refused with the error x-secret-error names."
    ),
    "x-secret-error": (
        "method: the error code and mnemonic of a credential the server does not know."
    ),
    "x-unique": (
        "content descriptor: the param a server keeps unique per caller (a second call with "
        "the same value is refused with duplicate_entity); `x-unique.compare` says how values "
        "are compared."
    ),
    "x-references": (
        "content descriptor: the param names an entity of the target (`entity`); a value the "
        "target does not know is refused with -32602 entity_not_found, so only values the "
        "caller names are sent in valid requests."
    ),
    "x-error-mnemonics": (
        "method: for each error code (as a string), the vendor's mnemonics (error.data.mnemonic) "
        "that code is sent with; -32602 with any params mnemonic means invalid params."
    ),
    "x-labels": (
        "schema: an annotation on an integer param (industry_id): each value's label, by "
        "value; validators ignore it, messages quote it."
    ),
    "x-decisions": (
        "schema: an annotation naming the keywords (or keyword/variant) where the kit takes a "
        "side the method page, JSON-RPC 2.0 and the standards leave open, each with its "
        "reason; a run judges them only with --strict."
    ),
    "x-error-data": (
        "method: the JSON Schema of error.data in every error reply of the method (the "
        "vendor's error shape)."
    ),
    "x-params-error-field": (
        "method: true when an invalid-params error names the offending param, dotted for a "
        "nested member, in error.data.field."
    ),
    "x-result-unique": (
        "method: members of the result no two calls of a run may share (each created site "
        "gets its own id)."
    ),
    "x-role": "example pairing: the role of the caller whose request the example is.",
}


def _check_revision(revision: str | None) -> None:
    # ArgumentError naming the known revisions
    contract.check_revision(revision or BUNDLED_REVISION)


def examples_dir() -> Path:
    """The valid example files: inside the installed package, else the checkout's tests."""
    packaged = Path(__file__).resolve().parent / "examples"
    if packaged.is_dir():
        return packaged
    return contract.schema_dir().parent / "tests" / "cases" / "valid"


class _Components:
    """Schemas pulled in by ``$ref``, each under one name in ``components/schemas``."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}
        self._names: dict[str, str] = {}

    def rewrite(self, node: Any, base: str) -> Any:
        """A copy of ``node`` whose ``$ref``s point into ``#/components/schemas``."""
        if isinstance(node, list):
            return [self.rewrite(item, base) for item in node]
        if not isinstance(node, Mapping):
            return copy.deepcopy(node)
        result: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("$schema", "$id", "$defs"):
                continue
            if key == "$ref" and isinstance(value, str):
                result[key] = self._component(urljoin(base, value))
            elif key in ("const", "default", "examples", "enum"):
                result[key] = copy.deepcopy(value)  # values, not schemas
            else:
                result[key] = self.rewrite(value, base)
        return result

    def _component(self, uri: str) -> str:
        if uri not in self._names:
            document, _, fragment = uri.partition("#")
            stem = contract.relative(document).removesuffix(".schema.json").replace(".", "_")
            leaf = fragment.rstrip("/").rpartition("/")[2]
            # a component key is ^[a-zA-Z0-9.\-_]+$ (OpenRPC): the current revision's
            # schemas live in a folder, whose "/" would end the key in a $ref's JSON pointer
            name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{stem}_{leaf}" if leaf else stem)
            while name in self.schemas:
                name += "_"
            self._names[uri] = name
            self.schemas[name] = {}  # reserved first: a schema may refer to itself
            self.schemas[name] = self.rewrite(contract.resolve(uri), document)
        return f"#/components/schemas/{self._names[uri]}"


def _required(kind: str, role: str, revision: str) -> list[str]:
    uri = contract.schema_uri(kind, role, revision)
    names: list[str] = []
    for part, _ in contract.parts(contract.load_schemas()[uri], uri):
        names.extend(name for name in part.get("required", ()) if name not in names)
    return names


def _reply_member(kind: str, revision: str, *path: str) -> tuple[Any, str]:
    uri = contract.schema_uri(kind, "customer", revision)
    node: Any = contract.load_schemas()[uri]
    for name in path:
        node = node["properties"][name]
    return node, uri


def _described(node: Mapping[str, Any], base: str) -> str | None:
    """A param's description: its own, or that of the shared definition it refers to."""
    if "description" in node:
        return str(node["description"])
    if isinstance(node.get("$ref"), str):
        target = contract.resolve(urljoin(base, node["$ref"]))
        return _described(target, base) if isinstance(target, Mapping) else None
    return None


#: The access token of each role's example pairings: the request files' placeholder for a
#: customer, and its agent twin, so that one server configured with both (docs/openrpc.md)
#: answers every example; a token names one caller, and a caller has one role.
EXAMPLE_TOKENS: Final = {"customer": "2c8b6f1e0d9a4b7f", "agent": "2c8b6f1e0d9a4b7f-agent"}


def _unique_domain(domain: str, example: str, taken: set[str]) -> str:
    """``domain``, or where an earlier example took it (compared as ``x-unique`` says), the
    same with a first label made from the example's name: the examples, called in order
    against one server, each create a site."""
    if domain.lower() in taken:  # x-unique's compare: unicode-lower-case
        label = re.sub(r"[^a-z0-9]+", "-", example.partition("__")[2].lower()).strip("-")
        domain = f"{label[:63].strip('-')}.{domain}"
    taken.add(domain.lower())
    return domain


def _success_example(revision: str) -> dict[str, Any] | None:
    """The minimal success reply that keeps ``revision``'s reply schema: a revision's own
    (``current/`` in the wheel, ``tests/cases/current/valid`` in a checkout), else the seed's.
    OpenRPC 1.2.6 requires a result in every example pairing; 1.3 lets it be left out."""
    from conformance.validation.validator import validator_for

    folder = examples_dir()
    name = "reply.success__minimal.json"
    candidates = [folder / revision / name, folder.parent / revision / "valid" / name]
    for path in [*candidates, folder / name]:
        if path.is_file():
            reply: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            if validator_for("reply.success", revision=revision).is_valid(reply):
                return reply
    return None


def _example_pairings(params_names: list[str], revision: str) -> list[dict[str, Any]]:
    """The valid example files as pairings: those whose params keep ``revision``'s contract,
    with the success example's result where it keeps that revision's reply schema. Each
    lists its params in the descriptors' order, carries its role's example token, and names a
    domain no earlier example of its caller names (``_unique_domain``)."""
    from conformance.validation.validator import validator_for

    folder = examples_dir()
    success = _success_example(revision)
    pairings = []
    taken: dict[str, set[str]] = {role: set() for role in EXAMPLE_TOKENS}
    for path in sorted(folder.glob("request*__*.json")):
        request = json.loads(path.read_text(encoding="utf-8"))
        role = "agent" if path.name.startswith("request-agent__") else "customer"
        valid = validator_for("params", role, revision=revision).is_valid
        if not valid(request["params"]):
            continue  # an example of another revision (industry 21, say)
        params = {**request["params"], "access_token": EXAMPLE_TOKENS[role]}
        params["domain_name"] = _unique_domain(params["domain_name"], path.stem, taken[role])
        if not valid(params):  # a domain at its length bound, with a label more
            continue
        pairing: dict[str, Any] = {
            "name": path.stem,
            "x-role": role,
            "params": [
                {"name": name, "value": params[name]} for name in params_names if name in params
            ],
        }
        if success is not None:
            pairing["result"] = {"name": "created", "value": success["result"]}
        pairings.append(pairing)
    return pairings


def _errors() -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    by_code: dict[int, list[str]] = {}
    for mnemonic, (code, _) in ERRORS.items():
        by_code.setdefault(code, []).append(mnemonic)
    errors = []
    for code, mnemonics in sorted(by_code.items(), reverse=True):
        message = (
            ERRORS[mnemonics[0]][1]
            if len(mnemonics) == 1
            else _JSONRPC_MESSAGES.get(code, " / ".join(ERRORS[m][1] for m in mnemonics))
        )
        errors.append({"code": code, "message": message})
    return errors, {str(code): names for code, names in sorted(by_code.items(), reverse=True)}


def _annotate(name: str, descriptor: dict[str, Any]) -> None:
    """The descriptor's extensions, read from the contract's own tables."""
    from conformance.validation.masking import SECRET_MEMBERS

    if name in SECRET_MEMBERS:
        descriptor["x-secret"] = True
    if name == UNIQUE_PARAM:
        descriptor["x-unique"] = {"scope": "caller", "compare": "unicode-lower-case"}
    if name in REFERENCE_PARAMS:
        descriptor["x-references"] = {"entity": REFERENCE_PARAMS[name]}


#: The param a server keeps unique per customer (the server's UNIQUE index).
UNIQUE_PARAM: Final = "domain_name"

#: The params that name entities of the target, and the entity each names.
REFERENCE_PARAMS: Final = {"user_id": "customer_user", "default_scenario_id": "scenario"}


@functools.cache
def _document_text(revision: str) -> str:
    components = _Components()
    params_uri = contract.schema_uri("params", "customer", revision)
    params_schema = contract.load_schemas()[params_uri]
    required = _required("params", "customer", revision)
    descriptors = []
    for name, node in params_schema["properties"].items():
        descriptor: dict[str, Any] = {"name": name}
        description = _described(node, params_uri)
        if description is not None:
            descriptor["description"] = description
        descriptor["required"] = name in required
        descriptor["schema"] = components.rewrite(node, params_uri)
        _annotate(name, descriptor)
        descriptors.append(descriptor)
    result_node, result_uri = _reply_member("reply.success", revision, "result")
    data_node, data_uri = _reply_member("reply.error", revision, "error", "data")
    errors, mnemonics = _errors()
    method: dict[str, Any] = {
        "name": METHOD,
        "summary": "Register a website for call tracking.",
        "description": (
            "Creates a site for the caller (a customer, or an agent acting for one of its "
            "customer users). Errors carry data.mnemonic (see x-error-mnemonics) and, for "
            "invalid params, data.field, the offending param dotted. The x- extensions are "
            "described in x-conformance-extensions at the top of this document."
        ),
        "paramStructure": "by-name",
        "params": descriptors,
        "result": {
            "name": "site",
            "description": "The created site's id; more members may follow.",
            "schema": components.rewrite(result_node, result_uri),
        },
        "errors": errors,
        "examples": _example_pairings([d["name"] for d in descriptors], revision),
        "x-additional-params": params_schema.get("additionalProperties", True) is not False,
        "x-default-role": "customer",
        "x-roles": {
            role: {"required": _required("params", role, revision)} for role in contract.ROLES
        },
        "x-secret-error": {
            "code": ERRORS["access_token_invalid"][0],
            "mnemonic": "access_token_invalid",
        },
        "x-error-mnemonics": mnemonics,
        "x-error-data": components.rewrite(data_node, data_uri),
        "x-params-error-field": True,
        "x-result-unique": ["id"],
    }
    document: dict[str, Any] = {
        "openrpc": OPENRPC_VERSION,
        "info": {
            "title": "create.sites",
            "version": "1.0.0",
            "description": (
                "The create.sites JSON-RPC 2.0 method of the call-tracking Data API, as the "
                "create.sites conformance kit states its contract."
            ),
            "x-revision": revision,
        },
        "x-conformance-extensions": dict(EXTENSIONS),
        "methods": [method],
    }
    if components.schemas:
        document["components"] = {"schemas": components.schemas}
    return json.dumps(document, ensure_ascii=False)


def export_document(revision: str | None = None) -> dict[str, Any]:
    """The OpenRPC document of the contract ``revision`` (``None``: the bundled one), fresh."""
    _check_revision(revision)
    result: dict[str, Any] = json.loads(_document_text(revision or BUNDLED_REVISION))
    return result


def document_bytes(revision: str | None = None) -> bytes:
    """The document as indented UTF-8 JSON text, ending in a newline (what ``export`` writes)."""
    text = json.dumps(export_document(revision), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


__all__ = [
    "BUNDLED_REVISION",
    "EXAMPLE_TOKENS",
    "EXTENSIONS",
    "METHOD",
    "OPENRPC_VERSION",
    "REFERENCE_PARAMS",
    "UNIQUE_PARAM",
    "document_bytes",
    "examples_dir",
    "export_document",
]
