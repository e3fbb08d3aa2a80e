"""The example files in tests/cases drive these tests: valid ones pass, invalid ones break
exactly the rule their name states, in this kit's API and in python-jsonschema alike."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.example_files import CASES, Case, cases
from helpers.json_schema_oracle import dotted, oracle, oracle_places

import conformance
from conformance.validation.violations import sorted_violations

VALID = cases("valid") + cases("valid", "current")
INVALID = cases("invalid") + cases("invalid", "current")


def _id(case: Case) -> str:
    return f"{case.revision}/{case.path.stem}"


@pytest.mark.parametrize("case", VALID, ids=_id)
def test_valid_example_is_valid(case: Case) -> None:
    """A valid example has no violation in its revision, in this kit and in python-jsonschema."""
    payload = case.payload
    revision = case.revision
    assert list(conformance.iter_errors(payload, case.kind, case.role, revision=revision)) == []
    assert conformance.is_valid(payload, case.kind, case.role, revision=revision)
    assert oracle(case.kind, case.role, revision).is_valid(payload)


@pytest.mark.parametrize("case", INVALID, ids=_id)
def test_invalid_example_breaks_its_named_rule(case: Case) -> None:
    """An invalid example breaks the named keyword at the named field, and nothing else."""
    payload: Any = case.payload
    revision = case.revision
    found = sorted_violations(
        conformance.iter_errors(payload, case.kind, case.role, revision=revision)
    )
    assert (case.field, case.keyword) in {(v.field, v.keyword) for v in found}, found
    assert {v.field for v in found} == {case.field}, found
    assert not conformance.is_valid(payload, case.kind, case.role, revision=revision)
    assert not oracle(case.kind, case.role, revision).is_valid(payload)
    places = oracle_places(payload, case.kind, case.role, revision)
    assert (case.field, case.keyword) in {(dotted(path), keyword) for path, keyword in places}
    assert {dotted(path) for path, _ in places} == {case.field}, places
    with pytest.raises(conformance.ContractViolation) as raised:
        conformance.validate(payload, case.kind, case.role, revision=revision)
    assert raised.value.violation.field == case.field


def test_the_seed_revisions_verdicts_did_not_change() -> None:
    """Every seed example gets the verdict it got before the contract had two revisions
    (``tests/cases/seed-verdicts.json``, recorded from the one-revision kit): valid or not,
    and the (field, keyword) of each violation a person reads."""
    recorded = json.loads((CASES / "seed-verdicts.json").read_text(encoding="utf-8"))
    now = {}
    for folder in ("valid", "invalid"):
        for case in cases(folder):
            found = sorted_violations(conformance.iter_errors(case.payload, case.kind, case.role))
            now[f"{folder}/{case.path.name}"] = {
                "valid": conformance.is_valid(case.payload, case.kind, case.role),
                "rules": sorted({f"{v.field} {v.keyword}" for v in found}),
            }
    assert now == recorded


@pytest.mark.parametrize("folder", ["valid", "invalid"])
def test_each_revision_judges_the_other_revisions_differences(folder: str) -> None:
    """The examples that differ: a current-revision success reply or a request with ``name``
    is invalid under the seed's revision, and a seed success reply under the current one."""
    if folder == "valid":
        current = {c.path.stem: c for c in cases("valid", "current")}
        for stem in ("request__name", "reply__success", "reply.success__minimal"):
            case = current[stem]
            assert not conformance.is_valid(case.payload, case.kind, case.role), stem
    else:
        seed = {c.path.stem: c for c in cases("valid")}
        for stem in ("reply__success", "reply.success__minimal", "request__industry_id-max-21"):
            case = seed[stem]
            assert not conformance.is_valid(
                case.payload, case.kind, case.role, revision="current"
            ), stem


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
