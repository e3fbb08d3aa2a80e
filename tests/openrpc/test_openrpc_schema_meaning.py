"""A document's schemas judge, once the kit has read them, exactly as their own draft says.

The kit rewrites each schema as draft 2020-12 with its ``$ref``s inlined (draft-04's boolean
``exclusiveMinimum``, ``allOf`` merged where the branches allow it, cycles named by an ``$id``).
Here each rewritten schema is checked against python-jsonschema's validator of the schema's
own draft, reading the document as written, on values either side of each keyword: a
rewriting that accepted one value more or less would pass a server the document fails, or
fail one it passes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT7, DRAFT202012

from conformance.openrpc.document import OpenRpcError, from_json_text, load, parse

DRAFTS = {
    "draft-04": (Draft4Validator, DRAFT4, "http://json-schema.org/draft-04/schema#"),
    "draft-07": (Draft7Validator, DRAFT7, "http://json-schema.org/draft-07/schema#"),
    "2020-12": (Draft202012Validator, DRAFT202012, "https://json-schema.org/draft/2020-12/schema"),
}


def _document(schemas: list[Any], components: dict[str, Any], draft: str) -> dict[str, Any]:
    # draft-04 is no draft a document names (OpenRPC's are draft-07 and later): its boolean
    # bounds are met in documents that say draft-07, and read as draft-04 meant them
    uri = DRAFTS["draft-07" if draft == "draft-04" else draft][2]
    return {
        "openrpc": "1.2.6",
        "$schema": uri,
        "info": {"title": "meaning", "version": "1"},
        "methods": [
            {
                "name": "m",
                "params": [{"name": f"p{i}", "schema": s} for i, s in enumerate(schemas)],
                "result": {"name": "r", "schema": {}},
            }
        ],
        "components": {"schemas": components},
    }


def _agree(draft: str, schemas: list[Any], values: list[Any], **components: Any) -> None:
    """Each param's schema, as the kit reads it, takes exactly the values its own draft's
    validator takes from the document as written."""
    raw = _document(schemas, components, draft)
    validator, specification, _ = DRAFTS[draft]
    registry = Registry().with_resource("urn:doc", Resource(raw, specification))  # type: ignore[call-arg]
    read = parse(raw).methods[0]
    for i, param in enumerate(read.params):
        original = validator({"$ref": f"urn:doc#/methods/0/params/{i}/schema"}, registry=registry)
        kit = Draft202012Validator(param.schema)
        for value in values:
            assert kit.is_valid(value) == original.is_valid(value), (
                f"{param.name} {schemas[i]!r} read as {param.schema!r}: {value!r} is "
                f"{'valid' if original.is_valid(value) else 'invalid'} by {draft}"
            )


NUMBERS = [3, 4, 4.5, 5, 5.5, 6, 7, "5", None]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "number", "minimum": 5, "exclusiveMinimum": True},
        {"type": "number", "minimum": 5, "exclusiveMinimum": False},
        {"maximum": 5, "exclusiveMaximum": True},
        {"maximum": 5, "exclusiveMaximum": False},
        {"minimum": 4, "exclusiveMinimum": True, "maximum": 6, "exclusiveMaximum": True},
        {"exclusiveMinimum": True, "type": "integer"},
    ],
    ids=["min-exclusive", "min-inclusive", "max-exclusive", "max-inclusive", "both", "no-bound"],
)
def test_draft_04_boolean_bounds_move_the_bound(schema: dict[str, Any]) -> None:
    _agree("draft-04", [schema], NUMBERS)


MIXED = [1, 2, 3, 4, 1.5, "a", "", "ab", "b", True, None, [], {}, [1], ["a"], [1, "a"],
         {"xa": 1}, {"xa": 3}, {"xa": "3"}, {"b": 1}]  # fmt: skip


@pytest.mark.parametrize(
    "branches",
    [
        [{"type": "integer"}, {"type": "number"}],
        [{"type": "number"}, {"type": "integer"}],
        [{"type": ["integer", "string"]}, {"type": "number"}],
        [{"type": ["string", "number"]}, {"type": ["number", "string"]}],
        [{"type": "string"}, {"type": "integer"}],
        [{"enum": [1, 2, 3]}, {"enum": [2, 3, 4]}],
        [{"minimum": 2}, {"minimum": 3}, {"maximum": 4}],
        [{"prefixItems": [{"type": "integer"}]}, {"prefixItems": [{"type": "string"}]}],
        [{"type": "array", "items": {"type": "integer"}}, {"items": {"minimum": 2}}],
        [{"type": "string", "pattern": "a"}, {"pattern": "b"}],
        [
            {"patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": False},
            {"properties": {"xa": {"minimum": 2}}},
        ],
        [{"not": {"type": "string"}}, {"not": {"type": "integer"}}],
        [{"properties": {"xa": {"type": "integer"}}, "type": "object"}, {"minProperties": 1}],
    ],
    ids=[
        "integer-number",
        "number-integer",
        "union-number",
        "same-union",
        "no-common-type",
        "enums",
        "bounds",
        "tuples-differ",
        "items",
        "patterns",
        "pattern-properties",
        "nots",
        "properties-first",
    ],
)
def test_all_of_merged_takes_what_every_branch_takes(branches: list[Any]) -> None:
    _agree("2020-12", [{"allOf": branches}], MIXED)


@pytest.mark.parametrize(
    "schema",
    [
        {"minimum": 5, "exclusiveMinimum": 3},
        {"minimum": 3, "exclusiveMinimum": 5},
        {"maximum": 5, "exclusiveMaximum": 7},
        {"maximum": 7, "exclusiveMaximum": 5},
    ],
    ids=["minimum-stricter", "exclusive-stricter", "maximum-stricter", "exclusive-max-stricter"],
)
def test_numeric_exclusive_bounds_keep_the_inclusive_ones_beside_them(
    schema: dict[str, Any],
) -> None:
    _agree("2020-12", [schema], NUMBERS)


def test_a_ref_into_the_param_schema_s_own_root_resolves() -> None:
    """Generated documents point into the param's schema from inside it (``#/properties/...``,
    as pydantic's ``#/$defs/...``): the kit reads it from that schema, having no such path at
    the document's root."""
    schema = {"type": "object", "properties": {"a": {"type": "integer"},
              "b": {"$ref": "#/properties/a"}}}  # fmt: skip
    read = Draft202012Validator(
        parse(_document([schema], {}, "2020-12")).methods[0].params[0].schema
    )
    assert read.is_valid({"a": 1, "b": 2})
    assert not read.is_valid({"b": "two"})


