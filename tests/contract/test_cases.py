"""The example files in tests/cases drive these tests: valid ones pass, invalid ones break
exactly the rule their name states, in this kit's API and in python-jsonschema alike."""

from __future__ import annotations

from typing import Any

import pytest
from example_files import Case, cases
from json_schema_oracle import dotted, oracle, oracle_places

import conformance
from conformance.validation.violations import sorted_violations

VALID = cases("valid")
INVALID = cases("invalid")


@pytest.mark.parametrize("case", VALID, ids=lambda case: case.path.stem)
def test_valid_example_is_valid(case: Case) -> None:
    """A valid example has no violation, in this kit and in python-jsonschema."""
    payload = case.payload
    assert list(conformance.iter_errors(payload, case.kind, case.role)) == []
    assert conformance.is_valid(payload, case.kind, case.role)
    assert oracle(case.kind, case.role).is_valid(payload)


@pytest.mark.parametrize("case", INVALID, ids=lambda case: case.path.stem)
def test_invalid_example_breaks_its_named_rule(case: Case) -> None:
    """An invalid example breaks the named keyword at the named field, and nothing else."""
    payload: Any = case.payload
    found = sorted_violations(conformance.iter_errors(payload, case.kind, case.role))
    assert (case.field, case.keyword) in {(v.field, v.keyword) for v in found}, found
    assert {v.field for v in found} == {case.field}, found
    assert not conformance.is_valid(payload, case.kind, case.role)
    assert not oracle(case.kind, case.role).is_valid(payload)
    places = oracle_places(payload, case.kind, case.role)
    assert (case.field, case.keyword) in {(dotted(path), keyword) for path, keyword in places}
    assert {dotted(path) for path, _ in places} == {case.field}, places
    with pytest.raises(conformance.ContractViolation) as raised:
        conformance.validate(payload, case.kind, case.role)
    assert raised.value.violation.field == case.field


KEYWORDS = ("type", "minimum", "maximum", "minLength", "maxLength", "pattern", "format")


def _constraints() -> list[tuple[str, str, Any]]:
    """(dotted field, keyword, value) for every rule the params schema states."""
    found = []

    def walk(node: dict[str, Any], prefix: str) -> None:
        for name in node.get("required", []):
            found.append((prefix + name, "required", True))
        for name, child in node.get("properties", {}).items():
            for keyword in (
                "type",
                "minimum",
                "maximum",
                "minLength",
                "maxLength",
                "pattern",
                "format",
            ):
                if keyword in child:
                    found.append((prefix + name, keyword, child[keyword]))
            walk(child, f"{prefix}{name}.")

    walk(conformance.schema("params"), "")
    return found


def _at(payload: Any, dotted: str) -> Any:
    node = payload.get("params", {})
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


@pytest.mark.parametrize(
    ("field", "keyword", "value"), _constraints(), ids=lambda x: x if isinstance(x, str) else ""
)
def test_every_params_rule_has_examples_on_both_sides(field: str, keyword: str, value: Any) -> None:
    """Each rule of the params schema is broken by an invalid example, and each numeric or
    length bound is met exactly by a valid one."""
    broken = {(case.field, case.keyword) for case in INVALID if case.kind == "request"}
    if keyword == "pattern" and (field, "format") in {(f, k) for f, k, _ in _constraints()}:
        # no value breaks the portable shape alone (the format is stricter everywhere), and a
        # report names the format's fault first: the shape is shown broken beside it
        assert any(
            case.field == f"params.{field}"
            and "pattern" in {v.keyword for v in conformance.iter_errors(case.payload)}
            for case in INVALID
        ), field
        return
    assert (f"params.{field}", keyword) in broken
    if keyword in ("minimum", "maximum"):
        assert any(_at(case.payload, field) == value for case in VALID), (field, keyword)
    if keyword == "maxLength" and field != "domain_name":
        lengths = {len(v) for case in VALID if isinstance(v := _at(case.payload, field), str)}
        assert value in lengths, (field, lengths)
