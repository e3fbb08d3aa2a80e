"""Properties over generated payloads: the validator never crashes, and its fast engine
(jsonschema-rs) agrees with python-jsonschema on validity and on every violation's place."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers.example_files import cases
from helpers.json_schema_oracle import oracle_places
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import conformance
from conformance import PayloadError
from conformance.validation.masking import is_secret_path, mask, secrets_in

SEEDS = [case.payload for case in cases("valid") if case.kind == "request"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, 20, 21, 365, 366, 2147483647, 2147483648, 5.0, -0.0, 1e300]),
    st.text(),
    st.sampled_from(["", "5", "true", "example.com", "https://example.com", "74951819160\n"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    return found


@st.composite
def near_valid_requests(draw: st.DrawFn) -> Any:
    """A valid example with a few members replaced, removed or added."""
    request = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_paths(request)))
        if not path:
            continue
        parent = request
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(json_values)
    return request


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    payload=near_valid_requests(),
    role=st.sampled_from(conformance.ROLES),
    revision=st.sampled_from(conformance.REVISIONS),
)
def test_engines_agree_on_validity_and_places(payload: Any, role: str, revision: str) -> None:
    """Both engines accept the same requests and find violations at the same places, in
    either revision."""
    found = list(conformance.iter_errors(payload, "request", role, revision=revision))
    ours = {(v.path, v.keyword) for v in found}
    assert ours == oracle_places(payload, "request", role, revision)
    for violation in found:  # the offending value is the caller's own, not a converted copy
        if violation.instance is not conformance.MISSING and not is_secret_path(violation.path):
            node = payload
            for part in violation.path:
                node = node[part]
            shown = mask(node, secrets_in(payload), violation.path)
            if shown is node:
                assert violation.instance is node
            else:  # a member named like a secret ({"SECRET": ...}) is shown masked
                assert violation.instance == shown
    assert conformance.is_valid(payload, "request", role, revision=revision) == (not ours)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@settings(max_examples=300)
@given(payload=json_values, kind=st.sampled_from(conformance.KINDS))
def test_validator_never_raises_on_any_json(payload: Any, kind: str) -> None:
    """Whatever JSON it gets, the validator answers, and its answers agree with each other;
    only text that holds JSON is refused, with ArgumentError (it was meant to be parsed)."""
    if isinstance(payload, str) and payload.lstrip()[:1] in ("{", "["):
        with pytest.raises(conformance.ArgumentError, match="parse it first"):
            conformance.is_valid(payload, kind)
        return
    found = list(conformance.iter_errors(payload, kind))
    assert conformance.is_valid(payload, kind) == (not found)
    for violation in found:
        assert violation.message and violation.keyword and violation.schema_path


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@settings(max_examples=100)
@given(text=st.text(st.characters(codec=None, categories=["Cs", "L"]), min_size=1))
def test_unrepresentable_strings_raise_only_payload_error(text: str) -> None:
    """A string with a lone surrogate raises PayloadError (and nothing else); one without is
    validated."""
    payload = {"jsonrpc": "2.0", "id": text, "method": "create.sites", "params": {}}
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        with pytest.raises(PayloadError):
            list(conformance.iter_errors(payload))
    else:
        assert {v.keyword for v in conformance.iter_errors(payload)} == {"required"}


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@settings(max_examples=300)
@given(data=st.binary(max_size=200) | json_values.map(lambda v: repr(v).encode()))
def test_loads_raises_only_payload_error(data: bytes) -> None:
    """Any bytes either parse or raise PayloadError."""
    try:
        conformance.loads(data)
    except PayloadError as error:
        assert str(error)