def test_draft_07_dependencies_become_dependent_required_and_schemas() -> None:
    schema = {"type": "object", "dependencies": {"a": ["b"], "c": {"required": ["d"]}}}
    values = [{}, {"a": 1}, {"a": 1, "b": 2}, {"c": 1}, {"c": 1, "d": 2}, {"b": 1, "d": 1}]
    _agree("draft-07", [schema], values)


def test_two_recursions_in_one_schema_keep_apart() -> None:
    """Each cycle gets an $id of its own: two sharing one would judge a tree by the list's
    schema."""
    tree = {
        "type": "object",
        "properties": {"kids": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}},
        "additionalProperties": False,
    }
    chain = {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Chain"},
             "n": {"type": "integer"}}, "additionalProperties": False}  # fmt: skip
    both = {"type": "object", "properties": {"tree": {"$ref": "#/components/schemas/Tree"},
            "chain": {"$ref": "#/components/schemas/Chain"}}}  # fmt: skip
    values = [{"tree": {"kids": [{"kids": []}]}}, {"tree": {"kids": [{"n": 1}]}},
              {"chain": {"next": {"n": 1}}}, {"chain": {"next": {"kids": []}}},
              {"tree": {"kids": [{}]}, "chain": {"n": 2, "next": {}}}]  # fmt: skip
    _agree(
        "2020-12", [both, {"$ref": "#/components/schemas/Chain"}], values, Tree=tree, Chain=chain
    )


def test_a_recursion_met_inside_another_shares_nothing_half_made() -> None:
    """Outer names Inner, Inner names Outer and itself: a param of Inner alone, read after
    Outer, must not get Inner's expansion as it stood inside Outer (naming Outer's $id)."""
    outer = {"type": "object", "properties": {"in": {"$ref": "#/components/schemas/Inner"}},
             "additionalProperties": False}  # fmt: skip
    inner = {"type": "object", "properties": {"out": {"$ref": "#/components/schemas/Outer"},
             "self": {"$ref": "#/components/schemas/Inner"}, "n": {"type": "integer"}},
             "additionalProperties": False}  # fmt: skip
    params = [
        {"$ref": "#/components/schemas/Outer"},
        {"$ref": "#/components/schemas/Inner"},
        {"type": "object", "properties": {"i": {"$ref": "#/components/schemas/Inner"}}},
    ]
    values = [{}, {"in": {"n": 1}}, {"in": {"out": {"in": {}}}}, {"out": {"in": {"n": "x"}}},
              {"self": {"n": 1}}, {"i": {"self": {"out": {}}}}, {"i": {"n": "x"}},
              {"out": {"x": 1}}, {"self": {"self": {"n": "x"}}}]  # fmt: skip
    _agree("2020-12", params, values, Outer=outer, Inner=inner)


