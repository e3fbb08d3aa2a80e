"""What a document's schemas mean is what the kit generates and judges by (issue 19): every
value drawn as valid is valid by python-jsonschema over the document as written
(``schema_oracle``), recursion is bounded without widening, ``allOf`` keeps every branch,
nested optional objects keep their families, local ``$defs`` and sibling files resolve, and
an ECMA-262 pattern Python cannot read gives no traceback."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from document_server import DocumentServer
from hypothesis import given, settings
from schema_oracle import Oracle

from conformance.cli import Streams, main
from conformance.engine.settings import Settings
from conformance.generation.patterns import python_pattern
from conformance.openrpc.contract import plan_document, valid_strategy
from conformance.openrpc.document import OpenRpcError, load, parse
from conformance.server import serve_in_thread


def _document(params: list[dict[str, Any]], schemas: dict[str, Any] | None = None) -> Any:
    return {
        "openrpc": "1.3.2",
        "info": {"title": "t", "version": "1"},
        "methods": [{"name": "m", "paramStructure": "by-name", "params": params}],
        "components": {"schemas": schemas or {}},
    }


def _param(name: str, schema: Any, required: bool = True) -> dict[str, Any]:
    return {"name": name, "required": required, "schema": schema}


def _planned(params: list[dict[str, Any]]) -> Any:
    """The plan of a one-method document of ``params``."""
    (plan,) = plan_document(parse(_document(params), "doc.json"), Settings(token="t"))
    return plan


def _values(plan: Any, family: str, label: str) -> dict[str, Any]:
    """Each case of ``family`` labelled ``label``: its name, and the value it sends for the
    label's member."""
    member = label.split(":")[0]
    return {
        c.name: c.payload["params"].get(member) for c in plan.families[family] if c.label == label
    }


def _drawn(raw: Any, path: Path | None = None, examples: int = 30) -> list[Any]:
    """The params of the plan's base requests and of ``examples`` valid draws, each checked
    against the document as written."""
    document = load(path) if path is not None else parse(raw, "doc.json")
    (plan,) = plan_document(document, Settings(token="t"))
    assert plan.base is not None, plan.notes
    oracle = Oracle(raw, path)
    valid = oracle.params_validator(raw["methods"][0])
    found = [plan.base.complete, plan.base.minimal]
    for family in ("boundary",):
        found += [c.payload["params"] for c in plan.families.get(family, [])]

    @settings(parent=settings.get_profile("generation"), max_examples=examples)
    @given(valid_strategy(plan))
    def draw(request: dict[str, Any]) -> None:
        found.append(request["params"])

    draw()
    names = [p.name for p in plan.method.params]
    for params in found:
        if isinstance(params, list):  # by position: the descriptors' order
            params = dict(zip(names, params, strict=False))
        errors = [e.message for e in valid.iter_errors(params)]
        assert not errors, (json.dumps(params)[:300], errors[:3])
    return found


# --- patterns ------------------------------------------------------------------------------


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_unicode_property_pattern_is_drawn_not_a_traceback() -> None:
    raw = _document([_param("name", {"type": "string", "pattern": "^\\p{L}+$"})])
    found = _drawn(raw)
    assert any(any(ord(c) > 127 for c in p["name"]) for p in found if "name" in p)
    (plan,) = plan_document(parse(raw, "doc.json"), Settings(token="t"))
    assert not [n for n in plan.notes if "pattern" in n], plan.notes
    assert plan.families["invalid"]


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_pattern_with_no_python_spelling_is_named_once_and_drawn_around() -> None:
    greek = "^\\p{Script=Greek}+$"
    assert python_pattern(greek) is None
    raw = _document(
        [_param("word", {"type": "string", "pattern": greek, "default": "αβ"}, required=False)]
    )
    (plan,) = plan_document(parse(raw, "doc.json"), Settings(token="t"))
    named = [n for n in plan.notes if greek in n]
    assert len(named) == 1 and "no Python spelling" in named[0], plan.notes
    assert plan.base is not None and plan.base.complete == {"word": "αβ"}
    _drawn(raw)


