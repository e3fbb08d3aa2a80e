"""Properties over generated payloads: the validator never crashes, and its fast engine
(jsonschema-rs) agrees with python-jsonschema on validity and on every violation's place."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from helpers.example_files import cases
from helpers.json_schema_oracle import oracle_places
from helpers.reach import branches
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
#: member names: any text, and now and then a secret's name (whose value a report must mask)
names = st.text() | st.sampled_from(["token", "secret", "password"])
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
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
def test_engines_agree_on_validity_and_places() -> None:
    """Both engines accept the same requests and find violations at the same places, in
    either revision.

    The branches this must reach: valid and invalid payloads, and a violation whose value is
    shown as it is beside one shown masked (a member named like a secret)."""
    with branches("valid", "invalid", "shown as it is", "shown masked") as reach:

        @settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
        @given(
            payload=near_valid_requests(),
            role=st.sampled_from(conformance.ROLES),
            revision=st.sampled_from(conformance.REVISIONS),
        )
        def agree(payload: Any, role: str, revision: str) -> None:
            found = list(conformance.iter_errors(payload, "request", role, revision=revision))
            ours = {(v.path, v.keyword) for v in found}
            reach("invalid" if ours else "valid")
            assert ours == oracle_places(payload, "request", role, revision)
            for violation in found:  # the offending value is the caller's own, not a copy
                if violation.instance is conformance.MISSING or is_secret_path(violation.path):
                    continue
                node = payload
                for part in violation.path:
                    node = node[part]
                shown = mask(node, secrets_in(payload), violation.path)
                if shown is node:
                    reach("shown as it is")
                    assert violation.instance is node
                else:  # a member named like a secret ({"SECRET": ...}) is shown masked
                    reach("shown masked")
                    assert violation.instance == shown
            assert conformance.is_valid(payload, "request", role, revision=revision) == (not ours)

        agree()


#: JSON text inside a string (what a caller forgot to parse): st.text() alone starts one with
#: "{" or "[" too rarely for the refusal's branch to be reached
_json_texts = json_values.map(lambda value: " " + json.dumps(value) if value else "[]")


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_validator_never_raises_on_any_json() -> None:
    """Whatever JSON it gets, the validator answers, and its answers agree with each other;
    only text that holds JSON is refused, with ArgumentError (it was meant to be parsed)."""
    with branches("JSON text refused", "valid", "violations") as reach:

        @settings(max_examples=300)
        @given(
            payload=json_values | _json_texts | st.sampled_from(SEEDS),
            kind=st.sampled_from(conformance.KINDS),
        )
        def answers(payload: Any, kind: str) -> None:
            if isinstance(payload, str) and payload.lstrip()[:1] in ("{", "["):
                reach("JSON text refused")
                with pytest.raises(conformance.ArgumentError, match="parse it first"):
                    conformance.is_valid(payload, kind)
                return
            found = list(conformance.iter_errors(payload, kind))
            reach("violations" if found else "valid")
            assert conformance.is_valid(payload, kind) == (not found)
            for violation in found:
                assert violation.message and violation.keyword and violation.schema_path

        answers()


#: letters around one lone surrogate: category Cs alone is drawn too rarely among all letters
_lone = st.tuples(
    st.text(st.characters(categories=["L"])), st.characters(codec=None, categories=["Cs"])
).map("".join)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_unrepresentable_strings_raise_only_payload_error() -> None:
    """A string with a lone surrogate raises PayloadError (and nothing else); one without is
    validated."""
    with branches("lone surrogate", "letters only") as reach:

        @settings(max_examples=100)
        @given(text=st.text(st.characters(codec=None, categories=["Cs", "L"]), min_size=1) | _lone)
        def raises(text: str) -> None:
            payload = {"jsonrpc": "2.0", "id": text, "method": "create.sites", "params": {}}
            if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
                reach("lone surrogate")
                with pytest.raises(PayloadError):
                    list(conformance.iter_errors(payload))
            else:
                reach("letters only")
                assert {v.keyword for v in conformance.iter_errors(payload)} == {"required"}

        raises()


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_loads_raises_only_payload_error() -> None:
    """Any bytes either parse or raise PayloadError."""
    with branches("parsed", "refused") as reach:

        @settings(max_examples=300)
        @given(
            data=st.binary(max_size=200)
            | json_values.map(lambda v: repr(v).encode())  # Python's spelling: mostly not JSON
            | json_values.map(lambda v: json.dumps(v).encode())
        )
        def loads(data: bytes) -> None:
            try:
                conformance.loads(data)
            except PayloadError as error:
                reach("refused")
                assert str(error)
            else:
                reach("parsed")

        loads()
