"""The validation API: violations that name the field and the rule, and teach."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers.server_requests import request

import conformance
from conformance import MISSING, ArgumentError, ContractViolation, PayloadError
from conformance.validation.violations import sorted_violations

REQUEST: dict[str, Any] = request(access_token="s3cr3t-token", industry_id=1)


def with_params(**params: Any) -> dict[str, Any]:
    request = copy.deepcopy(REQUEST)
    request["params"].update(params)
    return request


def only(payload: Any, kind: str = "request", role: str = "customer") -> conformance.Violation:
    found = sorted_violations(conformance.iter_errors(payload, kind, role))
    assert len(found) == 1, found
    return found[0]


def test_range_message_names_field_bounds_and_value() -> None:
    """A range violation says the field, both bounds and what was sent."""
    violation = only(with_params(second_communication_period=0))
    assert (
        violation.message == "`params.second_communication_period` must be between 1 and 365; got 0"
    )
    assert violation.field == "params.second_communication_period"
    assert violation.pointer == "/params/second_communication_period"
    assert violation.keyword == "minimum"
    # the rule is written once, in the definitions both revisions share
    assert violation.schema_path == "shared.schema.json#/$defs/second_communication_period/minimum"
    assert violation.instance == 0
    assert violation.mnemonic == "invalid_parameter_value"


def test_params_kind_names_fields_relative_to_params() -> None:
    """Validating params alone names `widget_link.text`, not `params.widget_link.text`."""
    params = dict(
        REQUEST["params"], widget_link={"enabled": True, "text": "я" * 101, "url": "https://a.ru"}
    )
    violation = only(params, kind="params")
    assert violation.field == "widget_link.text"
    assert violation.message == (
        "`widget_link.text` must be 1 to 100 characters long (counted as Unicode code points); "
        "got 101 characters"
    )


def test_missing_member_is_located_where_it_belongs() -> None:
    """A missing required member is reported at its own path, with no value."""
    request = copy.deepcopy(REQUEST)
    del request["params"]["industry_id"]
    violation = only(request)
    assert (violation.field, violation.keyword, violation.instance) == (
        "params.industry_id",
        "required",
        MISSING,
    )
    assert violation.mnemonic == "required_parameter_missed"
    assert "value" not in violation.as_dict()


def test_unexpected_member_suggests_the_intended_name() -> None:
    """An unknown member is named, with the close match the caller probably meant."""
    violation = only(with_params(domian_name="example.com"))
    assert violation.field == "params.domian_name"
    assert violation.mnemonic == "unexpected_parameters"
    assert "you may have intended `domain_name`" in violation.message


def test_each_unexpected_member_is_its_own_violation() -> None:
    """Two unknown members give two violations, one per member."""
    found = list(conformance.iter_errors(with_params(a=1, b=2)))
    assert sorted(v.field for v in found) == ["params.a", "params.b"]


@pytest.mark.parametrize("value", ["true", 0, 1, None])
def test_booleans_are_json_booleans_only(value: Any) -> None:
    """ "true", 0, 1 and null are not booleans."""
    violation = only(with_params(sales_enabled=value))
    assert violation.keyword == "type"
    assert violation.mnemonic == "data_type_error"
    assert violation.message.startswith("`params.sales_enabled` must be a JSON boolean")


@pytest.mark.parametrize("value", [True, "5", None, 5.5])
def test_integers_are_whole_json_numbers_only(value: Any) -> None:
    """true, "5", null and 5.5 are not integers; the message says what was sent."""
    violation = only(with_params(industry_id=value))
    assert violation.keyword == "type"
    assert violation.message.startswith("`params.industry_id` must be an integer; got ")


def test_access_token_is_masked_in_messages_and_dicts() -> None:
    """A token that breaks a rule is shown as *** everywhere."""
    violation = only(with_params(access_token=123456789))
    assert "123456789" not in violation.message
    assert violation.message.endswith("must be a string; got integer (value masked)")
    assert violation.as_dict()["value"] == "***"


def test_format_message_names_the_fault() -> None:
    """A domain with a scheme is told that it has one, and what to give instead."""
    violation = only(with_params(domain_name="https://example.com"))
    assert violation.keyword == "format"
    assert violation.message == (
        "`params.domain_name` is malformed: it includes a scheme such as https://: give the "
        'host name alone (example.com); got "https://example.com"'
    )


@pytest.mark.parametrize(
    ("domain_name", "fault"),
    [
        ("localhost", "it is a single label: a top-level domain is missing"),
        ("example.com:8080", "it includes a port"),
        ("example.com/contact", "it includes a path"),
        ("a.123", "its last label is all digits"),
        ("ж" * 58 + ".рф", "is 64 octets as DNS counts it (its A-label form)"),
        ("ab--cd.com", "Label has disallowed hyphens in 3rd and 4th position"),
    ],
)
def test_format_messages_teach_each_fault(domain_name: str, fault: str) -> None:
    """Each common fault of a name gets its own sentence."""
    assert fault in only(with_params(domain_name=domain_name)).message


def test_pattern_message_teaches_the_rule_and_the_likely_mistake() -> None:
    """A phone number with a plus sign is told the rule, read from the schema's description."""
    violation = only(with_params(default_phone_number="+74951819160"))
    assert violation.keyword == "pattern"
    assert "E.164 digits without a plus sign" in violation.message
    assert '; got "+74951819160". The schema describes it:' in violation.message