@pytest.mark.parametrize(
    ("ecma", "python"),
    [
        ("^\\d{2}$", "^[0-9]{2}\\Z"),
        ("^[\\w-]+$", "^[A-Za-z0-9_-]+\\Z"),
        ("^(?<y>a)\\k<y>$", "^(?P<y>a)(?P=y)\\Z"),
        ("^\\u{1F600}$", "^\\U0001f600\\Z"),
        ("^[^]$", "^[\\s\\S]\\Z"),
        ("^a\\/b$", "^a/b\\Z"),
    ],
)
def test_ecma_patterns_in_python_syntax(ecma: str, python: str) -> None:
    assert python_pattern(ecma) == python


# --- $ref chains and cycles ------------------------------------------------------------------


def test_a_long_chain_of_refs_is_followed_whole() -> None:
    schemas: dict[str, Any] = {
        f"L{i}": {"$ref": f"#/components/schemas/L{i + 1}"} for i in range(9)
    }
    schemas["L9"] = {
        "type": "object",
        "properties": {"x": {"type": "integer", "minimum": 3}},
        "required": ["x"],
    }
    raw = _document([_param("deep", {"$ref": "#/components/schemas/L0"})], schemas)
    method = parse(raw, "doc.json").methods[0]
    assert method.not_generated == ()
    assert method.params[0].schema == schemas["L9"]
    found = _drawn(raw)
    assert all(isinstance(p["deep"], dict) for p in found)


TREE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "value": {"type": "integer"},
        "left": {"$ref": "#/components/schemas/Tree"},
        "kids": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
    },
    "required": ["value", "left"],
    "additionalProperties": False,
}
EXPRESSION: dict[str, Any] = {
    "oneOf": [
        {"type": "integer"},
        {
            "type": "object",
            "properties": {
                "op": {"enum": ["+", "-"]},
                "args": {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 2,
                    "items": {"$ref": "#/components/schemas/Expression"},
                },
            },
            "required": ["op", "args"],
        },
    ]
}


def test_a_recursive_schema_is_judged_whole_and_drawn_to_a_bounded_depth() -> None:
    tree = copy.deepcopy(TREE)
    tree["properties"]["left"] = {
        "oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Tree"}]
    }
    raw = _document(
        [
            _param("tree", {"$ref": "#/components/schemas/Tree"}),
            _param("expression", {"$ref": "#/components/schemas/Expression"}),
        ],
        {"Tree": tree, "Expression": EXPRESSION},
    )
    method = parse(raw, "doc.json").methods[0]
    assert [k for k, _ in method.not_generated] == ["$ref"] * 3  # left, kids, args: each once
    # judged whole: a broken node three levels down is refused, not taken as {}
    deep_bad = {"value": 1, "left": {"value": 2, "left": {"value": 3, "left": {"left": None}}}}
    from conformance.generation.schema_tree import node_validator

    valid = node_validator(method.params_schema)
    assert not valid({"tree": deep_bad, "expression": 1})
    good = {"value": 1, "left": {"value": 2, "left": {"value": 3, "left": None}}}
    assert valid(
        {"tree": good, "expression": {"op": "+", "args": [1, {"op": "-", "args": [2, 3]}]}}
    )
    found = _drawn(raw, examples=40)
    assert any(isinstance(p["tree"]["left"], dict) for p in found)


def test_a_required_recursive_member_is_never_sent_as_null_or_empty() -> None:
    """A chain whose every link is required cannot end: no params are made, and the plan says
    why, rather than cutting it to {} and sending null as valid."""
    raw = _document([_param("tree", {"$ref": "#/components/schemas/Tree"})], {"Tree": TREE})
    (plan,) = plan_document(parse(raw, "doc.json"), Settings(token="t"))
    assert plan.base is None and not plan.families
    assert any("recurs deeper than the generator draws" in n for n in plan.notes), plan.notes


def test_a_minimum_length_past_one_gets_a_case_one_character_short() -> None:
    """A string of at least 3 characters: an invalid case sends 2, the value a client off by
    one sends, besides the emptied one (bug: the one-short text made too long, so valid and
    dropped; with a bound of 1 both texts are empty and the bug hides)."""
    plan = _planned([_param("code", {"type": "string", "minLength": 3, "maxLength": 5})])
    short = {
        c.payload["params"]["code"] for c in plan.families["invalid"] if c.label == "code:minLength"
    }
    assert short == {"", "aa"}, short


