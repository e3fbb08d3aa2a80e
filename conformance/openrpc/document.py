"""Any OpenRPC document, loaded and dereferenced into plain methods the runner can walk.

OpenRPC reference objects (``{"$ref": "#/components/contentDescriptors/x"}``) are followed for
methods, content descriptors and errors; inside schemas, ``$ref`` to any JSON pointer of the
document (``#/components/schemas/x``, ``#/definitions/x``, ``#/$defs/x``) is inlined, a
recursive one cut at ``MAX_REF_DEPTH`` (the cut named in ``Method.not_generated``). Schemas are
JSON Schema draft-07 by the OpenRPC spec, and 2019-09 and 2020-12 appear in practice: each is
normalised to 2020-12 (draft-07's array ``items`` becomes ``prefixItems`` and
``additionalItems`` becomes ``items``; ``dependencies`` is split; ``$defs``/``definitions`` go
once inlined), and ``allOf`` is merged where its branches do not conflict.

Nothing is fetched: a ``$ref`` outside the document is an error naming it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from conformance.errors import ArgumentError

#: How deep a chain of ``$ref``s in one schema is followed (a recursive schema is cut there).
MAX_REF_DEPTH: Final = 6

DRAFT_07: Final = "draft-07"
DRAFT_2019_09: Final = "2019-09"
DRAFT_2020_12: Final = "2020-12"


class OpenRpcError(ArgumentError):
    """A document the runner cannot read: the message names the place and the rule."""


@dataclass(frozen=True)
class Param:
    """One content descriptor: the param's name, its (normalised, inlined) schema, whether it is
    required, and its ``x-`` extensions."""

    name: str
    schema: dict[str, Any]
    required: bool = False
    description: str = ""
    extensions: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Method:
    """One method of a document, dereferenced."""

    name: str
    params: tuple[Param, ...]
    param_structure: str = "either"
    result: Param | None = None
    errors: tuple[dict[str, Any], ...] = ()
    examples: tuple[dict[str, Any], ...] = ()
    extensions: Mapping[str, Any] = field(default_factory=dict)
    #: ``(keyword, where)`` pairs the generator does not draw values for
    not_generated: tuple[tuple[str, str], ...] = ()

    @property
    def params_schema(self) -> dict[str, Any]:
        """The params as one by-name object schema."""
        node: dict[str, Any] = {
            "type": "object",
            "properties": {param.name: param.schema for param in self.params},
            "required": [param.name for param in self.params if param.required],
        }
        if self.extensions.get("x-additional-params") is False:
            node["additionalProperties"] = False
        return node


@dataclass(frozen=True)
class Document:
    """A loaded OpenRPC document: its methods, its version and the raw text it came from."""

    openrpc: str
    title: str
    methods: tuple[Method, ...]
    raw: Mapping[str, Any]
    source: str

    def method(self, name: str) -> Method:
        """The method called ``name``; ``ArgumentError`` naming the known ones otherwise."""
        for method in self.methods:
            if method.name == name:
                return method
        known = ", ".join(m.name for m in self.methods) or "none"
        raise ArgumentError(f"{self.source} describes no method {name!r}; it has: {known}")


def _pointer(document: Any, ref: str, where: str) -> Any:
    if not ref.startswith("#"):
        raise OpenRpcError(
            f"{where}: $ref {ref!r} leaves the document; only references inside it "
            "(#/components/...) are followed, nothing is fetched"
        )
    node = document
    for token in filter(None, ref[1:].split("/")):
        token = token.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(token)] if isinstance(node, list) else node[token]
        except (KeyError, IndexError, ValueError, TypeError):
            raise OpenRpcError(f"{where}: $ref {ref!r} names nothing in the document") from None
    return node


def _dereferenced(document: Any, node: Any, where: str) -> Any:
    """An OpenRPC object that may be a reference object, followed (chains too)."""
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            raise OpenRpcError(f"{where}: $ref {ref!r} refers to itself")
        seen.add(ref)
        node = _pointer(document, ref, where)
    return node


def draft_of(uri: Any) -> str:
    """The JSON Schema draft a ``$schema`` URI names (draft-07 when absent, as OpenRPC says)."""
    text = str(uri or "")
    if "2020-12" in text:
        return DRAFT_2020_12
    if "2019-09" in text:
        return DRAFT_2019_09
    return DRAFT_07


#: Keywords whose values are schemas, maps of schemas or lists of schemas.
_SCHEMA_VALUED: Final = frozenset(
    {"not", "if", "then", "else", "contains", "propertyNames", "additionalProperties"}
)
_SCHEMA_MAPS: Final = frozenset({"properties", "patternProperties", "dependentSchemas"})
_SCHEMA_LISTS: Final = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
#: Keywords whose values are data, never walked as schemas.
_VALUES: Final = frozenset({"const", "enum", "default", "examples", "example"})


class _Normaliser:
    """Inlines ``$ref``s of one document's schemas and rewrites them as draft 2020-12."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.cut: list[tuple[str, str]] = []

    def schema(self, node: Any, where: str, draft: str, depth: int = 0) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, Mapping):
            raise OpenRpcError(f"{where}: a schema must be an object or a boolean; got {node!r}")
        draft = draft_of(node["$schema"]) if "$schema" in node else draft
        if isinstance(node.get("$ref"), str):
            if depth >= MAX_REF_DEPTH:
                self.cut.append(("$ref", where))
                return {}
            target = self.schema(
                _pointer(self.document, node["$ref"], where), where, draft, depth + 1
            )
            rest = {k: v for k, v in node.items() if k != "$ref"}
            if not rest or draft == DRAFT_07:  # draft-07 ignores a $ref's siblings
                return target
            return self._merged([target, self.schema(rest, where, draft, depth)], where)
        result: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("$schema", "$id", "$defs", "definitions", "$comment"):
                continue
            if key in _VALUES:
                result[key] = copy.deepcopy(value)
            elif key in _SCHEMA_MAPS and isinstance(value, Mapping):
                result[key] = {
                    name: self.schema(child, f"{where}.{name}", draft, depth)
                    for name, child in value.items()
                }
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                result[key] = [
                    self.schema(child, f"{where}[{key}/{i}]", draft, depth)
                    for i, child in enumerate(value)
                ]
            elif key in _SCHEMA_VALUED or key in ("items", "additionalItems"):
                if key == "items" and isinstance(value, list):  # draft-07's tuple form
                    result["prefixItems"] = [
                        self.schema(child, f"{where}[{i}]", draft, depth)
                        for i, child in enumerate(value)
                    ]
                elif key == "additionalItems":
                    result.setdefault("_additional_items", self.schema(value, where, draft, depth))
                else:
                    result[key] = self.schema(value, f"{where}[]", draft, depth)
            elif key == "dependencies" and isinstance(value, Mapping):
                for name, dependency in value.items():
                    if isinstance(dependency, list):
                        result.setdefault("dependentRequired", {})[name] = dependency
                    else:
                        result.setdefault("dependentSchemas", {})[name] = self.schema(
                            dependency, where, draft, depth
                        )
            elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
                # draft-04's boolean form, still met in documents: the bound moves over
                bound = "minimum" if key == "exclusiveMinimum" else "maximum"
                if value and bound in node:
                    result[key] = node[bound]
            else:
                result[key] = copy.deepcopy(value)
        if "_additional_items" in result:
            extra = result.pop("_additional_items")
            if "prefixItems" in result:
                result["items"] = extra
        if "exclusiveMinimum" in result and node.get("exclusiveMinimum") is True:
            result.pop("minimum", None)
        if "exclusiveMaximum" in result and node.get("exclusiveMaximum") is True:
            result.pop("maximum", None)
        if "allOf" in result:
            branches = result.pop("allOf")
            return self._merged([result, *branches], where)
        return result

    def _merged(self, parts: list[Any], where: str) -> Any:
        """``allOf`` as one schema where the branches' keywords do not overlap in ways that
        need more than a union (``properties``, ``required``) or the stricter bound; otherwise
        kept as ``allOf`` (generated by filtering)."""
        merged: dict[str, Any] = {}
        for part in parts:
            if part is True:
                continue
            if not isinstance(part, Mapping):
                return {"allOf": parts}
            for key, value in part.items():
                if key == "properties":
                    for name, child in value.items():
                        if name in merged.setdefault("properties", {}):
                            return {"allOf": parts}
                        merged["properties"][name] = child
                elif key == "required":
                    merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
                elif key not in merged or merged[key] == value:
                    merged[key] = value
                elif key in ("minimum", "minLength", "minItems", "exclusiveMinimum"):
                    merged[key] = max(merged[key], value)
                elif key in ("maximum", "maxLength", "maxItems", "exclusiveMaximum"):
                    merged[key] = min(merged[key], value)
                else:
                    return {"allOf": parts}
        return merged


