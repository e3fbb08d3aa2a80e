"""The messages people read, word for word: one sentence per schema keyword, in ASCII and in
astral text (lengths are counted in code points, never in UTF-16 units or bytes).

Messages are part of the product (the server sends them, the CLI prints them), so each is
compared whole: a sentence that loses a word or a bound fails here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.reach import branches
from hypothesis import given
from hypothesis import strategies as st

import conformance
from conformance import contract
from conformance.validation.violations import LABELS_KEYWORD, describe, show

EMOJI = "\U0001f600"

#: (id, keyword, path, instance, the schema object holding the keyword, the exact message)
SENTENCES: list[tuple[str, str, tuple[str, ...], Any, dict[str, Any], str]] = [
    ("required", "required", ("params", "industry_id"), None, {},
     "`params.industry_id` is required but missing"),
    ("type-one", "type", ("params", "industry_id"), "5", {"type": "integer"},
     '`params.industry_id` must be an integer; got string "5"'),
    ("type-two", "type", ("id",), 1.5, {"type": ["string", "integer"]},
     "`id` must be a string or an integer; got number 1.5"),
    ("type-null", "type", ("params", "sales_enabled"), None, {"type": "boolean"},
     "`params.sales_enabled` must be a JSON boolean (true or false); got null"),
    ("type-secret", "type", ("params", "access_token"), 5, {"type": "string"},
     "`params.access_token` must be a string; got integer (value masked)"),
    ("type-astral", "type", ("n",), EMOJI * 3, {"type": "integer"},
     f'`n` must be an integer; got string "{EMOJI * 3}"'),
    ("minimum-between", "minimum", ("p",), 0, {"minimum": 1, "maximum": 365},
     "`p` must be between 1 and 365; got 0"),
    ("maximum-between", "maximum", ("p",), 366, {"minimum": 1, "maximum": 365},
     "`p` must be between 1 and 365; got 366"),
    ("minimum-alone", "minimum", ("p",), 0, {"minimum": 1},
     "`p` must be at least 1; got 0"),
    ("maximum-alone", "maximum", ("p",), 9, {"maximum": 5},
     "`p` must be at most 5; got 9"),
    ("maxLength-alone", "maxLength", ("d",), "a" * 254, {"maxLength": 253},
     "`d` must be at most 253 characters long (counted as Unicode code points); "
     "got 254 characters"),
    ("maxLength-between", "maxLength", ("t",), "a" * 101, {"minLength": 1, "maxLength": 100},
     "`t` must be 1 to 100 characters long (counted as Unicode code points); "
     "got 101 characters"),
    ("maxLength-astral", "maxLength", ("t",), EMOJI * 101, {"minLength": 1, "maxLength": 100},
     "`t` must be 1 to 100 characters long (counted as Unicode code points); "
     "got 101 characters"),
    ("minLength-not-empty", "minLength", ("t",), "", {"minLength": 1},
     "`t` must not be empty"),
    ("minLength-alone", "minLength", ("t",), EMOJI, {"minLength": 2},
     "`t` must be at least 2 characters long (counted as Unicode code points); "
     "got 1 character"),
    ("pattern-described", "pattern", ("p",), "7495", {"pattern": "^x$", "description": "Digits."},
     '`p` is malformed; got "7495". The schema describes it: Digits.'),
    ("pattern-newline", "pattern", ("p",), "1\n", {"pattern": "^1$(?!\\n)", "description": "D."},
     '`p` is malformed (a trailing newline is not allowed); got "1\\n". The schema describes '
     "it: D."),
    ("pattern-scheme", "pattern", ("d",), "https://a.ru", {"pattern": "^[a-z.]+$"},
     '`d` is malformed (it includes a scheme such as https://); got "https://a.ru". It must '
     "match ^[a-z.]+$"),
    ("pattern-astral-long", "pattern", ("t",), EMOJI * 70, {"pattern": "^a$", "description": "A."},
     f'`t` is malformed; got "{EMOJI * 59}… (70 characters). The schema describes it: A.'),
    ("format-name", "format", ("d",), "ж" * 58 + ".рф", {"format": "idn-hostname"},
     f"`d` is malformed: the label '{'ж' * 23}…' is 64 octets as DNS counts it (its A-label "
     f'form); a label may have at most 63; got "{"ж" * 58}.… (61 characters)'),
    ("format-url", "format", ("u",), "https://[0]/", {"format": "iri"},
     "`u` is malformed: its host '[0]' is no IPv6 address; got \"https://[0]/\""),
    ("const", "const", ("jsonrpc",), "1.0", {"const": "2.0"},
     '`jsonrpc` must be "2.0"; got "1.0"'),
    ("enum", "enum", ("e",), "c", {"enum": ["a", "b"]},
     '`e` must be one of "a", "b"; got "c"'),
    ("oneOf-consts", "oneOf", ("industry_id",), 22, {"oneOf": [{"const": 1}, {"const": 21}]},
     "`industry_id` must be one of the 2 values from 1 to 21 listed in the schema; got 22"),
    ("oneOf-other", "oneOf", (), [], {"oneOf": [{"type": "string"}, {"type": "integer"}]},
     "the payload matches none of the alternatives the schema allows"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("keyword", "path", "instance", "subschema", "message"),
    [row[1:] for row in SENTENCES],
    ids=[row[0] for row in SENTENCES],
)
def test_each_keyword_has_its_sentence(
    keyword: str, path: tuple[str, ...], instance: Any, subschema: dict[str, Any], message: str
) -> None:
    """``describe`` says, word for word, what the keyword requires and what was sent."""
    assert describe(keyword, path, instance, subschema) == message


def test_unexpected_member_sentence_with_and_without_a_suggestion() -> None:
    """An unknown member is named; a near miss gets the member probably meant."""
    allowed = ["domain_name", "industry_id"]
    assert describe("additionalProperties", ("params", "domian_name"), 1, {}, allowed) == (
        "`params.domian_name` is not an allowed member (unexpected); "
        "you may have intended `domain_name`"
    )
    assert describe("additionalProperties", ("params", "zzz"), 1, {}, allowed) == (
        "`params.zzz` is not an allowed member (unexpected)"
    )


#: the kit's decisions, an annotation on the keywords it names (its keys name keywords)
DECISIONS = "x-decisions"


def _keywords(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, child in node.items():
            if key not in ("properties", "$defs", "examples", "default"):
                found.add(key)
            if key in ("properties", "$defs"):
                for grandchild in child.values():
                    found |= _keywords(grandchild)
            elif key not in ("examples", "default", "const", "enum", LABELS_KEYWORD, DECISIONS):
                found |= _keywords(child)
    elif isinstance(node, list):
        for child in node:
            found |= _keywords(child)
    return found


#: keywords that hold no rule a payload can break (annotations, structure, references)
NOT_RULES = {"$schema", "$id", "$ref", "title", "description", "allOf", LABELS_KEYWORD, DECISIONS}


def test_every_keyword_the_schemas_use_has_a_sentence_here() -> None:
    """A keyword new to the schemas gets its sentence tested: add a row to SENTENCES."""
    used = set().union(*(_keywords(doc) for doc in contract.load_schemas().values()))
    tested = {row[1] for row in SENTENCES} | {"additionalProperties"}
    assert used - NOT_RULES - tested == set()


@pytest.mark.parametrize(("script", "char"), [("ascii", "a"), ("cyrillic", "я"), ("astral", EMOJI)])
def test_text_too_long_counts_code_points_through_the_api(script: str, char: str) -> None:
    """101 characters of any script are 101 characters in the message (not 202 UTF-16 units,
    not 404 bytes)."""
    params = {
        "access_token": "t",
        "domain_name": "example.com",
        "default_phone_number": "74951819160",
        "industry_id": 1,
        "widget_link": {"enabled": True, "text": char * 101, "url": "https://a.ru"},
    }
    (violation,) = conformance.iter_errors(params, "params")
    assert violation.message == (
        "`widget_link.text` must be 1 to 100 characters long (counted as Unicode code points); "
        "got 101 characters"
    )
    assert json.loads(json.dumps(violation.as_dict()))["value"] == char * 101


@pytest.mark.parametrize(
    ("revision", "value", "first", "last"),
    [
        ("seed", 22, "1 Auto, moto", "21 Securities"),
        ("current", 20, "1 Automotive and transportation", "19 E-commerce and retail"),
    ],
)
def test_an_industry_out_of_range_is_told_with_the_revisions_labels(
    revision: str, value: int, first: str, last: str
) -> None:
    """The labels are an annotation, not a rule; the message still lists each, in the
    revision's own list, and the one violation is the range (no restated oneOf)."""
    params = {
        "access_token": "t",
        "domain_name": "example.com",
        "default_phone_number": "74951819160",
        "industry_id": value,
    }
    found = list(conformance.iter_errors(params, "params", revision=revision))
    assert [v.keyword for v in found] == ["maximum"]
    assert found[0].message.startswith(f"`industry_id` must be between 1 and {value - 1}; ")
    assert f"({first}; " in found[0].message and found[0].message.endswith(f"; {last})")