def test_the_sampled_array_is_the_shortest_its_schema_allows() -> None:
    """``sample`` (base values, results of the mock server) reads an array from its items:
    empty where no minItems asks for more, else that many (bug: one item more than asked)."""
    from conformance.generation.cases import sample

    assert sample({"type": "array", "items": {"type": "string"}}, complete=True) == []
    assert sample(
        {"type": "array", "items": {"type": "integer"}, "minItems": 2}, complete=True
    ) == [0, 0]
    tuple_ = {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}]}
    assert sample(tuple_, complete=True) == []
    assert sample({**tuple_, "minItems": 1}, complete=True) == [0]
    # the items read from their schema would repeat: searched for instead, never sent invalid
    unique = {"type": "array", "items": {"type": "integer"}, "minItems": 2, "uniqueItems": True}
    drawn = sample(unique, complete=True)
    assert len(drawn) == 2 and len(set(drawn)) == 2, drawn


def test_a_space_or_letter_slipped_into_a_value_lands_in_its_middle() -> None:
    """The space and the letter a client slips into a value go in its middle, where a
    pattern anchored at both ends must still refuse them; at the end they repeat the
    trailing cases (bug: both appended)."""
    plan = _planned(
        [
            _param("code", {"type": "string", "pattern": "^[a-z]+$", "examples": ["abcd"]}),
            _param("digits", {"type": "string", "pattern": "^[0-9]+$", "examples": ["1234"]}),
        ]
    )
    sent = {c.name: c.payload["params"] for c in plan.families["invalid"]}
    assert sent["code:pattern/space-inside"]["code"] == "ab cd", sorted(sent)
    assert sent["digits:pattern/letter"]["digits"] == "12x34", sorted(sent)


def test_a_length_case_named_for_a_script_holds_that_script_s_letters() -> None:
    """A case named ``maxLength/cyrillic=5`` says a five-letter text with Cyrillic in it was
    taken; where the pattern takes no such text at that length there is no such case (bugs:
    the example itself, already at the bound, or cut to the bound, sent under every script's
    name: ASCII text said to be Cyrillic, and one request sent three times)."""
    from conformance.generation.cases import SCRIPTS

    at_bound = {
        "type": "string",
        "pattern": "^[a-z]{2}-[a-z]{2}$",
        "minLength": 5,
        "maxLength": 5,
        "examples": ["aa-aa"],
    }
    longer = {"type": "string", "pattern": "^[a-z]+$", "minLength": 3, "examples": ["abcdef"]}
    plan = _planned([_param("code", at_bound), _param("word", longer)])
    named = {
        c.name: c.payload["params"][c.label.split(":")[0]]
        for c in plan.families["boundary"]
        if c.label.endswith(("minLength", "maxLength"))
    }
    # the example cut to three letters is an ASCII text: a candidate for ASCII alone
    assert named == {"word:minLength/ascii=3": "aaa"}, named
    for name, text in named.items():
        script = name.rsplit("/", 1)[1].split("=")[0]
        assert SCRIPTS[script] in text, (name, text)


def test_a_member_the_base_leaves_out_is_broken_from_its_smallest_value() -> None:
    """An entity id the user named none for (``x-references``) is left out of the base; its
    wrong-type cases wrap its smallest value, the required members alone, so the failing
    request stays minimal (bug: the object with every member)."""
    owner = {
        "type": "object",
        "properties": {"at": {"type": "integer"}, "note": {"type": "string"}},
        "required": ["at"],
    }
    params = [
        {**_param("owner", owner, required=False), "x-references": "users"},
        _param("n", {"type": "integer"}),
    ]
    plan = _planned(params)
    assert plan.base is not None and "owner" not in plan.base.complete
    sent = {c.name: c.payload["params"] for c in plan.families["invalid"]}
    assert sent["owner:type/array"] == {"n": 0, "owner": [{"at": 0}]}, sent


def test_an_array_s_items_come_from_their_schema_s_example() -> None:
    """The base's array is read from its item schema like any value, two items of its
    example where two are asked for (bug: items read as open, ``null`` tried, the array then
    searched for and the example lost)."""
    from conformance.generation.cases import sample

    listed = {"type": "array", "items": {"type": "string", "examples": ["0x1"]}, "minItems": 2}
    assert sample(listed, complete=True) == ["0x1", "0x1"]


