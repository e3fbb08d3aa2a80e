"""The access token never leaves ``conformance validate`` or a ``Violation``: not under its own
name, a near-miss name, nor inside a reported value, whatever the kind; ``--show-secrets``
shows it."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.json_parts import names, strings
from helpers.reach import branches
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import conformance
from conformance.cli import Streams, main
from conformance.validation.masking import MASK, MIN_ECHO_LENGTH, is_secret_path, mask

#: A token that appears nowhere else in a payload or a report.
DISTINCT = "Zq8W5tokenZq8W"


def _request(token: str) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "create.sites",
        "params": {
            "access_token": token,
            "domain_name": "example.com",
            "default_phone_number": "74951819160",
            "industry_id": 1,
        },
    }


def _misspelt(token: str) -> dict[str, Any]:
    request = _request(token)
    request["params"]["acess_token"] = request["params"].pop("access_token")
    return request


def _envelope_token(token: str) -> dict[str, Any]:
    return {**_request(token), "token": token}


def _camel_case(token: str) -> dict[str, Any]:
    request = _request(token)
    request["params"]["accessToken"] = token
    return request


#: (payload maker, kind): each puts the token where a report could show it.
PLACES = {
    "misspelt-member": (_misspelt, "request"),
    "envelope-token": (_envelope_token, "request"),
    "camel-case-member": (_camel_case, "request"),
    "whole-request-as-params": (_request, "params"),
    "whole-request-as-reply": (_request, "reply"),
    "misspelt-as-params": (_misspelt, "params"),
    "wrong-type-token": (lambda token: _request([token]), "request"),  # type: ignore[list-item]
}


def _validate(tmp_path: Path, payload: Any, kind: str, output: str, *flags: str) -> str:
    path = tmp_path / "payload.jsonl"
    path.write_text(json.dumps(payload, ensure_ascii=False) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["validate", "--kind", kind, "--output", output, *flags, str(path)],
        Streams(io.BytesIO(), out, err),
    )
    assert code == 1, out.getvalue() + err.getvalue()
    return out.getvalue()


@pytest.mark.parametrize("output", ["text", "json", "github"])
@pytest.mark.parametrize("place", list(PLACES))
def test_no_output_shows_the_token(tmp_path: Path, place: str, output: str) -> None:
    """Every output of every place hides the token; --show-secrets shows it."""
    make, kind = PLACES[place]
    out = _validate(tmp_path, make(DISTINCT), kind, output)
    assert DISTINCT not in out
    if output == "json":
        assert "***" in out
        shown = _validate(tmp_path, make(DISTINCT), kind, output, "--show-secrets")
        assert DISTINCT in shown


@pytest.mark.parametrize("place", list(PLACES))
def test_violations_never_hold_the_token(place: str) -> None:
    """``Violation.instance`` and ``message`` hide it; a validator made to show it does."""
    make, kind = PLACES[place]
    found = list(conformance.iter_errors(make(DISTINCT), kind))
    assert found
    assert all(DISTINCT not in repr(v) for v in found)
    shown = conformance.Validator(kind, show_secrets=True).iter_errors(make(DISTINCT))
    assert any(DISTINCT in repr(v.instance) for v in shown)


_tokens = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from(["1", "0", "example", "create", "params", '"', "\\", "т", "🙂", "com"]),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=12),
)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_the_report_does_not_depend_on_the_token(tmp_path: Path) -> None:
    """Any token (a character, a digit, a word of the payload, a quote, non-ASCII) gives the
    same JSON report as a distinct one: nothing of it shows, and nothing else was changed.
    Where the token equals another value of the payload, that value is masked too (a report
    cannot tell them apart), so such draws are left out.

    The branches this must reach: every place, and tokens either side of the echo length."""
    places = sorted(set(PLACES) - {"wrong-type-token"})
    with branches(*places, "shorter than an echo", "echo length") as reach:

        @settings(max_examples=200, deadline=None)
        @given(token=_tokens, place=st.sampled_from(places))
        # a short token equal to a member's name: the name is shown, as any word is
        @example(token="params", place="whole-request-as-reply")
        def independent(token: str, place: str) -> None:
            make, kind = PLACES[place]
            others = [text for text in strings(make(DISTINCT)) if text != DISTINCT]
            assume(token not in others)
            member_names = names(make(DISTINCT))
            long = len(token) >= MIN_ECHO_LENGTH
            assume(not long or not any(token in text for text in [*others, *member_names]))
            reach(place)
            reach("echo length" if len(token) >= MIN_ECHO_LENGTH else "shorter than an echo")
            masked = _validate(tmp_path, make(token), kind, "json")
            assert masked == _validate(tmp_path, make(DISTINCT), kind, "json")
            shown = _validate(tmp_path, make(DISTINCT), kind, "json", "--show-secrets")
            unmasked = json.loads(shown.replace(DISTINCT, "***"))["outcomes"]
            assert json.loads(masked)["outcomes"] == unmasked

        independent()


def test_a_value_nested_past_pythons_limit_is_masked_whole() -> None:
    """A value handed to the library nested deeper than Python follows (a reader refuses such
    text, a caller's own object need not be) is shown ``***`` whole, never a traceback nor any
    part of it."""
    value: Any = {"note": "Zq8W5tokenZq8W here"}
    for _ in range(sys.getrecursionlimit() + 100):
        value = [value]
    assert mask(value, frozenset({"Zq8W5tokenZq8W"})) == MASK


def test_an_array_index_is_no_secrets_name() -> None:
    """A path ending in an array's index names no member: the item is shown (masked only where
    it holds a secret), never taken for a secret member's value."""
    assert not is_secret_path(("params", "tags", 0))
    assert mask(["shown", "Zq8W5tokenZq8W"], frozenset({"Zq8W5tokenZq8W"}), ("tags", 1)) == [
        "shown",
        MASK,
    ]


def test_a_value_holding_no_secret_is_returned_itself() -> None:
    """``mask`` gives back the very object where nothing in it is secret (the validator tells
    a masked value from an untouched one by identity: a copy would send every object down the
    path of a value that held the token); one holding the token comes back a masked copy."""
    secrets = frozenset({"Zq8W5-7777-abcd"})
    clean = {"show_visitor_id": {"enabled": True, "message": "hi"}, "tags": ["a", {"b": 1}]}
    assert mask(clean, secrets) is clean
    holding = {"note": {"Zq8W5-7777-abcd": 1}}
    assert mask(holding, secrets) == {"note": {MASK: 1}} and holding == {
        "note": {"Zq8W5-7777-abcd": 1}
    }
