"""The generated cases keep the contract: valid and boundary ones are accepted by the validator,
each invalid one is rejected for the rule it is labelled with, and all follow the schema files."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import idna
import pytest
from helpers.json_schema_oracle import dotted, oracle, oracle_places, oracle_rules
from helpers.targets import CUSTOMER_TOKEN, served
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import contract
from conformance.contract import documents
from conformance.create_sites import plan, run
from conformance.create_sites.contract import fixed_members, omitted_members
from conformance.engine.session import unique_value as unique_domain
from conformance.engine.settings import REFERENCE_MEMBERS, TOKEN_PLACEHOLDER, Settings
from conformance.generation import schema_tree, strategies
from conformance.generation.cases import members, stretched
from conformance.generation.schema_tree import node_validator, tree
from conformance.generation.strategies import instances, requests
from conformance.server import CreateSitesApp
from conformance.validation import validator as validation

TOKEN = "generation-token"
ROLE_SETTINGS = {
    "customer": Settings(token=TOKEN),
    "agent": Settings(token=TOKEN, role="agent", user_id=101, scenario_id=7),
}


def _family(role: str, family: str, revision: str = "seed") -> list[Any]:
    chosen = dataclasses.replace(ROLE_SETTINGS[role], revision=revision)
    return [case for case in plan(chosen) if case.family == family]


ROLES_AND_REVISIONS = [(r, v) for r in ("customer", "agent") for v in contract.REVISIONS]


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@pytest.mark.parametrize(("role", "revision"), ROLES_AND_REVISIONS)
@settings(parent=settings.get_profile("generation"), max_examples=40)
@given(data=st.data())
def test_valid_requests_are_valid(role: str, revision: str, data: st.DataObject) -> None:
    """Every request the valid family draws passes the request validator of its role and
    revision."""
    chosen = ROLE_SETTINGS[role]
    drawn = requests(
        role, fixed=fixed_members(chosen), omitted=omitted_members(chosen), revision=revision
    )
    request = data.draw(drawn)
    assert validation.validator_for("request", role, revision=revision).is_valid(request)
    # and in an engine the cases never used
    assert oracle("request", role, revision).is_valid(request)
    assert request["params"]["access_token"] == TOKEN_PLACEHOLDER


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@pytest.mark.parametrize(("role", "revision"), ROLES_AND_REVISIONS)
def test_boundary_requests_are_valid(role: str, revision: str) -> None:
    """Every boundary case is a valid request of its role, by python-jsonschema (an oracle
    independent of the validator that made the cases)."""
    for case in _family(role, "boundary", revision):
        assert oracle_places(case.payload, "request", role, revision) == set(), case.name


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@pytest.mark.parametrize(("role", "revision"), ROLES_AND_REVISIONS)
def test_invalid_requests_break_their_label(role: str, revision: str) -> None:
    """Every invalid case is rejected by python-jsonschema (not the validator that filtered and
    labelled the cases) for the rule of its label: the label's keyword, at the schema path of
    the label's field, and no other field broken; the envelope is untouched."""
    for case in _family(role, "invalid", revision):
        field, keyword = case.label.rsplit(":", 1)
        places = oracle_places(case.payload, "request", role, revision)
        assert {dotted(path) for path, _ in places} == {f"params.{field}"}, (case.name, places)
        rules = oracle_rules(case.payload["params"], "params", role, revision)
        assert (field, keyword) in rules, (case.name, rules)