def test_each_numeric_bound_is_sent_and_the_number_inside_it() -> None:
    """A number bounded both ways is sent at each bound and one step inside each (bug: the
    step past the maximum taken for inside, a request the schema refuses, so dropped)."""
    plan = _planned([_param("level", {"type": "integer", "minimum": 0, "maximum": 9})])
    sent = {c.name: c.payload["params"]["level"] for c in plan.families["boundary"]}
    bounds = {k: v for k, v in sent.items() if k.startswith("level:")}
    assert bounds == {
        "level:minimum/at=0": 0,
        "level:minimum/inside=1": 1,
        "level:maximum/at=9": 9,
        "level:maximum/inside=8": 8,
    }, bounds


def test_a_choice_of_objects_is_sent_with_its_required_members_only_in_the_minimal_base() -> None:
    """The base with only required members takes a ``oneOf`` object's required members alone,
    and the complete base every member of the branch (bug: the branch read complete in both,
    so the "only required" request sent optional members)."""
    point = {
        "type": "object",
        "properties": {"x": {"type": "integer"}, "label": {"type": "string"}},
        "required": ["x"],
        "additionalProperties": False,
    }
    named = {
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "required": ["name"],
        "additionalProperties": False,
    }
    plan = _planned([_param("target", {"oneOf": [point, named]})])
    assert plan.base is not None
    assert plan.base.minimal == {"target": {"x": 0}}, plan.base.minimal
    assert plan.base.complete == {"target": {"x": 0, "label": "a"}}, plan.base.complete
    only = [c for c in plan.families["boundary"] if c.name == "params:required/only"]
    assert only and only[0].payload["params"] == {"target": {"x": 0}}


def _bare_values_plan() -> Any:
    params = [
        _param("user_id", {"type": "integer", "minimum": 1}, required=False),
        _param("owner", {"type": "integer"}, required=False),
        _param("below", {"type": "integer", "maximum": -5}),
        _param("under", {"type": "integer", "maximum": 9}),
        _param("on", {"type": "boolean"}),
    ]
    params[0]["x-references"] = "users"
    params[1]["x-references"] = "owners"
    plan = _planned(params)
    return plan


def test_bare_numbers_and_switches_take_the_plainest_valid_value() -> None:
    """With no default or example: a number bounded above alone is 0, or its maximum where
    that is below 0; a boolean is on, so that what it switches on is in use (bugs: -1 taken
    for the plainest number; a switch sent off)."""
    plan = _bare_values_plan()
    assert plan.base.complete == {"below": -5, "under": 0, "on": True}, plan.base.complete


def test_an_entity_id_with_no_maximum_is_probed_a_million_past_its_minimum() -> None:
    """An entity id bounded below alone gets its references at the minimum, at a million past
    it, at three seeded ids between and one past each (bug: a span below the minimum, an
    empty range to draw from: no plan at all)."""
    cases = _bare_values_plan().families["references"]
    for name in ("user_id", "owner"):  # an id bounded in no way starts at 1, as ids do
        sent = [c.payload["params"][name] for c in cases if name in c.payload["params"]]
        assert sent[:2] == [1, 1_000_001] and sent[-2:] == [0, 1_000_002], sent
        assert len(sent) == 7 and all(1 <= v <= 1_000_001 for v in sent[2:-2]), sent


def test_an_enum_s_neighbours_past_its_bounds_are_left_to_the_bounds() -> None:
    """A neighbour of a choice that its bounds refuse too (-1 below ``minimum: 0``) is no
    case of the enum: it would break two rules under one's name (bug: sent as an enum case,
    so a server that checks the bound first seems to break the enum)."""
    schema = {"type": "integer", "enum": [0, 2, 4], "minimum": 0, "maximum": 4}
    plan = _planned([_param("level", schema)])
    near = sorted(
        c.payload["params"]["level"] for c in plan.families["invalid"] if c.label == "level:enum"
    )
    assert near == [1, 3], near


def test_a_text_one_past_its_maximum_length_breaks_that_rule_alone() -> None:
    """The text one character too long in each script is kept only where nothing but its
    length is wrong: a Cyrillic text a Latin pattern refuses is no maxLength case (bug: a
    text breaking the pattern too, sent under the maxLength rule's name)."""
    schema = {"type": "string", "pattern": "^[a-z]+$", "maxLength": 5, "examples": ["abc"]}
    past = _values(_planned([_param("code", schema)]), "invalid", "code:maxLength")
    assert past == {"code:maxLength": "aaaaaa"}, past