def test_trailing_newline_is_pointed_out() -> None:
    """A trailing newline, the classic copy-paste slip, is named."""
    violation = only(with_params(default_phone_number="74951819160\n"))
    assert "a trailing newline is not allowed" in violation.message


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_huge_values_are_shortened_in_messages() -> None:
    """A 10 MB string is not copied into the message."""
    found = list(conformance.iter_errors(with_params(domain_name="a" * 10_000_000)))
    assert {v.keyword for v in found} == {"maxLength", "pattern", "format"}
    for violation in found:
        assert len(violation.message) < 1_000
        assert "10000000 characters" in violation.message


def test_agent_role_requires_user_id() -> None:
    """An agent's request without user_id breaks the agent schema's `required`."""
    violation = only(REQUEST, role="agent")
    assert (violation.field, violation.keyword) == ("params.user_id", "required")
    assert violation.schema_path == "params.agent.schema.json#/$defs/agent/required"
    assert conformance.is_valid(with_params(user_id=7), role="agent")


def test_best_match_prefers_missing_then_unexpected_then_types_then_values() -> None:
    """The default ranking follows the order a server checks in, then the schema's order."""
    request = with_params(industry_id=0, sales_enabled="no", zzz=1)
    del request["params"]["domain_name"]
    ranked = [
        v.keyword for v in sorted(conformance.iter_errors(request), key=conformance.relevance)
    ]
    assert ranked[:4] == ["required", "additionalProperties", "type", "minimum"]
    best = conformance.best_match(conformance.iter_errors(request))
    assert best is not None and best.field == "params.domain_name"


def test_best_match_takes_a_custom_key() -> None:
    """The ranking key can be swapped, as in python-jsonschema."""
    found = conformance.iter_errors(with_params(industry_id=0, sales_enabled="no"))
    best = conformance.best_match(found, key=lambda v: v.keyword != "minimum")
    assert best is not None and best.keyword == "minimum"


def test_best_match_of_nothing_is_none() -> None:
    """A valid payload has no best match."""
    assert conformance.best_match(conformance.iter_errors(REQUEST)) is None


def test_validate_raises_the_best_match() -> None:
    """validate() raises ContractViolation carrying the most relevant violation."""
    with pytest.raises(ContractViolation, match="between 1 and 21") as raised:
        conformance.validate(with_params(industry_id=99))
    assert raised.value.violation.field == "params.industry_id"
    conformance.validate(REQUEST)


def test_reply_errors_are_reported_inside_the_branch_the_reply_chose() -> None:
    """A success reply with a string result.id is told about result.id, not about oneOf."""
    violation = only({"jsonrpc": "2.0", "id": 1, "result": {"id": "5", "success": True}}, "reply")
    assert (violation.field, violation.keyword) == ("result.id", "type")


def test_reply_with_both_result_and_error_is_told_so() -> None:
    """A reply that carries result and error is told it must carry exactly one."""
    reply = {"jsonrpc": "2.0", "id": 1, "result": {"id": 1, "success": True}, "error": {}}
    violation = only(reply, "reply")
    assert violation.message == "a reply carries exactly one of `result` and `error`"


def test_unknown_kind_is_refused_with_a_suggestion() -> None:
    """A misspelt kind names the argument, its value and what was probably meant."""
    with pytest.raises(ArgumentError, match=r"kind='requests' .* You may have intended 'request'"):
        conformance.is_valid({}, kind="requests")
    with pytest.raises(ValueError, match="role='admin'"):
        conformance.validator_for("request", "admin")