def test_a_pointer_the_inner_schema_lacks_is_found_in_the_outer_one() -> None:
    """Local $defs at two depths: a $ref the inner schema's $defs lack is looked for in the
    outer schema's."""
    schema = {"$defs": {"hex": {"type": "string", "pattern": "^0x[0-9a-f]+$"}}, "type": "object",
              "properties": {"inner": {"$defs": {"other": {"type": "integer"}}, "type": "object",
                                       "properties": {"to": {"$ref": "#/$defs/hex"}}}}}  # fmt: skip
    param = parse(_document([schema], {}, "2020-12")).methods[0].params[0]
    read = Draft202012Validator(param.schema)
    assert read.is_valid({"inner": {"to": "0xab"}})
    assert not read.is_valid({"inner": {"to": "ab"}})


@pytest.mark.parametrize("keyword", ["$defs", "definitions"])
def test_a_nested_schemas_own_defs_resolve_inside_it(keyword: str) -> None:
    """A schema inside the param's, with its own $defs (draft-07 calls them definitions): its
    refs find them there, though the outer schema has none."""
    inner = {keyword: {"small": {"type": "integer", "maximum": 3}}, "type": "object",
             "properties": {"n": {"$ref": f"#/{keyword}/small"}}}  # fmt: skip
    schema = {"type": "object", "properties": {"inner": inner}}
    param = parse(_document([schema], {}, "2020-12")).methods[0].params[0]
    read = Draft202012Validator(param.schema)
    assert read.is_valid({"inner": {"n": 2}})
    assert not read.is_valid({"inner": {"n": 4}})


def test_mutually_recursive_schemas_judge_whole_from_either_end() -> None:
    """B names A, A names B: each param's expansion carries its own cycle's $id (a schema shared
    from the other's expansion would name an $id it does not hold)."""
    a = {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}},
         "additionalProperties": False}  # fmt: skip
    b = {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}},
         "additionalProperties": False}  # fmt: skip
    values = [{}, {"b": {}}, {"b": {"a": {}}}, {"b": {"x": 1}}, {"b": {"a": {"b": {"x": 1}}}},
              {"x": 1}, {"a": {}}, {"a": {"b": {}}}, {"a": {"b": 1}}, 1]  # fmt: skip
    schemas = [{"$ref": "#/components/schemas/B"}, {"$ref": "#/components/schemas/A"}]
    _agree("2020-12", schemas, values, A=a, B=b)
    _agree("2020-12", schemas[::-1], values, A=a, B=b)


def test_all_of_with_a_recursive_branch_keeps_the_recursion_to_that_branch() -> None:
    """A recursive branch carries its cycle's $id: merged with the other branch, the recursion
    would take that branch's keywords too (here, every child would need children)."""
    tree = {"type": "object", "properties": {"kids": {"type": "array",
            "items": {"$ref": "#/components/schemas/Tree"}}}}  # fmt: skip
    schema = {"allOf": [{"$ref": "#/components/schemas/Tree"}, {"required": ["kids"]}]}
    values = [{}, {"kids": []}, {"kids": [{}]}, {"kids": [{"kids": [1]}]}, {"kids": 1}]
    _agree("2020-12", [schema], values, Tree=tree)


def test_a_recursive_schema_no_value_passes_is_read_and_refuses_all() -> None:
    """Its expansion is ``false`` (no value is both a string and an integer): still read, and
    given its cycle's $id."""
    never = {"allOf": [{"type": "string"}, {"type": "integer"}],
             "properties": {"x": {"$ref": "#/components/schemas/Never"}}}  # fmt: skip
    _agree("2020-12", [{"$ref": "#/components/schemas/Never"}], MIXED, Never=never)


def test_a_draft_07_ref_ignores_its_siblings_and_a_2020_12_one_keeps_them() -> None:
    small = {"type": "integer", "maximum": 5}
    schema = {"$ref": "#/components/schemas/Small", "minimum": 3}
    _agree("draft-07", [schema], [1, 3, 5, 6, "a"], Small=small)
    _agree("2020-12", [schema], [1, 3, 5, 6, "a"], Small=small)


def test_a_bad_schema_is_named_by_its_method_and_param() -> None:
    raw = _document([{"type": "integer"}, 5], {}, "2020-12")
    with pytest.raises(OpenRpcError) as raised:
        parse(raw)
    assert str(raised.value) == "m: params[1].p1: a schema must be an object or a boolean; got 5"