def test_the_current_revisions_differences_are_in_its_cases() -> None:
    """The current revision's plan has its own industries and the optional name; the seed's
    has neither; the duplicates family is in both."""
    current = {c.name for c in plan(Settings(token=TOKEN, revision="current"))}
    seed = {c.name for c in plan(Settings(token=TOKEN))}
    assert "industry_id:maximum/at=19" in current and "industry_id:maximum/at=21" in seed
    assert "industry_id:maximum/at=21" not in current
    assert {"name:optional/alone", "name:type/integer"} <= current
    assert not any(name.startswith("name:") for name in seed)
    assert {"created", "same-name", "other-letter-case"} <= current & seed


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_every_bound_and_member_is_covered() -> None:
    """Each numeric and length bound has boundary and invalid cases, each required member a
    removal, each closed object an unexpected member: read from the schema, not a list."""
    params = tree("params")
    boundary = {case.label for case in _family("customer", "boundary")}
    invalid = {case.label for case in _family("customer", "invalid")}
    for name, node in params["properties"].items():
        for keyword in ("minimum", "maximum", "maxLength"):
            if keyword in node and name not in ("user_id", "default_scenario_id"):
                assert f"{name}:{keyword}" in boundary
            if keyword in node and name in REFERENCE_MEMBERS:
                # an entity id past its bound may be "not found": sent where both conform
                assert any(
                    case.name == f"{name}={node[keyword] + (1 if keyword == 'maximum' else -1)}"
                    for case in _family("customer", "references")
                )
            elif keyword in node:
                # a name one past its length is one past DNS's bound too: the format says so
                assert f"{name}:{keyword}" in invalid or f"{name}:format" in invalid
        assert f"{name}:type" in invalid
    for name in params["required"]:
        assert f"{name}:required" in invalid
    assert "widget_link.text:maxLength" in invalid
    assert "widget_link.url:required" in invalid
    assert "widget_link.unexpected:additionalProperties" in invalid
    assert "unexpected:additionalProperties" in invalid


def test_the_references_family_sends_what_the_checks_page_says() -> None:
    """Each entity id at its bounds, one past each, and three seeded random ids between
    (docs/checks.md): the same three for a seed, others for another (bugs: a count other
    than the page's, or ids that do not follow the seed, so a rerun is not the same run)."""
    params = tree("params")

    def ids(seed: int) -> dict[str, list[int]]:
        sent: dict[str, list[int]] = {}
        for case in plan(Settings(token=TOKEN, seed=seed, families=frozenset({"references"}))):
            member, value = case.name.split("=")
            sent.setdefault(member, []).append(int(value))
        return sent

    first = ids(1)
    assert set(first) == set(REFERENCE_MEMBERS), first
    for member, values in first.items():
        low, high = params["properties"][member]["minimum"], params["properties"][member]["maximum"]
        assert values[:2] == [low, high] and values[-2:] == [low - 1, high + 1], values
        between = values[2:-2]
        assert len(between) == 3 and all(low <= v <= high for v in between), values
    assert ids(1) == first and ids(2) != first
    page = Path(__file__).resolve().parents[2] / "docs" / "checks.md"
    assert "three seeded random values" in page.read_text("utf-8")