@pytest.mark.parametrize(
    "payload",
    [
        with_params(domain_name="\ud800.com"),
        {**REQUEST, "id": "\ud800"},
        with_params(access_token="t\udfff"),
        with_params(
            show_visitor_id={"enabled": True, "element_id_value": "v", "message": "\ud800"}
        ),
        with_params(**{"\ud800": 1}),
    ],
    ids=["checked-by-a-pattern", "id", "token", "free-text", "member-name"],
)
def test_lone_surrogate_is_a_payload_error_not_a_crash(payload: Any) -> None:
    """A string JSON text cannot carry is refused with PayloadError, wherever it is (also in a
    string no keyword reads); is_valid says False."""
    assert not conformance.is_valid(payload)
    with pytest.raises(PayloadError, match="lone surrogate"):
        list(conformance.iter_errors(payload))


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_deep_nesting_is_a_payload_error_not_a_crash() -> None:
    """A payload nested deeper than the engine follows is refused with PayloadError."""
    deep: Any = 1
    for _ in range(100_000):
        deep = [deep]
    payload = with_params(zzz=deep)
    assert not conformance.is_valid(payload)
    with pytest.raises(PayloadError, match="nested too deeply"):
        list(conformance.iter_errors(payload))


def test_validators_are_shared_and_describe_themselves() -> None:
    """validator_for returns one validator per kind and role."""
    validator = conformance.validator_for("params", "agent")
    assert validator is conformance.validator_for("params", "agent")
    assert repr(validator) == "Validator(kind='params', role='agent')"


def test_scheme_hint_only_where_a_scheme_does_not_belong() -> None:
    """A URL with the wrong scheme is not told that a scheme is the problem."""
    link = {"enabled": True, "text": "a", "url": "ftp://example.com"}
    violation = only(with_params(widget_link=link))
    assert violation.field == "params.widget_link.url"
    assert "includes a scheme" not in violation.message
    assert '; got "ftp://example.com". The schema describes it: ' in violation.message


@pytest.mark.parametrize("text", ['{"jsonrpc": "2.0"}', b'  [{"id": 1}]', '\n{"params": {}}'])
@pytest.mark.parametrize("function", ["is_valid", "iter_errors", "validate"])
def test_json_text_is_refused_with_what_to_do(text: str | bytes, function: str) -> None:
    """A str or bytes holding JSON text was meant to be parsed: ArgumentError says so, rather
    than a silent False."""
    with pytest.raises(conformance.ArgumentError, match=r"parse it first.*conformance\.loads"):
        getattr(conformance, function)(text)


def test_other_strings_are_just_invalid_payloads() -> None:
    """A plain string is an invalid payload, as before."""
    assert conformance.is_valid("create.sites") is False
    assert conformance.is_valid(conformance.loads('{"jsonrpc": "2.0"}')) is False


def test_a_description_is_quoted_not_read_as_the_rule() -> None:
    """The field's description follows the value, introduced as the schema's words."""
    violation = only(with_params(default_phone_number="+74951819160"))
    assert violation.message.startswith(
        "`params.default_phone_number` is malformed (it starts with a plus sign); got "
        '"+74951819160". The schema describes it: Phone number calls are forwarded to'
    )


def _request(**params: Any) -> dict[str, Any]:
    base = {
        "access_token": "t",
        "domain_name": "example.com",
        "default_phone_number": "74951819160",
        "industry_id": 1,
    }
    return {"jsonrpc": "2.0", "id": 1, "method": "create.sites", "params": {**base, **params}}


@pytest.mark.parametrize(
    ("request_", "lenient"),
    [
        (_request(cookie_lifetime=2**31), True),  # a 32-bit bound: the kit's decision
        (_request(target_call_min_duration=30.5), True),  # "number" read as whole: decision
        ({**_request(), "id": 1.5}, True),  # a fractional id: decision
        (_request(widget_link={"enabled": True, "text": "", "url": "https://a.com/"}), True),
        (_request(access_token=""), False),  # refused by the page; only its code is decided
        (_request(default_phone_number="+74951819160"), False),  # a variant: the pattern stays
        (_request(cookie_lifetime=0), False),  # the page's own bound (1 day at least) stays
    ],
)
def test_strict_false_leaves_out_the_kits_decisions(
    request_: dict[str, Any], lenient: bool
) -> None:
    """``strict=False`` (``conformance validate --lenient``) validates as a default run judges:
    without the keywords the schemas' x-decisions name whole; never looser than that."""
    assert conformance.is_valid(request_) is False
    assert conformance.is_valid(request_, strict=False) is lenient