def test_a_sibling_file_that_cannot_be_read_is_named_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that is there but cannot be read (its mode, as a user other than root meets
    it): the path and the system's reason, not the exception's repr."""
    raw = _document([{"$ref": "./things.json#/Thing"}], {}, "2020-12")
    document, things = tmp_path / "doc.json", tmp_path / "things.json"
    document.write_text(json.dumps(raw), "utf-8")
    things.write_text('{"Thing": {}}', "utf-8")
    read = Path.read_bytes

    def refused(path: Path) -> bytes:
        if path.name == things.name:
            raise PermissionError(13, "Permission denied", str(path))
        return read(path)

    monkeypatch.setattr(Path, "read_bytes", refused)
    with pytest.raises(OpenRpcError) as raised:
        load(document)
    assert str(raised.value).endswith(f"cannot read {things}: Permission denied"), raised.value


def test_a_sibling_file_that_is_no_json_is_named(tmp_path: Path) -> None:
    raw = _document([{"$ref": "./things.json#/Thing"}], {}, "2020-12")
    document, things = tmp_path / "doc.json", tmp_path / "things.json"
    document.write_text(json.dumps(raw), "utf-8")
    things.write_text('{"Thing": ', "utf-8")
    with pytest.raises(OpenRpcError) as raised:
        load(document)
    assert f"{things} is not a JSON document: " in str(raised.value), raised.value


def test_a_document_that_cannot_be_read_is_named_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = tmp_path / "doc.json"
    document.write_text("{}", "utf-8")

    def refused(path: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Path, "read_bytes", refused)
    with pytest.raises(OpenRpcError) as raised:
        load(document)
    assert str(raised.value) == f"{document}: cannot read: Permission denied"


def test_an_anchor_ref_is_refused_by_name() -> None:
    """``#Thing`` (an $anchor) is no JSON pointer: said so, not looked up as one."""
    raw = _document([{"$ref": "#Thing"}], {}, "2020-12")
    with pytest.raises(OpenRpcError) as raised:
        parse(raw)
    assert str(raised.value) == (
        "m: params[0].p0: $ref '#Thing': only JSON pointers (#/...) are followed, not anchors"
    )


def test_a_read_document_is_immutable() -> None:
    """A hook or a plan holds the document it was given: nothing can change it under them."""
    document = parse(_document([{"type": "integer"}], {}, "2020-12"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        document.title = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        document.methods[0].name = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        document.methods[0].params[0].required = True  # type: ignore[misc]


def test_the_title_examples_and_names_are_read_as_written(tmp_path: Path) -> None:
    raw = _document([{"type": "integer"}], {}, "2020-12")
    raw["components"]["examples"] = {"one": {"name": "one", "params": [], "result": {"value": 1}}}
    raw["methods"][0]["examples"] = [{"$ref": "#/components/examples/one"}]
    read = parse(raw)
    assert read.title == "meaning"
    assert read.methods[0].examples == ({"name": "one", "params": [], "result": {"value": 1}},)
    del raw["info"]
    assert parse(raw).title == ""


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda m: m["params"][0].pop("name"), "a content descriptor needs a name (a string)"),
        (lambda m: m["params"][0].update(name=5), "a content descriptor needs a name (a string)"),
        (lambda m: m.pop("name"), "a method needs a name (a string)"),
        (lambda m: m.update(name=["m"]), "a method needs a name (a string)"),
    ],
    ids=["param-without-name", "param-name-not-text", "method-without-name", "method-name-list"],
)
def test_a_nameless_method_or_param_is_named_as_such(change: Any, said: str) -> None:
    raw = _document([{"type": "integer"}], {}, "2020-12")
    change(raw["methods"][0])
    with pytest.raises(OpenRpcError) as raised:
        parse(raw)
    assert str(raised.value).endswith(said), raised.value


def test_a_document_that_is_no_json_is_named(tmp_path: Path) -> None:
    document = tmp_path / "doc.json"
    document.write_text('{"openrpc": ', "utf-8")
    with pytest.raises(OpenRpcError) as raised:
        load(document)
    assert str(raised.value).startswith(f"{document}: not a JSON document: ")
    with pytest.raises(OpenRpcError) as raised:
        from_json_text('{"openrpc": ', "rpc.discover")
    assert str(raised.value).startswith("rpc.discover: not a JSON document: ")


@pytest.mark.parametrize(("up", "found"), [(3, True), (4, False)])
def test_a_sibling_file_is_looked_for_up_to_three_folders_above(
    up: int, found: bool, tmp_path: Path
) -> None:
    """Specifications write file refs from their repository's root (starknet-specs): three
    folders above the document are tried, no more."""
    folder = tmp_path.joinpath(*(f"d{i}" for i in range(up)))
    folder.mkdir(parents=True)
    (tmp_path / "things.json").write_text('{"Thing": {"type": "integer"}}', "utf-8")
    document = folder / "doc.json"
    document.write_text(json.dumps(_document([{"$ref": "./things.json#/Thing"}], {}, "2020-12")))
    if found:
        assert load(document).methods[0].params[0].schema == {"type": "integer"}
    else:
        with pytest.raises(OpenRpcError, match="which does not exist"):
            load(document)
