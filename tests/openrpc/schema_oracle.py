"""python-jsonschema over an OpenRPC document as written: the oracle the kit's loading
(``$ref`` inlined, drafts normalised, ``allOf`` merged, cycles cut) is checked against.

A schema is judged where it stands: ``#/components/...`` in its own document, ``#/$defs/...``
in the schema itself (as pydantic writes it), ``./other.json#/...`` in the file beside the
document (or in a folder above it, as the kit looks for it). ECMA-262 patterns are read with
the kit's translation where Python's ``re`` cannot read them (``\\p{L}``)."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema import Draft7Validator, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from conformance.generation.patterns import python_pattern


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    if not isinstance(instance, str):
        return
    try:
        # ECMA-262's $ ends the text; Python's also matches before a final newline
        found = re.search(re.sub(r"(?<!\\)\$", r"\\Z", pattern), instance) is not None
    except re.error:
        translated = python_pattern(pattern)
        if translated is not None:
            found = re.search(translated, instance) is not None
        else:  # \p{Script=...}: Rust's regex crate, through jsonschema-rs, reads it
            found = jsonschema_rs.validator_for({"pattern": pattern}).is_valid(instance)
    if not found:
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


_Draft7 = validators.extend(Draft7Validator, {"pattern": _pattern})


@functools.cache
def _file(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _found(path: Path) -> Path:
    """``path``, or where the kit finds a relative file reference written from a folder above
    the referring document (``api/api/x.json`` as ``api/x.json``): one folder left out."""
    if path.is_file():
        return path
    parts = path.parts
    for i in range(len(parts) - 2, max(len(parts) - 6, 0), -1):
        candidate = Path(*parts[:i], *parts[i + 1 :])
        if candidate.is_file():
            return candidate
    raise AssertionError(f"{path}: no such file")


class Oracle:
    """Validators of the schemas of one OpenRPC document (``raw``, read from ``path``)."""

    def __init__(self, raw: Any, path: Path | None = None) -> None:
        self.raw = raw
        self.uri = path.resolve().as_uri() if path is not None else "urn:document"
        self.folder = path.resolve().parent if path is not None else None

        def retrieve(uri: str) -> Resource[Any]:
            assert uri.startswith("file://"), f"{uri}: nothing is fetched"
            return DRAFT7.create_resource(_file(str(_found(Path(uri.removeprefix("file://"))))))

        self.registry: Registry[Any] = Registry(retrieve=retrieve).with_resource(  # type: ignore[call-arg]
            self.uri, DRAFT7.create_resource(raw)
        )

    def _located(self, schema: Any) -> Any:
        """``schema`` with its references written against the document's URI; a local
        ``$defs`` stays the schema's own."""
        if isinstance(schema, list):
            return [self._located(item) for item in schema]
        if not isinstance(schema, dict):
            return schema
        result = {}
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                result[key] = self._reference(value, schema)
            elif key in ("const", "enum", "default", "examples", "example"):
                result[key] = value
            else:
                result[key] = self._located(value)
        return result

    def _reference(self, ref: str, _: Any) -> str:
        location, _, fragment = ref.partition("#")
        if ":" in location:
            return ref  # written against the document's URI already
        if not location:
            if fragment.startswith(("/$defs/", "/definitions/")):
                return ref  # the schema's own (the root this oracle validates with)
            return f"{self.uri}#{fragment}"
        assert self.folder is not None
        for base in (self.folder, *list(self.folder.parents)[:3]):
            if (base / location).is_file():
                return f"{(base / location).resolve().as_uri()}#{fragment}"
        raise AssertionError(f"{ref}: no such file beside the document")

    def validator(self, schema: Any) -> Any:
        """A validator of ``schema`` (a schema of this document, as written)."""
        root = self._located(schema)
        cls = validators.validator_for(root, default=_Draft7) if isinstance(root, dict) else _Draft7
        if cls is not _Draft7 and isinstance(root, dict) and "pattern" in json.dumps(root):
            cls = validators.extend(cls, {"pattern": _pattern})
        return cls(root, registry=self.registry)

    def params_validator(self, method: dict[str, Any]) -> Any:
        """A validator of one method's params, by name, as written."""
        descriptors = [self.descriptor(d) for d in method.get("params") or []]
        return self.validator(
            {
                "type": "object",
                "properties": {d["name"]: d["schema"] for d in descriptors},
                "required": [d["name"] for d in descriptors if d.get("required") is True],
            }
        )

    def descriptor(self, node: Any) -> Any:
        """A content descriptor, its reference followed (into another file too), its schema's
        references written against the file it was found in."""
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return {**node, "schema": self._own(node["name"], self._located(node["schema"]))}
        uri = self._reference(node["$ref"], {})
        document = uri.partition("#")[0]
        found: Any = self.registry.resolver(self.uri).lookup(uri).contents
        other = Oracle(self.raw)
        other.uri, other.registry = document, self.registry
        if document.startswith("file://"):
            other.folder = Path(document.removeprefix("file://")).parent
        return {**found, "schema": self._own(found["name"], other._located(found["schema"]))}

    @staticmethod
    def _own(name: str, schema: Any) -> Any:
        """A param schema with its own ``$defs`` as a resource of its own, so that its
        ``#/$defs/...`` name them."""
        if isinstance(schema, dict) and ("$defs" in schema or "definitions" in schema):
            return {"$id": f"urn:param:{name}", **schema}
        return schema