class _TruthyLinkTextsAsText(CreateSitesApp):
    """A link's text checked as JavaScript's ``if (!text)`` does, then written as text: any
    truthy scalar taken (``true`` stored as "true"), a falsy one refused."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        link = params.get("widget_link")
        text = link.get("text") if isinstance(link, dict) else None
        if isinstance(link, dict) and text and isinstance(text, bool | int | float):
            shown = json.dumps(text)  # String(true) is "true"
            params = {**params, "widget_link": {**link, "text": shown}}
        return super().validate_params(params, role)


def test_a_string_member_gets_true_in_its_place() -> None:
    """The wrong-type boolean sent for a string is ``true``, the one a truthiness check lets
    through (bug: ``false`` sent, which such a check refuses by chance, so it passes)."""
    settings = Settings(token=CUSTOMER_TOKEN, families=("invalid",), max_examples=0)
    with served(_TruthyLinkTextsAsText) as url:
        report = run(url, settings=settings)
    failed = {f.case for f in report.failures if f.rule == "expected-outcome"}
    assert "widget_link.text:type/boolean" in failed, sorted(failed)


def test_a_boolean_member_gets_0_and_1_each_named_by_its_number() -> None:
    """In place of each boolean member, the integers 0 and 1 (what C and SQL clients send),
    each case named by the number it sends (bug: one sent 2 or -1 under the name of 0)."""
    booleans = []
    for path, node in members(tree("params")):
        if node.get("type") == "boolean":
            booleans.append(".".join(path))
    assert {"sales_enabled", "widget_link.enabled"} <= set(booleans)
    cases = {case.name: case for case in _family("customer", "invalid")}
    for name in booleans:
        for number in (0, 1):
            case = cases[f"{name}:type/integer-{number}"]
            value: Any = case.payload["params"]
            for part in name.split("."):
                value = value[part]
            assert value == number and type(value) is int, (case.name, value)


class _BoundsOffByOne(CreateSitesApp):
    """Each integer bound checked one too loosely (``<`` where ``<=`` was meant): the value
    one past a bound taken, as if it were the bound itself."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        moved = json.loads(json.dumps(params))
        for path, node in members(tree("params")):
            *outer, name = path
            holder: Any = moved
            for part in outer:
                holder = holder.get(part) if isinstance(holder, dict) else None
            value = holder.get(name) if isinstance(holder, dict) else None
            if type(value) is not int:
                continue
            if value == node.get("minimum", value + 1) - 1:
                holder[name] = node["minimum"]
            if value == node.get("maximum", value - 1) + 1:
                holder[name] = node["maximum"]
        return super().validate_params(moved, role)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_each_integer_bound_is_broken_by_one_exactly() -> None:
    """The invalid family sends one past each integer bound, so a check off by one is caught
    on every bounded member (bug: two past sent, which such a check refuses by chance)."""
    settings = Settings(token=CUSTOMER_TOKEN, families=("invalid",), max_examples=0)
    with served(_BoundsOffByOne) as url:
        report = run(url, settings=settings)
    failed = {f.case for f in report.failures if f.rule == "expected-outcome"}
    # every bound but those only the kit's decision sets (2^31 - 1: a default run takes either)
    bounded = {
        case.name
        for case in plan(settings)
        if case.label.endswith((":minimum", ":maximum")) and case.strict is None
    }
    assert {"industry_id:maximum", "second_communication_period:minimum"} <= bounded
    assert bounded <= failed, sorted(bounded - failed)


@pytest.mark.parametrize(
    ("option", "value", "member"),
    [("--user-id", "0", "user_id"), ("--scenario-id", "0", "default_scenario_id")],
)
def test_a_value_given_that_the_schema_refuses_is_named_before_any_request(
    option: str, value: str, member: str
) -> None:
    """An agent's run with a user id the schema refuses would send nothing but invalid
    requests: refused at once (exit 2), naming the member and its rule (bug: the values not
    checked, every case then judged against a request the contract refuses)."""
    from helpers.cli import fuzz

    ids = {"--user-id": "101", "--scenario-id": "7", option: value}
    with served() as url:
        code, out, err = fuzz(
            url, "--token", TOKEN, "--role", "agent", *(a for k, v in ids.items() for a in (k, v))
        )
    assert code == 2, out + err
    assert f"`{member}` must be between 1 and 2147483647; got 0" in err, err


def test_an_invalid_case_a_server_takes_is_reported_as_taken_not_as_a_duplicate() -> None:
    """A server that checks no range of one member creates a site for each case past it: each is
    reported as the success it got, since every invalid case but the domain's own sends a
    domain name of its own (bug: all sent the base's, so the second and later got
    duplicate_entity, a report that points at the domain name instead of the range)."""
    from mutants import MUTANTS, serve

    settings = Settings(token=TOKEN, families=("invalid",), max_examples=0)
    with serve(MUTANTS["range-unchecked"].app) as (url, token):
        report = run(url, settings=dataclasses.replace(settings, token=token))
    ranges = [f for f in report.failures if f.label.endswith((":minimum", ":maximum"))]
    assert len(ranges) >= 2, [(f.case, f.message) for f in report.failures[:5]]
    assert not [f.message for f in ranges if "duplicate_entity" in f.message]


