"""Any OpenRPC document, loaded and dereferenced into plain methods the runner can walk.

OpenRPC reference objects (``{"$ref": "#/components/contentDescriptors/x"}``) are followed for
methods, content descriptors and errors; inside schemas, ``$ref`` to any JSON pointer of the
document (``#/components/schemas/x``, ``#/definitions/x``, ``#/$defs/x``), to a schema's own
``$defs`` (as pydantic writes them) and to a file beside the document
(``./api/other.json#/components/schemas/x``) is inlined. A chain of references is followed
whole; only a true cycle is cut, and so that the schema still judges exactly: the recursive
schema's outer expansion gets an ``$id`` (``CYCLE_ID_PREFIX``) that the inner ``$ref`` names,
each cut named in ``Method.not_generated`` (the generator draws it to a bounded depth). Schemas
are JSON Schema draft-07 by the OpenRPC spec, and 2019-09 and 2020-12 appear in practice: each
is normalised to 2020-12 (draft-07's array ``items`` becomes ``prefixItems`` and
``additionalItems`` becomes ``items``; ``dependencies`` is split; ``$defs``/``definitions`` go
once inlined), and ``allOf`` is merged into one schema that accepts exactly what every branch
accepts wherever the branches allow it.

Nothing is fetched: a ``$ref`` to another file is read from the document's folder (or from up
to ``MAX_FOLDERS_UP`` folders above it), and a ``$ref`` to a URL is an error naming it.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

from conformance.errors import ArgumentError

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
    #: ``paramStructure`` is written in the document (absent: OpenRPC's default, "either")
    structure_written: bool = False
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


#: The scheme of the ``$id`` a recursive schema's first occurrence gets, and of the ``$ref``
#: that stands at its recursion: the schema is judged whole (``$ref`` to an ``$id`` of the same
#: schema), while the generator bounds its depth (``conformance.openrpc.generation.drawable``).
CYCLE_ID_PREFIX: Final = "urn:conformance:cycle:"

#: How many folders above a document a relative file ``$ref`` is looked for, after the
#: document's own (specifications often write them from the repository's root:
#: starknet-specs' ``api/*.json`` refer to ``./api/starknet_api_openrpc.json``).
MAX_FOLDERS_UP: Final = 3


def _pointer(document: Any, pointer: str, ref: str, where: str) -> Any:
    if pointer and not pointer.startswith("/"):
        raise OpenRpcError(
            f"{where}: $ref {ref!r}: only JSON pointers (#/...) are followed, not anchors"
        )
    node = document
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(token)] if isinstance(node, list) else node[token]
        except (KeyError, IndexError, ValueError, TypeError):
            raise _Nothing(f"{where}: $ref {ref!r} names nothing in the document") from None
    return node


class _Nothing(OpenRpcError):
    """A JSON pointer that names nothing (a local ``$defs`` may still hold it)."""


class _Files:
    """The documents one load reads: the first, and each file a ``$ref`` names, read once.

    A document is named by its key: ``""`` for the first, the resolved path for the others.
    A relative file reference is looked for from the referring document's folder, then from
    up to ``MAX_FOLDERS_UP`` folders above; nothing is fetched."""

    def __init__(self, raw: Any, source: str, folder: Path | None) -> None:
        self.documents: dict[str, Any] = {"": raw}
        self.folders: dict[str, Path | None] = {"": folder}
        self.source = source

    def find(self, key: str, ref: str, where: str, roots: tuple[Any, ...] = ()) -> tuple[str, Any]:
        """The document key and the node ``ref`` names, seen from the document ``key``;
        a pointer the document lacks is looked for in the enclosing schemas ``roots`` (a local
        ``$defs``, as pydantic writes it), innermost first."""
        location, _, fragment = ref.partition("#")
        fragment = unquote(fragment)
        if location:
            key = self._file(key, location, ref, where)
        try:
            return key, _pointer(self.documents[key], fragment, ref, where)
        except _Nothing:
            if location:
                raise
            for root in roots:
                try:
                    return key, _pointer(root, fragment, ref, where)
                except _Nothing:
                    continue
            raise

    def _file(self, key: str, location: str, ref: str, where: str) -> str:
        if "://" in location or location.startswith(("urn:", "//", "mailto:")):
            raise OpenRpcError(
                f"{where}: $ref {ref!r} leaves the document; references inside it and to files "
                "beside it are followed, nothing is fetched"
            )
        folder = self.folders[key]
        if folder is None:
            raise OpenRpcError(
                f"{where}: $ref {ref!r} names another file, and this document was not read "
                "from a file: load it from its folder"
            )
        relative = Path(unquote(location))
        tried = [folder, *list(folder.parents)[:MAX_FOLDERS_UP]]
        for base in tried:
            path = (base / relative).resolve()
            if path.is_file():
                break
        else:
            places = ", ".join(str(base / relative) for base in tried)
            raise OpenRpcError(
                f"{where}: $ref {ref!r} names the file {str(relative)!r}, which does not exist "
                f"(looked for: {places})"
            )
        name = str(path)
        if name not in self.documents:
            self.documents[name] = _read_json(path, f"{where}: $ref {ref!r}")
            self.folders[name] = path.parent
        return name

    def dereferenced(self, key: str, node: Any, where: str) -> tuple[str, Any]:
        """An OpenRPC object that may be a reference object, followed (chains too), with the
        key of the document it was found in."""
        seen: set[tuple[str, str]] = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if (key, ref) in seen:
                raise OpenRpcError(f"{where}: $ref {ref!r} refers to itself")
            seen.add((key, ref))
            key, node = self.find(key, ref, where)
        return key, node


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


#: Keywords that annotate a schema and constrain no value: where two ``allOf`` branches give
#: different ones, the first is kept.
_ANNOTATIONS: Final = frozenset(
    {
        "title", "description", "$comment", "examples", "example", "default", "deprecated",
        "readOnly", "writeOnly", "name", "summary", "media", "externalDocs", "discriminator",
    }
)  # fmt: skip
_LOWER: Final = ("minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum")
_UPPER: Final = ("maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum")
#: Keywords whose value is a count: a non-negative integer, which JSON Schema's data model lets
#: a document write as 2.0 (ajv and python-jsonschema take it); read as the int Python's slices
#: and hypothesis's sizes need, where it would stop the method's plan.
_COUNTS: Final = frozenset(
    {
        "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
        "minContains", "maxContains",
    }
)  # fmt: skip


class _Normaliser:
    """Inlines ``$ref``s of one document's schemas and rewrites them as draft 2020-12.

    Every ``$ref`` chain is followed whole; only a true cycle (a ``$ref`` met again inside its
    own expansion) is cut: the outer expansion gets an ``$id`` (``CYCLE_ID_PREFIX`` and a
    number) and the inner ``$ref`` names it, so that the schema still judges exactly and the
    generator knows where to bound its depth. A target's expansion is made once and shared
    where it holds no cycle (schemas are read, never changed, downstream)."""

    def __init__(self, files: _Files) -> None:
        self.files = files
        self.cut: list[tuple[str, str]] = []
        #: the numbers of the cycles' $ids, each distinct
        self._cycle_numbers = itertools.count(1)
        self._memo: dict[tuple[int, str], Any] = {}
        #: target id -> the $id its expansion in progress takes, once a cycle names it
        self._open: dict[int, str | None] = {}
        #: where an expansion met that cannot be shared (a cycle, a local $defs): an expansion
        #: during which this grew holds one, and is made again wherever it is met
        self._unshared: list[str] = []

    def schema(
        self, node: Any, where: str, draft: str, key: str = "", roots: tuple[Any, ...] = ()
    ) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, Mapping):
            raise OpenRpcError(f"{where}: a schema must be an object or a boolean; got {node!r}")
        draft = draft_of(node["$schema"]) if "$schema" in node else draft
        if not roots or "$defs" in node or "definitions" in node:
            roots = (node, *roots)
        if isinstance(node.get("$ref"), str):
            target = self._ref(node["$ref"], where, draft, key, roots)
            rest = {k: v for k, v in node.items() if k != "$ref"}
            if draft == DRAFT_07 or not any(k not in _ANNOTATIONS for k in rest):
                return target  # draft-07 ignores a $ref's siblings; annotations add nothing
            return self._merged([target, self.schema(rest, where, draft, key, roots)], where)
        result: dict[str, Any] = {}
        for name, value in node.items():
            if name in ("$schema", "$id", "$defs", "definitions", "$comment"):
                continue
            if name in _VALUES:
                result[name] = copy.deepcopy(value)
            elif name in _SCHEMA_MAPS and isinstance(value, Mapping):
                result[name] = {
                    member: self.schema(child, f"{where}.{member}", draft, key, roots)
                    for member, child in value.items()
                }
            elif name in _SCHEMA_LISTS and isinstance(value, list):
                result[name] = [
                    self.schema(child, f"{where}[{name}/{i}]", draft, key, roots)
                    for i, child in enumerate(value)
                ]
            elif name in _SCHEMA_VALUED or name in ("items", "additionalItems"):
                if name == "items" and isinstance(value, list):  # draft-07's tuple form
                    result["prefixItems"] = [
                        self.schema(child, f"{where}[{i}]", draft, key, roots)
                        for i, child in enumerate(value)
                    ]
                elif name == "additionalItems":
                    result.setdefault(
                        "_additional_items", self.schema(value, where, draft, key, roots)
                    )
                else:
                    result[name] = self.schema(value, f"{where}[]", draft, key, roots)
            elif name == "dependencies" and isinstance(value, Mapping):
                for member, dependency in value.items():
                    if isinstance(dependency, list):
                        result.setdefault("dependentRequired", {})[member] = dependency
                    else:
                        result.setdefault("dependentSchemas", {})[member] = self.schema(
                            dependency, where, draft, key, roots
                        )
            elif name in _COUNTS and isinstance(value, float) and value.is_integer():
                result[name] = int(value)
            elif name in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
                # draft-04's boolean form, still met in documents: the bound moves over
                bound = "minimum" if name == "exclusiveMinimum" else "maximum"
                if value and bound in node:
                    result[name] = node[bound]
            else:
                result[name] = copy.deepcopy(value)
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

    def _ref(self, ref: str, where: str, draft: str, key: str, roots: tuple[Any, ...]) -> Any:
        """The schema ``ref`` names, expanded: shared where made before, cut where it is its
        own ancestor."""
        local = not ref.partition("#")[0]
        try:
            target_key, target = self.files.find(key, ref, where)
            from_root = False
        except _Nothing:
            if not local:
                raise
            target_key, target = self.files.find(key, ref, where, roots)
            from_root = True
        identity = id(target)
        if identity in self._open:
            # a true cycle: the expansion in progress gets an $id, this place names it
            if self._open[identity] is None:
                self._open[identity] = f"{CYCLE_ID_PREFIX}{next(self._cycle_numbers)}"
            self.cut.append(("$ref", where))
            self._unshared.append(where)
            return {"$ref": self._open[identity]}
        memo_key = (identity, draft)
        if memo_key in self._memo:
            return self._memo[memo_key]
        self._open[identity] = None
        unshared = len(self._unshared)
        if from_root:
            self._unshared.append(where)
        try:
            expanded = self.schema(target, where, draft, target_key, roots)
        finally:
            cycle_id = self._open.pop(identity)
        if cycle_id is not None:
            if isinstance(expanded, Mapping):
                expanded = {"$id": cycle_id, **expanded}
            else:  # an allOf kept unmerged, or a boolean: wrapped to carry the $id
                expanded = {"$id": cycle_id, "allOf": [expanded]}
        if len(self._unshared) == unshared:
            self._memo[memo_key] = expanded
        return expanded

    def _merged(self, parts: list[Any], where: str) -> Any:
        """``allOf`` as one schema that accepts exactly what every branch accepts, where the
        branches' keywords allow it: ``properties`` and ``required`` united (a member two
        branches define merged in turn), a branch's ``additionalProperties`` applied to the
        members other branches add, the stricter bound, the common types, annotations
        (``title``, ``description``, ...) from the first branch that gives them. Anything else
        that differs is kept as ``allOf`` (generated around: drawn, then filtered)."""
        if any(part is False for part in parts):
            return False
        kept = [part for part in parts if part is not True and part != {}]
        match kept:
            case []:
                return {}
            case [only]:
                return only
        if not all(isinstance(part, Mapping) for part in kept) or any(
            "$id" in part or "$ref" in part or "patternProperties" in part for part in kept
        ):
            return {"allOf": kept}
        merged: dict[str, Any] = {}
        for part in kept:
            for name, value in part.items():
                if name in ("properties", "additionalProperties", "required"):
                    continue
                if name not in merged or merged[name] == value or name in _ANNOTATIONS:
                    merged.setdefault(name, value)
                elif name in _LOWER:
                    merged[name] = max(merged[name], value)
                elif name in _UPPER:
                    merged[name] = min(merged[name], value)
                elif name == "type":
                    olds = [merged[name]] if isinstance(merged[name], str) else merged[name]
                    news = [value] if isinstance(value, str) else value
                    common = [t for t in olds if t in news or (t == "integer" and "number" in news)]
                    common += [t for t in news if t == "integer" and "number" in olds]
                    common = list(dict.fromkeys(common))
                    if not common:
                        return False  # no value has two types: nothing passes both branches
                    merged[name] = common[0] if len(common) == 1 else common
                elif name == "enum" and isinstance(value, list):
                    merged[name] = [v for v in merged[name] if v in value]
                elif name == "items" and isinstance(value, Mapping | bool):
                    merged[name] = self._merged([merged[name], value], where)
                else:
                    return {"allOf": kept}
        required = [n for part in kept for n in part.get("required", ())]
        if required:
            merged["required"] = list(dict.fromkeys(required))
        names = list(dict.fromkeys(n for part in kept for n in part.get("properties") or {}))
        if names:
            properties: dict[str, Any] = {}
            for name in names:
                # each branch's say on the member: its own schema, or its additionalProperties
                says = [
                    (part.get("properties") or {}).get(name, part.get("additionalProperties", True))
                    for part in kept
                ]
                properties[name] = self._merged(says, where)
            merged["properties"] = properties
        extras = [part["additionalProperties"] for part in kept if "additionalProperties" in part]
        if extras:
            merged["additionalProperties"] = self._merged(extras, where)
        return merged


def _param(
    normaliser: _Normaliser, files: _Files, key: str, descriptor: Any, where: str, draft: str
) -> Param:
    key, descriptor = files.dereferenced(key, descriptor, where)
    if not isinstance(descriptor, Mapping) or not isinstance(descriptor.get("name"), str):
        raise OpenRpcError(f"{where}: a content descriptor needs a name (a string)")
    if "schema" not in descriptor:
        raise OpenRpcError(f"{where} ({descriptor['name']}): a content descriptor needs a schema")
    where = f"{where.rpartition('.')[0]}.{descriptor['name']}"
    return Param(
        name=descriptor["name"],
        schema=normaliser.schema(descriptor["schema"], where, draft, key),
        required=descriptor.get("required") is True,
        description=str(descriptor.get("description", "")),
        extensions={k: v for k, v in descriptor.items() if k.startswith("x-")},
    )


def parse(raw: Any, source: str = "the document", folder: str | Path | None = None) -> Document:
    """A ``Document`` from the JSON value of an OpenRPC document; ``folder`` (where it was read
    from) is where a ``$ref`` to another file is looked for."""
    if not isinstance(raw, Mapping):
        raise OpenRpcError(f"{source}: an OpenRPC document is a JSON object")
    methods_raw = raw.get("methods")
    if not isinstance(methods_raw, list):
        raise OpenRpcError(f"{source}: `methods` must be an array of method objects")
    files = _Files(raw, source, Path(folder) if folder is not None else None)
    draft = draft_of(raw.get("$schema"))
    methods = []
    seen: set[str] = set()
    for index, entry in enumerate(methods_raw):
        where = f"{source}: methods[{index}]"
        key, node = files.dereferenced("", entry, where)
        if not isinstance(node, Mapping) or not isinstance(node.get("name"), str):
            raise OpenRpcError(f"{where}: a method needs a name (a string)")
        name = node["name"]
        if name in seen:
            raise OpenRpcError(f"{where}: the method name {name!r} is used twice")
        seen.add(name)
        normaliser = _Normaliser(files)
        params = tuple(
            _param(normaliser, files, key, descriptor, f"{name}: params[{i}].", draft)
            for i, descriptor in enumerate(node.get("params") or [])
        )
        names = [param.name for param in params]
        if len(set(names)) != len(names):
            raise OpenRpcError(f"{where} ({name}): two params share a name: {names}")
        result = (
            _param(normaliser, files, key, node["result"], f"{name}: result.", draft)
            if node.get("result") is not None
            else None
        )
        errors = tuple(
            dict(files.dereferenced(key, error, f"{where}.errors[{i}]")[1])
            for i, error in enumerate(node.get("errors") or [])
        )
        examples = tuple(
            dict(files.dereferenced(key, example, f"{where}.examples[{i}]")[1])
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
                extensions["x-error-data"], f"{where}.x-error-data", draft, key
            )
        methods.append(
            Method(
                name=name,
                params=params,
                param_structure=structure,
                structure_written="paramStructure" in node,
                result=result,
                errors=errors,
                examples=examples,
                extensions=extensions,
                not_generated=tuple(dict.fromkeys(normaliser.cut)),
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


def _read_json(path: Path, what: str) -> Any:
    from conformance.errors import PayloadError
    from conformance.validation.payloads import loads

    try:
        data = path.read_bytes()
    except OSError as error:
        raise OpenRpcError(f"{what}: cannot read {path}: {error.strerror or error}") from None
    try:
        return loads(data)
    except PayloadError as error:
        raise OpenRpcError(f"{what}: {path} is not a JSON document: {error}") from None


def load(path: str | Path) -> Document:
    """The document in the file ``path`` (UTF-8 JSON); a ``$ref`` to another file is read
    from beside it."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise OpenRpcError(f"{path}: cannot read: {error.strerror or error}") from None
    from conformance.errors import PayloadError
    from conformance.validation.payloads import loads

    try:
        raw = loads(data)
    except PayloadError as error:
        raise OpenRpcError(f"{path}: not a JSON document: {error}") from None
    return parse(raw, str(path), Path(path).resolve().parent)


def from_json_text(text: str | bytes, source: str) -> Document:
    """The document in JSON text (an ``rpc.discover`` result, for instance)."""
    from conformance.errors import PayloadError
    from conformance.validation.payloads import loads

    try:
        raw = loads(text)
    except PayloadError as error:
        raise OpenRpcError(f"{source}: not a JSON document: {error}") from None
    return parse(raw, source)


__all__ = [
    "CYCLE_ID_PREFIX",
    "DRAFT_07",
    "DRAFT_2019_09",
    "DRAFT_2020_12",
    "MAX_FOLDERS_UP",
    "Document",
    "Method",
    "OpenRpcError",
    "Param",
    "draft_of",
    "from_json_text",
    "load",
    "parse",
]