def test_a_space_only_ascii_refuses_is_sent_between_two_letters() -> None:
    """No-break and ideographic spaces, which a pattern refusing ASCII space lets through, go
    between the letters of even a two-letter value, where a server's trim cannot hide them
    (bug: put first, a leading space a trim removes)."""
    schema = {"type": "string", "pattern": "^[^ ]+$", "examples": ["ab"]}
    spaced = _values(_planned([_param("code", schema)]), "boundary", "code:pattern")
    assert spaced == {
        "code:pattern/U+00A0": "a\u00a0b",
        "code:pattern/U+3000": "a\u3000b",
    }, spaced


def _two_rules_plan() -> Any:
    params = [
        _param("code", {"type": "string", "enum": ["ab", "cd"], "maxLength": 2}),
        _param("size", {"type": "string", "maxLength": 2, "enum": ["ab", "cd"]}),
        _param("note", {"type": "integer"}, required=False),
        _param("count", {"type": "integer"}),
    ]
    plan = _planned(params)
    return plan


def test_a_case_breaking_two_rules_of_a_member_is_named_whatever_the_keywords_order() -> None:
    """``https://ab`` breaks an enum of two-letter codes and their maximum length: its test id
    names one rule, the same whichever order the document writes the two keywords in (the
    schema is judged with its keys sorted), so a reformatted document keeps its test ids and a
    baseline keeps matching (bug: the last violation named, the other rule)."""
    labels = {c.name: c.label for c in _two_rules_plan().families["invalid"]}
    assert labels["code:enum/scheme"] == "code:enum", sorted(labels)
    assert labels["size:enum/scheme"] == "size:enum", sorted(labels)


def test_null_is_sent_for_a_required_member_and_not_for_an_optional_one() -> None:
    """``null`` for a required member must be refused; for an optional one it is contested
    (pydantic's ``X | None = None`` reads it as absent) and not sent (bug: the two swapped)."""
    nulls = {c.label for c in _two_rules_plan().families["invalid"] if c.name.endswith("type/null")}
    assert nulls == {"code:type", "size:type", "count:type"}, nulls


def test_counts_written_as_whole_decimals_are_counts() -> None:
    """``minItems: 2.0`` and ``maxLength: 3.0`` are integers in JSON Schema's data model (ajv and
    python-jsonschema take them), as documents made from YAML or by a generator write them: the
    method is planned as with 2 and 3 (bug: "no valid params could be made", the method left
    untested; or a count compared as a float, each case lost)."""
    pair = {"type": "array", "items": {"type": "integer"}, "minItems": 2.0}
    raw = _document([_param("pair", pair), _param("code", {"type": "string", "maxLength": 3.0})])
    document = parse(raw, "doc.json")
    read = {p.name: p.schema for p in document.methods[0].params}
    assert read["pair"]["minItems"] == 2 and type(read["pair"]["minItems"]) is int, read
    assert type(read["code"]["maxLength"]) is int, read
    (plan,) = plan_document(document, Settings(token="t"))
    assert plan.base is not None, plan.notes
    names = {c.name for family in ("boundary", "invalid") for c in plan.families[family]}
    assert {"pair:minItems/at=2", "code:maxLength/ascii=3", "code:maxLength/ascii=4"} <= names
    _drawn(raw)


def test_an_object_sent_as_a_string_is_its_json_as_a_client_writes_it() -> None:
    """The wrong-type case of an object member is its JSON text in a string, non-ASCII letters
    kept as JSON.stringify and json.dumps(ensure_ascii=False) keep them (bug: escaped as
    ``\\u041f``, text no client in those languages sends by default)."""
    owner = {"type": "object", "properties": {"name": {"type": "string"}}}
    owner["examples"] = [{"name": "Пример"}]
    (plan,) = plan_document(
        parse(_document([_param("owner", owner)]), "doc.json"), Settings(token="t")
    )
    sent = {
        c.name: c.payload["params"]["owner"]
        for c in plan.families["invalid"]
        if c.payload["params"]
    }
    assert sent["owner:type/string"] == '{"name": "Пример"}', sent


def test_a_tuple_s_items_come_from_their_own_schemas_with_nothing_allowed_after() -> None:
    """A tuple closed after its items (``items: false``, draft-07's ``additionalItems: false``)
    is read from its item schemas' examples like any other (bug: a tuple as long as asked
    taken for one that needs more, and searched for instead: the example lost)."""
    from conformance.generation.cases import sample

    closed = {
        "type": "array",
        "prefixItems": [{"type": "string", "examples": ["0x1"]}, {"type": "integer"}],
        "items": False,
        "minItems": 2,
    }
    assert sample(closed, complete=True) == ["0x1", 0]
    # open after its items (``items: true``): any value will do for the rest, null the plainest
    open_ = {**closed, "items": True, "minItems": 3}
    assert sample(open_, complete=True) == ["0x1", 0, None]


