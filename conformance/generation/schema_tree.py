"""The contract's schemas inlined: ``$ref`` followed and ``allOf`` merged into plain trees.

The runner's generators (``conformance.generation.strategies`` and
``conformance.generation.cases``) walk these trees, so that every field name and bound they
use is read from ``schemas/``, never written in Python.
A tree node is a schema object without ``$ref`` or ``allOf``: its ``properties`` are inlined
nodes, and so are the branches of ``oneOf`` and ``anyOf``. Each node can still be checked by
the real validator: ``node_validator(node)`` compiles it on its own.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import jsonschema_rs

from conformance import contract
from conformance.validation.formats import FORMATS
from conformance.validation.validator import ENGINE_INPUT_ERRORS

Node = Mapping[str, Any]

#: Keywords that only wire documents together; an inlined tree has no use for them.
_WIRING = frozenset({"$ref", "allOf", "$defs", "$id", "$schema"})


def _tighter(keyword: str, old: Any, new: Any) -> Any:
    """Two values of one keyword from ``allOf`` branches: both must hold, keep the stricter."""
    if keyword in ("minimum", "minLength", "minItems", "exclusiveMinimum"):
        return max(old, new)
    if keyword in ("maximum", "maxLength", "maxItems", "exclusiveMaximum"):
        return min(old, new)
    if keyword == "type":
        olds = [old] if isinstance(old, str) else list(old)
        news = [new] if isinstance(new, str) else list(new)
        both = [name for name in olds if name in news]
        return both[0] if len(both) == 1 else both
    return old


def _inline_all(parts: list[tuple[Node, str]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    members: dict[str, list[tuple[Node, str]]] = {}
    for part, base in (found for top, top_base in parts for found in contract.parts(top, top_base)):
        for keyword, value in part.items():
            if keyword in _WIRING:
                continue
            if keyword == "properties":
                for name, child in value.items():
                    members.setdefault(name, []).append((child, base))
            elif keyword == "required":
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
            elif keyword in ("oneOf", "anyOf"):
                merged[keyword] = [_inline_all([(branch, base)]) for branch in value]
            elif keyword in ("items", "additionalProperties") and isinstance(value, Mapping):
                merged[keyword] = _inline_all([(value, base)])
            elif keyword in merged:
                merged[keyword] = _tighter(keyword, merged[keyword], value)
            else:
                merged[keyword] = value
    if members:
        merged["properties"] = {name: _inline_all(found) for name, found in members.items()}
    return merged


def inline(node: Any, base: str) -> dict[str, Any]:
    """``node`` (found under the document ``base``) as an inlined tree."""
    return _inline_all([(node, base)])


@functools.cache
def _tree_text(kind: str, role: str, revision: str) -> str:
    uri = contract.schema_uri(kind, role, revision)
    return json.dumps(inline(contract.load_schemas()[uri], uri))


def tree(
    kind: str = "request", role: str = "customer", revision: str = contract.DEFAULT_REVISION
) -> dict[str, Any]:
    """A fresh copy of the inlined schema for ``kind`` and ``role`` in ``revision``."""
    result: dict[str, Any] = json.loads(_tree_text(kind, role, revision))
    return result


@functools.cache
def site_id_path(revision: str = contract.DEFAULT_REVISION) -> tuple[str, ...]:
    """Where a success reply carries the created site's id, read from the reply schema: the
    first integer member reached through required members of ``result``, depth first
    (``("id",)`` in the seed's revision, ``("data", "id")`` in the current one)."""

    def find(node: Node, path: tuple[str, ...]) -> tuple[str, ...] | None:
        for name in node.get("required", ()):
            child = node.get("properties", {}).get(name, {})
            if "integer" in schema_types(child):
                return (*path, name)
            found = find(child, (*path, name))
            if found is not None:
                return found
        return None

    result = tree("reply.success", revision=revision)["properties"]["result"]
    found = find(result, ())
    if found is None:
        raise ValueError(f"the {revision} revision's success reply names no integer site id")
    return found


@functools.cache
def _engine(text: str) -> Any:
    return jsonschema_rs.validator_for(json.loads(text), formats=FORMATS, validate_formats=True)


@functools.cache
def _compiled(text: str) -> Callable[[Any], bool]:
    engine = _engine(text)

    def is_valid(instance: Any) -> bool:
        try:
            return bool(engine.is_valid(instance))
        except ENGINE_INPUT_ERRORS:
            return False

    return is_valid


def node_validator(node: Node) -> Callable[[Any], bool]:
    """``is_valid`` for one inlined node on its own (a tree has no ``$ref`` left to resolve)."""
    return _compiled(json.dumps(node, sort_keys=True))


@dataclass(frozen=True)
class NodeError:
    """One way an instance breaks a node: where in the instance (``instance_path``), the
    keyword that failed and where it stands in the node (``schema_path``), the validator's
    words."""

    instance_path: tuple[str | int, ...]
    schema_path: tuple[str | int, ...]
    message: str

    @property
    def keyword(self) -> str:
        return str(self.schema_path[-1]) if self.schema_path else ""

    @property
    def pointer(self) -> str:
        """``schema_path`` as a JSON Pointer (``/properties/a/items/maximum``)."""
        return "".join(
            "/" + str(part).replace("~", "~0").replace("/", "~1") for part in self.schema_path
        )


#: Combinators whose failure only restates what a keyword inside them says better.
_WEAK: Final = frozenset({"oneOf", "anyOf", "allOf", "not"})


def node_errors(node: Node, instance: Any) -> list[NodeError]:
    """Every way ``instance`` breaks ``node`` (``[]``: it does not), the combinators last; an
    instance the engine cannot take (a lone surrogate) is one error at its root."""
    try:
        found = [
            NodeError(tuple(e.instance_path), tuple(e.schema_path), str(e.message))
            for e in _engine(json.dumps(node, sort_keys=True)).iter_errors(instance)
        ]
    except ENGINE_INPUT_ERRORS as error:
        return [NodeError((), (), f"the validator cannot read it ({error})")]
    return sorted(found, key=lambda e: e.keyword in _WEAK)


def schema_types(node: Node) -> list[str]:
    """The JSON types ``node`` allows, as a list (``[]`` when it does not say)."""
    types = node.get("type")
    if types is None and "const" in node:
        return []
    return [types] if isinstance(types, str) else list(types or [])
