"""The verdicts and messages of ``conformance.validate``, ``is_valid``, ``validator_for`` and
``conformance validate`` where a slip in the validator would change what a user is told: the
branch of a reply that is judged, the keyword arguments the API documents, the kit's
decisions judged by default."""

from __future__ import annotations

import io
import json
from collections import OrderedDict
from typing import Any

import pytest
from helpers.server_requests import request

import conformance
from conformance import ContractViolation
from conformance.cli import Streams, main

#: A valid request, as tests/validation/test_validation_api.py makes it
REQUEST: dict[str, Any] = request(access_token="s3cr3t-token", industry_id=1)


def _validate(payload: Any, *options: str) -> tuple[int, str]:
    """``conformance validate -`` of ``payload``: the exit code and what it prints."""
    out, err = io.StringIO(), io.StringIO()
    stdin = io.BytesIO(json.dumps(payload).encode())
    code = main(["validate", *options, "-"], Streams(stdin, out, err))
    return code, out.getvalue() + err.getvalue()


def test_an_error_reply_is_judged_as_an_error_reply() -> None:
    """A reply with ``error`` alone is judged by the error branch: what is wrong inside the
    error object is named (``error.code`` a string), not "exactly one of result and error";
    a reply with neither member is told that."""
    reply = {"jsonrpc": "2.0", "id": 1, "error": {"code": "-32602", "message": "bad", "data": {}}}
    code, out = _validate(reply, "--kind", "reply")
    assert code == 1, out
    assert '`error.code` must be an integer; got string "-32602"' in out, out
    assert "exactly one of" not in out, out
    code, out = _validate({"jsonrpc": "2.0", "id": 1}, "--kind", "reply")
    assert code == 1, out
    assert ": a reply carries exactly one of `result` and `error` [oneOf at " in out, out


def test_the_api_takes_kind_and_role_by_name() -> None:
    """``kind`` and ``role`` are named as the docs name them (``kind="params"``,
    ``role="agent"``), in ``validate``, ``is_valid``, ``iter_errors``, ``validator_for`` and
    ``Validator``."""
    params = REQUEST["params"]
    with pytest.raises(ContractViolation, match="`user_id` is required but missing"):
        conformance.validate(params, kind="params", role="agent")
    assert conformance.is_valid(params, kind="params", role="customer")
    assert not conformance.is_valid(params, kind="params", role="agent")
    assert [v.field for v in conformance.iter_errors(params, kind="params", role="agent")] == [
        "user_id"
    ]
    validator = conformance.validator_for(kind="params", role="agent", revision="current")
    assert not validator.is_valid(params)
    validator = conformance.Validator(kind="params", role="agent", revision="current")
    assert not validator.is_valid(params)


def test_the_kits_decisions_are_judged_unless_strict_is_false() -> None:
    """A fractional id is refused by one of the kit's decisions: ``validate``, ``is_valid`` and
    ``iter_errors`` judge it by default (strict), and let it pass with ``strict=False``."""
    request = {**REQUEST, "id": 1.5}
    with pytest.raises(ContractViolation, match="`id`"):
        conformance.validate(request)
    conformance.validate(request, strict=False)
    assert not conformance.is_valid(request)
    assert conformance.is_valid(request, strict=False)
    assert [v.field for v in conformance.iter_errors(request)] == ["id"]
    assert list(conformance.iter_errors(request, strict=False)) == []
    assert not conformance.validator_for("request").is_valid(request)
    assert conformance.validator_for("request", strict=False).is_valid(request)
    assert not conformance.Validator("request").is_valid(request)
    assert conformance.Validator("request", strict=False).is_valid(request)


@pytest.mark.parametrize("blank", [" ", "\n", "\r\n", "\t"])
@pytest.mark.parametrize("kind", [str, bytes, bytearray])
def test_json_text_after_any_run_of_blanks_is_refused(blank: str, kind: type) -> None:
    """A file read whole but not parsed, its JSON after 5,000 characters of blank lines or
    indentation: refused with what to do (``ArgumentError``), as JSON text right at the start
    is, never judged a silently invalid payload."""
    text = blank * 5000 + '{"jsonrpc": "2.0"}'
    payload = text if kind is str else kind(text.encode())
    for function in (conformance.is_valid, conformance.validate):
        with pytest.raises(conformance.ArgumentError, match="parse it first"):
            function(payload)


def test_a_validator_made_by_hand_masks_the_token_unless_asked() -> None:
    """``conformance.Validator("request")`` and ``validator_for("request")`` never show the
    token: a domain name that is the token is quoted ``***``; ``show_secrets=True`` shows it."""
    token = "s3cr3t-token-9f"
    request = {**REQUEST, "params": {**REQUEST["params"], "access_token": token}}
    request["params"]["domain_name"] = token
    for validator in (conformance.Validator("request"), conformance.validator_for("request")):
        masked = list(validator.iter_errors(request))
        assert masked and all(token not in f"{v.message} {v.instance}" for v in masked), masked
    shown = list(conformance.Validator("request", show_secrets=True).iter_errors(request))
    assert shown and all(token in f"{v.message} {v.instance}" for v in shown), shown


def test_a_lone_surrogate_in_a_member_name_the_schema_leaves_open_is_unreadable() -> None:
    """A success reply's ``result`` may carry members the page does not list; one whose name
    is a lone surrogate (``"\\ud800"`` in JSON text) is no Unicode text: ``conformance
    validate`` says unreadable (exit 2), ``is_valid`` is False, never a valid payload."""
    reply = {"jsonrpc": "2.0", "id": 1, "result": {"id": 1, "success": True, "\ud800": 1}}
    code, out = _validate(reply, "--kind", "reply")
    assert code == 2, out
    assert "<stdin>:1: unreadable: a string holds a lone surrogate" in out, out
    assert not conformance.is_valid(reply, "reply")
    assert conformance.is_valid({**reply, "result": {"id": 1, "success": True, "x": 1}}, "reply")


#: A request as JSON text, its id and token to fill in.
TEXT = (
    '{"jsonrpc": "2.0", "id": %s, "method": "create.sites", "params": {"access_token": %s, '
    '"domain_name": "example.com", "default_phone_number": "74951819160", "industry_id": 1}}'
)


@pytest.mark.parametrize(
    ("rid", "token"), [('"a\\ud800"', '"abcdefgh"'), ("1", '"ab\\ud800cdefgh"')]
)
def test_a_payload_read_into_ordered_dicts_is_walked_as_a_dict(rid: str, token: str) -> None:
    """``json.loads(text, object_pairs_hook=OrderedDict)`` gives dict subclasses: a lone
    surrogate in the id or the token (which the engine does not read as text) is found in
    them as in plain dicts: ``is_valid`` is False, ``iter_errors`` says unreadable."""
    assert conformance.is_valid(
        json.loads(TEXT % ('"a"', '"abcdefgh"'), object_pairs_hook=OrderedDict)
    )
    payload = json.loads(TEXT % (rid, token), object_pairs_hook=OrderedDict)
    assert not conformance.is_valid(payload)
    with pytest.raises(conformance.PayloadError, match="lone surrogate"):
        list(conformance.iter_errors(payload))