def test_a_text_with_no_example_or_bound_is_one_character() -> None:
    """A string member the schema says nothing more of is sent as the shortest text a
    careful client sends: one character, never empty (what servers refuse beyond their
    schema) and never longer than needed, so a failing request stays minimal (bug: two)."""
    plan = _planned(
        [_param("note", {"type": "string"}), _param("code", {"type": "string", "minLength": 3})]
    )
    assert plan.base is not None
    assert plan.base.complete == {"note": "a", "code": "aaa"}, plan.base.complete


def test_an_integer_bounded_to_zero_and_one_is_sent_as_a_fraction_between() -> None:
    """A 0/1 flag typed integer gets its wrong-type case: a fraction between its bounds, so
    that the type alone is broken (bug: a number past the maximum, broken twice, dropped)."""
    plan = _planned([_param("flag", {"type": "integer", "minimum": 0, "maximum": 1})])
    wrong = {c.name: c.payload["params"].get("flag") for c in plan.families["invalid"]}
    assert wrong.get("flag:type/float") == 0.5, sorted(wrong)


@pytest.mark.parametrize(
    ("pattern", "example", "length"),
    [
        ("^([a-z]{2}-)*[a-z]{2}$", "aa-aa", 17),  # blocks of exactly two letters: four more
        ("^([a-z]{2,3}-)*[a-z]{2,3}$", "aa-aa", 15),  # four more: one of three letters
        ("^([a-z]-)*[a-z]$", "a-a", 9),  # blocks of one letter: three more
        ("^([a-z]{4}-)*[a-z]{4}$", "aaaa-aaaa", 14),  # one block more, of four letters
    ],
)
def test_a_patterned_text_is_grown_to_its_maximum_length(
    pattern: str, example: str, length: int
) -> None:
    """A value cut in blocks by a pattern is grown to its maxLength in blocks the pattern
    takes, for the boundary case at the maximum (bug: only some block sizes tried, so no
    value of that length is found and the member's bound goes untested)."""
    schema = {"type": "string", "pattern": pattern, "maxLength": length, "examples": [example]}
    plan = _planned([_param("code", schema)])
    at = [c.payload["params"]["code"] for c in plan.families["boundary"]]
    assert [text for text in at if len(text) == length], (at, plan.notes)


def test_an_integer_enum_gets_the_numbers_beside_each_choice() -> None:
    """Each integer choice of an enum gets its neighbours below and above that no other
    choice is, each refused by the list alone (bug: one side left out, or the choices
    taken for booleans)."""
    plan = _planned([_param("level", {"type": "integer", "enum": [2, 4, 8]})])
    near = sorted(
        c.payload["params"]["level"] for c in plan.families["invalid"] if c.label == "level:enum"
    )
    assert near == [1, 3, 5, 7, 9], near


def test_an_optional_member_three_deep_is_sent_alone_in_a_valid_request() -> None:
    """An optional member of an optional object inside a required one is sent alone with
    what its own object requires (bug: the object three deep left without its required
    member, a request the server rightly refuses, sent as a valid one)."""
    inner = {
        "type": "object",
        "properties": {"note": {"type": "string"}, "code": {"type": "string"}},
        "required": ["code"],
    }
    raw = _document([_param("outer", {"type": "object", "properties": {"inner": inner}})])
    (plan,) = plan_document(parse(raw, "doc.json"), Settings(token="t"))
    alone = [c for c in plan.families["boundary"] if c.label == "outer.inner.note:optional"]
    assert alone and alone[0].payload["params"]["outer"]["inner"].keys() == {"note", "code"}
    _drawn(raw)


def test_the_invalid_family_follows_what_each_object_and_param_allows() -> None:
    """An object whose other members must be strings gets a member holding 1, one open to
    anything gets none (the server may take it); a required param gets its removal, but not
    one with a default, where omitting it is the page's own reading (contested)."""
    plan = _planned(
        [
            _param("tags", {"type": "object", "additionalProperties": {"type": "string"}}),
            _param("free", {"type": "object"}),
            _param("count", {"type": "integer"}),
            _param("size", {"type": "integer", "default": 5}),
        ]
    )
    labels = {c.label for c in plan.families["invalid"]}
    assert "tags.unexpected:type" in labels, sorted(labels)
    assert not [label for label in labels if label.startswith("free.unexpected")]
    assert "count:required" in labels and "size:required" not in labels