class _FractionsTruncated(CreateSitesApp):
    """Integers read as C's ``(int)`` reads a double: 1.5 taken as 1."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        moved = {k: int(v) if type(v) is float else v for k, v in params.items()}
        return super().validate_params(moved, role)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_fraction_in_an_integers_place_is_one_a_truncating_server_takes() -> None:
    """The fraction sent for an integer is half above its value, which truncation takes back
    to that valid value: caught on every integer the page decides, even one at its minimum
    (bug: half below, truncated past the minimum and refused by chance)."""
    settings = Settings(token=CUSTOMER_TOKEN, families=("invalid",), max_examples=0)
    with served(_FractionsTruncated) as url:
        report = run(url, settings=settings)
    failed = {f.case for f in report.failures if f.rule == "expected-outcome"}
    # those the page decides (an integer it calls "number" is the kit's reading: not judged)
    floats = {c.name for c in plan(settings) if c.name.endswith(":type/float") and not c.strict}
    assert "industry_id:type/float" in floats
    assert floats <= failed, sorted(floats - failed)
    assert "industry_id:type/string" not in failed  # what it refuses, it refuses rightly


def test_a_boolean_member_is_sent_false_and_true_at_its_boundary() -> None:
    cases = _family("customer", "boundary")
    for path, node in members(tree("params")):
        if node.get("type") != "boolean":
            continue
        name = ".".join(path)
        sent = set()
        for case in cases:
            if case.label == f"{name}:type":
                value: Any = case.payload["params"]
                for part in path:
                    value = value[part]
                sent.add(value)
        assert sent == {False, True}, (name, sent)


def test_a_case_is_a_value_no_code_can_change() -> None:
    """A case's payload shares its members with the base's and the other cases' (only the
    objects along the changed path are copied): a case that could be changed in place would
    change others (bug: the dataclass not frozen)."""
    case = _family("customer", "invalid")[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        case.payload = {}  # type: ignore[misc]


def test_case_names_are_unique_in_each_family() -> None:
    """No two cases of one family share a name, so each is its own test id."""
    names = [(case.family, case.name) for case in plan(ROLE_SETTINGS["customer"])]
    assert len(names) == len(set(names))


def test_length_boundaries_are_counted_in_code_points() -> None:
    """The maxLength cases hold exactly the maximum in ASCII, Cyrillic and astral text."""
    cases = {case.name: case for case in _family("customer", "boundary")}
    for script, char in (("ascii", "a"), ("cyrillic", "ж"), ("astral", "\U0001f600")):
        text = cases[f"widget_link.text:maxLength/{script}=100"].payload["params"]["widget_link"][
            "text"
        ]
        assert text == char * 100


def test_domain_bounds_are_counted_in_a_label_octets() -> None:
    """DNS's bounds hold on the A-label form: a Cyrillic label of exactly 63 octets and a name
    of exactly 253 are sent as valid, one octet more as invalid; 253 Cyrillic letters are not
    sent as valid at all (1,500 octets as DNS counts them)."""
    boundary = {case.name: case for case in _family("customer", "boundary")}
    invalid = {case.name: case for case in _family("customer", "invalid")}

    def octets(case: Any) -> list[int]:
        name = case.payload["params"]["domain_name"]
        return [
            len(label) if label.isascii() else len(b"xn--" + label.encode("punycode"))
            for label in name.split(".")
        ]

    assert 63 in octets(boundary["domain_name:format/label-63-octets-cyrillic"])
    assert max(octets(invalid["domain_name:format/label-64-octets-cyrillic"])) == 64
    whole = boundary["domain_name:format/name-253-octets"].payload["params"]["domain_name"]
    assert len(idna.encode(whole, uts46=True)) == 253
    assert "domain_name:maxLength/cyrillic=253" not in boundary


def test_plan_is_deterministic() -> None:
    """The same settings give the same deterministic cases, in the same order."""
    first = [(c.name, json.dumps(c.payload), c.body) for c in plan(Settings(token=TOKEN, seed=3))]
    again = [(c.name, json.dumps(c.payload), c.body) for c in plan(Settings(token=TOKEN, seed=3))]
    assert first == again


def test_unique_domain_keeps_the_length() -> None:
    """The run-unique tag is written over letters and digits: a 253-character name stays 253."""
    domain = _family("customer", "boundary")[0].payload["params"]["domain_name"]
    is_valid = node_validator(tree("params")["properties"]["domain_name"])
    tagged = unique_domain(domain, "abc1234f", is_valid)
    assert len(tagged) == len(domain) == 253 and tagged != domain and is_valid(tagged)
    assert unique_domain("a.ru", "abc1234f", is_valid) == "abc1234f.a.ru"


def test_stretched_candidates_have_the_length() -> None:
    """Every candidate of a length is exactly that long."""
    assert {len(text) for text in stretched("example.com", 40, "ж")} == {40}


# --- the schemas drive the cases ---------------------------------------------------------------


def _clear_caches() -> None:
    contract.load_schemas.cache_clear()
    schema_tree._tree_text.cache_clear()
    schema_tree.site_id_path.cache_clear()
    strategies._requests.cache_clear()
    for cached in (
        validation._engine_registry,
        validation._documents,
        validation._engine,
        validation._member_order,
        validation.validator_for,
        # the schema object at each keyword's location: a message read from the swapped
        # schemas ("between 1 and 15") must not outlive this test in its worker
        validation._keyword_site,
    ):
        cached.cache_clear()


@pytest.fixture
def narrowed_schemas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A copy of the schemas where widget_link.text allows 40 characters instead of 100 (in the
    definitions both revisions share), and the current revision's industry_id 1-15."""
    shutil.copytree(contract.schema_dir(), tmp_path, dirs_exist_ok=True)
    shared_file = tmp_path / "shared.schema.json"
    document = json.loads(shared_file.read_text(encoding="utf-8"))
    document["$defs"]["widget_link"]["properties"]["text"]["maxLength"] = 40
    shared_file.write_text(json.dumps(document), encoding="utf-8")
    current_file = tmp_path / "current" / "params.schema.json"
    document = json.loads(current_file.read_text(encoding="utf-8"))
    document["properties"]["industry_id"]["maximum"] = 15
    current_file.write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setattr(documents, "schema_dir", lambda: tmp_path)
    _clear_caches()
    yield
    monkeypatch.undo()
    _clear_caches()


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@pytest.mark.usefixtures("narrowed_schemas")
def test_a_changed_bound_changes_the_cases() -> None:
    """Change a bound in a copy of the schemas and the generated cases follow it."""
    names = {case.name for case in plan(Settings(token=TOKEN))}
    assert "widget_link.text:maxLength/ascii=40" in names
    assert "widget_link.text:maxLength/ascii=41" in names
    assert "widget_link.text:maxLength/ascii=100" not in names
    assert "industry_id:maximum/at=21" in names  # the seed's own bound is untouched
    # the current revision's cases follow its changed bound, and its shared one
    current = {case.name for case in plan(Settings(token=TOKEN, revision="current"))}
    assert {"industry_id:maximum/at=15", "industry_id:maximum"} <= current
    assert "industry_id:maximum/at=19" not in current
    assert "widget_link.text:maxLength/ascii=40" in current
    industry = tree("params", revision="current")["properties"]["industry_id"]

    @settings(max_examples=30, deadline=None, database=None)
    @given(requests(fixed={"access_token": TOKEN}, revision="current"))
    def drawn_industries_fit(request: dict[str, Any]) -> None:
        assert 1 <= request["params"]["industry_id"] <= 15

    assert industry["maximum"] == 15
    drawn_industries_fit()
    text_node = tree("params")["properties"]["widget_link"]["properties"]["text"]

    @settings(max_examples=30, deadline=None, database=None)
    @given(instances(text_node))
    def drawn_texts_fit(text: str) -> None:
        assert 1 <= len(text) <= 40

    drawn_texts_fit()