def _param(normaliser: _Normaliser, raw: Any, descriptor: Any, where: str, draft: str) -> Param:
    descriptor = _dereferenced(raw, descriptor, where)
    if not isinstance(descriptor, Mapping) or not isinstance(descriptor.get("name"), str):
        raise OpenRpcError(f"{where}: a content descriptor needs a name (a string)")
    if "schema" not in descriptor:
        raise OpenRpcError(f"{where} ({descriptor['name']}): a content descriptor needs a schema")
    where = f"{where.rpartition('.')[0]}.{descriptor['name']}"
    return Param(
        name=descriptor["name"],
        schema=normaliser.schema(descriptor["schema"], where, draft),
        required=descriptor.get("required") is True,
        description=str(descriptor.get("description", "")),
        extensions={k: v for k, v in descriptor.items() if k.startswith("x-")},
    )


def parse(raw: Any, source: str = "the document") -> Document:
    """A ``Document`` from the JSON value of an OpenRPC document."""
    if not isinstance(raw, Mapping):
        raise OpenRpcError(f"{source}: an OpenRPC document is a JSON object")
    methods_raw = raw.get("methods")
    if not isinstance(methods_raw, list):
        raise OpenRpcError(f"{source}: `methods` must be an array of method objects")
    draft = draft_of(raw.get("$schema"))
    methods = []
    seen: set[str] = set()
    for index, entry in enumerate(methods_raw):
        where = f"{source}: methods[{index}]"
        node = _dereferenced(raw, entry, where)
        if not isinstance(node, Mapping) or not isinstance(node.get("name"), str):
            raise OpenRpcError(f"{where}: a method needs a name (a string)")
        name = node["name"]
        if name in seen:
            raise OpenRpcError(f"{where}: the method name {name!r} is used twice")
        seen.add(name)
        normaliser = _Normaliser(raw)
        params = tuple(
            _param(normaliser, raw, descriptor, f"{name}: params[{i}].", draft)
            for i, descriptor in enumerate(node.get("params") or [])
        )
        names = [param.name for param in params]
        if len(set(names)) != len(names):
            raise OpenRpcError(f"{where} ({name}): two params share a name: {names}")
        result = (
            _param(normaliser, raw, node["result"], f"{name}: result.", draft)
            if node.get("result") is not None
            else None
        )
        errors = tuple(
            dict(_dereferenced(raw, error, f"{where}.errors[{i}]"))
            for i, error in enumerate(node.get("errors") or [])
        )
        examples = tuple(
            dict(_dereferenced(raw, example, f"{where}.examples[{i}]"))
            for i, example in enumerate(node.get("examples") or [])
        )
        structure = node.get("paramStructure", "either")
        if structure not in ("by-name", "by-position", "either"):
            raise OpenRpcError(
                f"{where} ({name}): paramStructure must be by-name, by-position or either; "
                f"got {structure!r}"
            )
        extensions = {k: v for k, v in node.items() if k.startswith("x-")}
        if isinstance(extensions.get("x-error-data"), Mapping):
            # a schema, like the params' and the result's: its $refs inlined the same way
            extensions["x-error-data"] = normaliser.schema(
                extensions["x-error-data"], f"{where}.x-error-data", draft
            )
        methods.append(
            Method(
                name=name,
                params=params,
                param_structure=structure,
                result=result,
                errors=errors,
                examples=examples,
                extensions=extensions,
                not_generated=tuple(normaliser.cut),
            )
        )
    info: Mapping[str, Any] = raw["info"] if isinstance(raw.get("info"), Mapping) else {}
    return Document(
        openrpc=str(raw.get("openrpc", "")),
        title=str(info.get("title", "")),
        methods=tuple(methods),
        raw=raw,
        source=source,
    )


def load(path: str | Path) -> Document:
    """The document in the file ``path`` (UTF-8 JSON)."""
    from conformance.errors import PayloadError
    from conformance.validation.payloads import loads

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise OpenRpcError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        raw = loads(data)
    except PayloadError as error:
        raise OpenRpcError(f"{path}: not a JSON document: {error}") from None
    return parse(raw, str(path))


def from_json_text(text: str | bytes, source: str) -> Document:
    """The document in JSON text (an ``rpc.discover`` result, for instance)."""
    return parse(json.loads(text), source)


__all__ = [
    "DRAFT_07",
    "DRAFT_2019_09",
    "DRAFT_2020_12",
    "MAX_REF_DEPTH",
    "Document",
    "Method",
    "OpenRpcError",
    "Param",
    "draft_of",
    "from_json_text",
    "load",
    "parse",
]