def test_a_text_past_its_maximum_length_is_one_case_per_script() -> None:
    """One text one character too long in each script, each its own test id (bug: every
    candidate of that length kept, several cases under one name)."""
    plan = _planned([_param("host", {"type": "string", "maxLength": 10, "examples": ["a.b"]})])
    past = [c.name for c in plan.families["invalid"] if c.label == "host:maxLength"]
    assert len(past) == len(set(past)), past
    scripts = {f"host:maxLength/{script}=11" for script in ("ascii", "cyrillic", "astral")}
    assert scripts <= set(past), past


def test_an_enum_is_sent_at_its_first_and_last_choice() -> None:
    plan = _planned([_param("level", {"type": "integer", "enum": [2, 4, 8]})])
    edges = {c.name: c.payload["params"]["level"] for c in plan.families["boundary"]}
    assert {"level:enum/first=2": 2, "level:enum/last=8": 8}.items() <= edges.items(), edges


# --- allOf --------------------------------------------------------------------------------------


def test_all_of_keeps_each_branch_s_additional_properties_and_merges_titles() -> None:
    raw = _document(
        [
            _param(
                "filter",
                {
                    "allOf": [
                        {
                            "title": "A",
                            "type": "object",
                            "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
                            "additionalProperties": False,
                        },
                        {
                            "title": "B",
                            "type": "object",
                            "properties": {"b": {"maxLength": 3}, "c": {"type": "string"}},
                            "required": ["b"],
                        },
                    ]
                },
            )
        ]
    )
    schema = parse(raw, "doc.json").methods[0].params[0].schema
    assert "allOf" not in schema and schema["title"] == "A"
    assert schema["properties"]["c"] is False  # the first branch allows no "c"
    assert schema["properties"]["b"] == {"type": "string", "maxLength": 3}
    assert schema["additionalProperties"] is False and schema["required"] == ["b"]
    found = _drawn(raw)
    assert all("c" not in p["filter"] for p in found)


# --- nested optional objects, local $defs, other keywords ---------------------------------------


def test_an_optional_object_inside_an_optional_object_keeps_its_families() -> None:
    """The example of the outer object lacks the inner one (lotus's ChainGetTipSet): the
    families still break and bound the inner members."""
    inner = {
        "type": "object",
        "properties": {"at": {"type": "integer", "minimum": 0, "maximum": 9}},
        "additionalProperties": False,
    }
    outer = {
        "type": "object",
        "properties": {"tag": {"enum": ["a", "b"]}, "height": inner},
        "examples": [{"tag": "a"}],
    }
    raw = _document([_param("selector", outer, required=False)])
    (plan,) = plan_document(parse(raw, "doc.json"), Settings(token="t"))
    assert not [n for n in plan.notes if "could not be made" in n], plan.notes
    labels = {c.label for family in ("boundary", "invalid") for c in plan.families[family]}
    assert {"selector.height.at:maximum", "selector.height.unexpected:additionalProperties"} <= (
        labels
    )
    _drawn(raw)


def test_a_param_schema_s_own_defs_resolve() -> None:
    pydantic = {
        "$defs": {"hex": {"type": "string", "pattern": "^0x[0-9a-f]+$"}},
        "type": "object",
        "properties": {"to": {"$ref": "#/$defs/hex"}},
        "required": ["to"],
    }
    raw = _document([_param("call", pydantic)])
    schema = parse(raw, "doc.json").methods[0].params[0].schema
    assert schema["properties"]["to"] == pydantic["$defs"]["hex"]
    _drawn(raw)


