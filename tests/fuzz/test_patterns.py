"""Simple patterns drawn run by run (``conformance.generation.patterns``): every draw matches the
pattern and the node's lengths, the contract's simple patterns take the fast path, and any
other pattern is left to ``from_regex``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.contract import REVISIONS
from conformance.generation.patterns import simple_texts
from conformance.generation.schema_tree import tree
from conformance.generation.zones import UNJUDGED_CATEGORIES


def _pattern_nodes(node: Any, path: str = "params") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "pattern" in node:
            yield path, node
        for name, child in node.get("properties", {}).items():
            yield from _pattern_nodes(child, f"{path}.{name}")


CONTRACT_PATTERNS = {
    f"{revision}:{path}": node
    for revision in REVISIONS
    for path, node in _pattern_nodes(tree("params", "customer", revision))
}


@pytest.mark.parametrize("where", sorted(CONTRACT_PATTERNS))
def test_every_draw_matches_the_contracts_pattern(where: str) -> None:
    node = CONTRACT_PATTERNS[where]
    low, high = node.get("minLength", 0), node.get("maxLength")
    drawn = simple_texts(node["pattern"], low, high)
    if drawn is None:
        return  # from_regex's business: test_generation covers it
    matches = re.compile(node["pattern"]).search

    @settings(parent=settings.get_profile("generation"), max_examples=150)
    @given(drawn)
    def check(text: str) -> None:
        assert matches(text), text
        assert low <= len(text) and (high is None or len(text) <= high), text
        assert not any(unicodedata.category(c) in UNJUDGED_CATEGORIES for c in text), text

    check()


@pytest.mark.parametrize(
    "member", ["params.default_phone_number", "params.show_visitor_id.element_id_value"]
)
def test_the_contracts_simple_patterns_take_the_fast_path(member: str) -> None:
    # these two cost 1.2-1.6 ms a draw through from_regex, most of a valid request's drawing
    node = CONTRACT_PATTERNS[f"seed:{member}"]
    drawn = simple_texts(node["pattern"], node.get("minLength", 0), node.get("maxLength"))
    assert drawn is not None


@pytest.mark.parametrize(
    "pattern",
    [
        "[0-9]+",  # not anchored: a match may sit anywhere in a longer string
        r"^\d+$",  # a category: Unicode digits, not spelled out here
        "^(ab|cd)$",  # a group of alternatives
        "^a.b$",  # any character
        "^[a-z]+(?=x)$",  # a lookahead other than the trailing newline's
        "^[",  # no pattern at all
    ],
)
def test_any_other_pattern_is_left_to_from_regex(pattern: str) -> None:
    assert simple_texts(pattern) is None


@given(st.data())
def test_a_negated_class_draws_none_of_its_characters(data: st.DataObject) -> None:
    drawn = simple_texts("^[^\t\n\f\r a-z]{1,20}$(?!\n)")
    assert drawn is not None
    text = data.draw(drawn)
    assert text and not set(text) & set("\t\n\f\r abcdefghijklmnopqrstuvwxyz")


def test_lengths_bound_a_single_run_and_contradictions_are_refused() -> None:
    assert simple_texts("^[a-c]*$", 5, 3) is None
    drawn = simple_texts("^[a-c]*$", 2, 3)
    assert drawn is not None

    @given(drawn)
    def check(text: str) -> None:
        assert 2 <= len(text) <= 3

    check()