def test_a_value_is_shown_as_json_writes_it() -> None:
    """show() writes strings and integers without json.dumps (the error path's fast path): the
    text must be the same, escapes and all. The branches this must reach: both fast paths, and
    json.dumps's (a bool is an int to isinstance, not to the fast path)."""
    with branches("string", "integer", "json.dumps") as reach:

        @given(
            st.one_of(
                st.text(), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False)
            )
        )
        def same(value: Any) -> None:
            reach({str: "string", int: "integer"}.get(type(value), "json.dumps"))
            assert show(value, limit=10**6) == json.dumps(value, ensure_ascii=False)

        same()


def test_a_value_json_cannot_write_is_still_shown() -> None:
    assert show(10**5000) == "<integer too large to print>"
    assert show(float("nan")) == "NaN"


@pytest.mark.parametrize("url", ["https://[c::1/", "https://[::1", "http://[v1.x/path"])
def test_a_bracketed_host_without_its_closing_bracket_is_no_url(url: str) -> None:
    """Found by the zones' differential test: ``https://[c::1/`` was read as the host
    ``[c::1]`` and accepted; every URL parser refuses it."""
    from conformance.validation.formats import url_problem

    assert (
        url_problem(url)
        == f"its bracketed host {url.split('//')[1].split('/')[0]!r} has no closing ]"
    )