def test_tuples_not_pattern_properties_and_media_are_drawn_and_kept() -> None:
    raw = _document(
        [
            _param(
                "pair",
                {
                    "$schema": "http://json-schema.org/draft-07/schema#",
                    "type": "array",
                    "items": [{"type": "integer"}, {"type": "string", "minLength": 1}],
                    "additionalItems": False,
                    "minItems": 2,
                },
            ),
            _param(
                "labels",
                {
                    "type": "object",
                    "properties": {"name": {"type": "string"}},
                    "patternProperties": {"^x-[a-z]{1,4}$": {"type": "integer"}},
                    "additionalProperties": False,
                    "not": {"required": ["forbidden"]},
                },
            ),
            _param("blob", {"type": "string", "media": {"binaryEncoding": "base64"}}),
        ]
    )
    (plan,) = plan_document(parse(raw, "doc.json"), Settings(token="t"))
    assert not [n for n in plan.notes if "media" in n or "patternProperties" in n], plan.notes
    found = _drawn(raw, examples=60)
    assert all(isinstance(p["pair"][0], int) and isinstance(p["pair"][1], str) for p in found)
    assert any(any(k.startswith("x-") for k in p["labels"]) for p in found)


# --- other files ------------------------------------------------------------------------------


def _write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_ref_to_a_sibling_file_resolves_from_the_document_s_folder(tmp_path: Path) -> None:
    shared = {
        "openrpc": "1.3.2",
        "info": {"title": "shared", "version": "1"},
        "methods": [],
        "components": {
            "schemas": {
                "FELT": {"type": "string", "pattern": "^0x[0-9a-f]{1,8}$"},
                "CALL": {
                    "type": "object",
                    "properties": {"to": {"$ref": "#/components/schemas/FELT"}},
                    "required": ["to"],
                },
            },
            "contentDescriptors": {
                "CALL": {
                    "name": "call",
                    "required": True,
                    "schema": {"$ref": "#/components/schemas/CALL"},
                }
            },
            "errors": {"GONE": {"code": 20, "message": "gone"}},
        },
    }
    _write(tmp_path / "api" / "shared.json", shared)
    raw = {
        "openrpc": "1.3.2",
        "info": {"title": "t", "version": "1"},
        "methods": [
            {
                "name": "m",
                "params": [
                    {"$ref": "./api/shared.json#/components/contentDescriptors/CALL"},
                    _param("felt", {"$ref": "./api/shared.json#/components/schemas/FELT"}),
                ],
                "errors": [{"$ref": "./api/shared.json#/components/errors/GONE"}],
            }
        ],
    }
    # written from the repository's root, as starknet-specs' api/*.json are: found one up
    path = _write(tmp_path / "api" / "main.json", raw)
    method = load(path).methods[0]
    assert method.params[0].schema["properties"]["to"] == shared["components"]["schemas"]["FELT"]
    assert method.errors == ({"code": 20, "message": "gone"},)
    _drawn(raw, path)
    # a missing file: the reference, the file and where it was looked for
    raw["methods"][0]["params"][1]["schema"] = {"$ref": "./api/nowhere.json#/x"}
    with pytest.raises(OpenRpcError, match=r"names the file 'api/nowhere.json', which does not"):
        load(_write(tmp_path / "api" / "main.json", raw))
    # never the network, and not from a document that came from no file
    raw["methods"][0]["params"][1]["schema"] = {"$ref": "https://example.org/x.json#/x"}
    with pytest.raises(OpenRpcError, match="nothing is fetched"):
        load(_write(tmp_path / "api" / "main.json", raw))
    raw["methods"][0]["params"][1]["schema"] = {"$ref": "./api/shared.json#/x"}
    with pytest.raises(OpenRpcError, match="not read from a file"):
        parse(raw, "discovered")


# --- what the run prints ------------------------------------------------------------------------


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_method_with_no_valid_params_is_a_note_and_hypothesis_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A param no value can satisfy (its pattern and its ``not`` exclude each other): the run
    says so for the method, and hypothesis's own "You can reproduce this failure by adding
    @seed(...)" from the failed search stays off the output (starknet_getEvents printed it)."""
    raw = _document([_param("w", {"type": "string", "pattern": "^a+$", "not": {"pattern": "a"}})])
    path = _write(tmp_path / "none.json", raw)
    out, err = io.StringIO(), io.StringIO()
    argv = ["--openrpc", str(path), "--max-examples", "2", "--no-save-failures"]
    with serve_in_thread(DocumentServer(raw, path, {"m": None}), read_timeout=2.0) as url:
        code = main(["fuzz", url, *argv], Streams(io.BytesIO(), out, err))
    printed = capsys.readouterr()
    said = out.getvalue() + err.getvalue()
    assert code in (0, 1), said[-2000:]
    assert "m: no valid params could be made (Unsatisfiable" in said, said[-2000:]
    assert "@seed" not in printed.out + printed.err + said
