"""What ``conformance validate`` shows a user: the violations in the schema's order of members
(the first one listed is the one a server checking in that order reports), and a token echoed
inside a longer string masked from ``MIN_ECHO_LENGTH`` characters on, in clear below it."""

from __future__ import annotations

import io
import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import conformance
from conformance.cli import Streams, main

#: The echo length the docs promise (docs/validation.md: "or holds it, for one of 8 characters
#: or more"): written out, not read from masking.py, so that a change of its constant fails here.
MIN_ECHO_LENGTH = 8


def _request(**params: Any) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "create.sites",
        "params": {
            "access_token": "a-token-of-no-importance",
            "domain_name": "example.com",
            "default_phone_number": "74951819160",
            "industry_id": 1,
            **params,
        },
    }


def _validate(path: Path, payload: Any, output: str = "text") -> str:
    path.write_text(json.dumps(payload, ensure_ascii=False) + "\n", "utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", "--output", output, str(path)], Streams(io.BytesIO(), out, err))
    assert code == 1, out.getvalue() + err.getvalue()
    return out.getvalue()


@pytest.mark.parametrize("revision", ["seed", "current"])
def test_violations_are_listed_in_the_schemas_order_of_members(
    tmp_path: Path, revision: str
) -> None:
    """domain_name comes before default_phone_number in the schema (not in the alphabet): both
    malformed, the domain is listed first and is the one ``validate`` raises."""
    payload = _request(domain_name="bad domain", default_phone_number="0")
    if revision == "current":
        payload["params"]["name"] = "A site"
    path = tmp_path / "payload.json"
    path.write_text(json.dumps(payload), "utf-8")
    out = io.StringIO()
    main(["validate", "--revision", revision, str(path)], Streams(io.BytesIO(), out, out))
    fields = [line.split(": ")[1] for line in out.getvalue().splitlines() if ": /params/" in line]
    assert fields == ["/params/domain_name", "/params/default_phone_number"], out.getvalue()
    with pytest.raises(conformance.ContractViolation) as raised:
        conformance.validate(payload, revision=revision)
    assert raised.value.violation.field == "params.domain_name"


def test_a_token_of_the_echo_length_is_masked_inside_a_longer_string(tmp_path: Path) -> None:
    token = "k" * MIN_ECHO_LENGTH
    payload = _request(access_token=token, default_phone_number=f"call {token} now")
    out = _validate(tmp_path / "payload.json", payload)
    assert 'got "call *** now"' in out
    assert token not in out


#: Tokens about as long as the echo length, of characters the payload's other strings hold.
_near_echo_length = st.text(
    st.sampled_from(string.ascii_letters + string.digits + "-_.é"),
    min_size=MIN_ECHO_LENGTH - 2,
    max_size=MIN_ECHO_LENGTH + 2,
)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_token_inside_a_longer_string_is_masked_exactly_from_the_echo_length(
    tmp_path: Path,
) -> None:
    """For tokens around ``MIN_ECHO_LENGTH`` long, echoed inside a longer reported value: from
    that length on the value shows ``***`` where the token stood and the report holds no part
    of it; below it (no more a secret than any few characters) the value is shown as it is.

    The branch this must reach: tokens of both lengths either side of the boundary, each inside
    a longer string; the test fails if hypothesis drew none of either."""
    reached: set[int] = set()
    path = tmp_path / "payload.json"
    others = _validate(path, _request(default_phone_number="call X now"), "json")

    @settings(max_examples=60, deadline=None, database=None)
    @given(token=_near_echo_length)
    def masked_from_the_echo_length(token: str) -> None:
        assume(token not in others)
        echoed = f"call {token} now"
        payload = _request(access_token=token, default_phone_number=echoed)
        report = json.loads(_validate(path, payload, "json"))
        (violation,) = report["outcomes"][0]["violations"]
        assert violation["field"] == "params.default_phone_number"
        if len(token) >= MIN_ECHO_LENGTH:
            assert violation["value"] == "call *** now"
            assert token not in json.dumps(report, ensure_ascii=False)
        else:
            assert violation["value"] == echoed
        reached.add(len(token))

    masked_from_the_echo_length()
    assert {MIN_ECHO_LENGTH - 1, MIN_ECHO_LENGTH} <= reached, sorted(reached)


@pytest.mark.parametrize("name", ["", "domain", "tok", "url"])
def test_a_member_not_named_for_a_secret_shows_its_value(tmp_path: Path, name: str) -> None:
    """An unexpected member whose name is not a secret's (the empty name too, and names that
    share letters with ``token`` without being a near miss) has its value in the JSON report:
    masking everything unexpected would hide what the caller sent by mistake."""
    report = json.loads(_validate(tmp_path / "payload.json", _request(**{name: "shown"}), "json"))
    (violation,) = report["outcomes"][0]["violations"]
    assert violation["keyword"] == "additionalProperties"
    assert violation["value"] == "shown"


@pytest.mark.parametrize("name", ["access_tok", "acess_tokn", "acesstokx"])
def test_a_near_miss_of_access_token_without_the_word_token_is_masked(
    tmp_path: Path, name: str
) -> None:
    """A misspelt ``access_token`` that no longer holds the word ``token`` is still a secret's
    name: its value is ``***``. ``acesstokx`` is as far as a near miss goes (a difflib ratio of
    0.8 with ``accesstoken``, the bound included)."""
    payload = _request(**{name: "hidden-value"})
    del payload["params"]["access_token"]
    report = _validate(tmp_path / "payload.json", payload, "json")
    assert "hidden-value" not in report
    violations = json.loads(report)["outcomes"][0]["violations"]
    assert {v["field"]: v.get("value") for v in violations}[f"params.{name}"] == "***", violations


@pytest.mark.parametrize("name", ["password", "client_secret", "refresh_token", "apiToken"])
def test_a_member_named_for_a_secret_word_hides_its_own_value(tmp_path: Path, name: str) -> None:
    """A member whose name holds ``token``, ``secret`` or ``password`` but is no near miss of
    ``access_token`` (a difflib ratio under 0.8: ``refreshtoken`` 0.61, ``password`` 0.42) has
    its value shown ``***``, a value that is not the access token's and so is masked for its
    name alone."""
    report = _validate(tmp_path / "payload.json", _request(**{name: "own-secret-Zq8W"}), "json")
    assert "own-secret-Zq8W" not in report
    violations = json.loads(report)["outcomes"][0]["violations"]
    assert {v["field"]: v.get("value") for v in violations}[f"params.{name}"] == "***", violations


def test_a_token_after_an_empty_member_is_still_masked_where_it_is_echoed(tmp_path: Path) -> None:
    """An empty member before ``access_token`` does not stop the search for secrets: the token
    echoed in another member is ``***`` there."""
    token = "after-empty-Zq8W"
    payload = _request(default_phone_number=f"call {token} now")
    payload["params"] = {"name": "", **payload["params"], "access_token": token}
    report = _validate(tmp_path / "payload.json", payload, "json")
    assert token not in report
    values = [v.get("value") for v in json.loads(report)["outcomes"][0]["violations"]]
    assert "call *** now" in values, values


def test_of_two_secrets_one_inside_the_other_the_longer_is_masked_whole(tmp_path: Path) -> None:
    """Two secret members, one value inside the other: an echo of the longer shows ``***``, not
    ``***`` and the rest of it."""
    short, long = "Zq8W-secret", "Zq8W-secret-and-more"
    payload = _request(access_token=short, default_phone_number=f"call {long} now")
    payload["token"] = long
    report = _validate(tmp_path / "payload.json", payload, "json")
    assert "and-more" not in report
    values = [v.get("value") for v in json.loads(report)["outcomes"][0]["violations"]]
    assert "call *** now" in values, values


def test_a_value_holding_the_token_is_judged_as_it_is_and_shown_masked(tmp_path: Path) -> None:
    """A domain name that is the token (or holds it) is shown ``***``, but its fault is its
    own: "a top-level domain is missing", a label's length; never the mask's ("Codepoint
    U+002A not allowed", which the name "***" would get). A hint whose quote is cut inside the
    token is left out rather than show the token's beginning."""
    token = "tok3n-0000-1111-2222"
    alone = _validate(
        tmp_path / "payload.json", _request(access_token=token, domain_name=token), "json"
    )
    assert token not in alone and "U+002A" not in alone
    assert "a top-level domain is missing" in alone
    long_label = "b" * 70
    inside = _validate(
        tmp_path / "payload.json",
        _request(access_token=token, domain_name=f"a.{token}.{long_label}.com"),
        "json",
    )
    assert token not in inside and "U+002A" not in inside
    assert "is 70 octets as DNS counts it" in inside
    # the label quoted is the token itself, cut after 23 characters: no hint, never its start
    cut = _validate(
        tmp_path / "payload.json",
        _request(access_token=token * 4, domain_name=f"x.{token * 4}.com"),
        "json",
    )
    assert token[:10] not in cut and "U+002A" not in cut


def _messages(report: str) -> list[str]:
    return [v["message"] for v in json.loads(report)["outcomes"][0]["violations"]]


@pytest.mark.parametrize(
    ("token", "domain", "quoted"),
    [
        ("tok_3n-00001111", "a.tok_3n-00001111.com", "position 6 in 'a.***.com'"),
        ("to_k3n00", "a.to_k3n00.com", "position 5 in 'a.***.com'"),  # the echo length
        ("t_k", "t_k", "position 2 in '***'"),  # short, and the whole value
    ],
    ids=["inside", "echo-length-inside", "short-whole-value"],
)
def test_a_hint_quoting_the_value_masks_the_token_in_its_quote(
    tmp_path: Path, token: str, domain: str, quoted: str
) -> None:
    """The IDNA hint quotes the domain name it refuses (``Codepoint U+005F not allowed at
    position N in '...'``): where the name holds the token (of the echo length or more, or
    short and the whole name) the quote shows ``***`` for it, the position still the name's own."""
    payload = _request(access_token=token, domain_name=domain)
    report = _validate(tmp_path / "payload.json", payload, "json")
    assert token not in report
    assert any(f"Codepoint U+005F not allowed at {quoted}" in m for m in _messages(report)), report


def test_a_hint_quoting_two_secrets_one_inside_the_other_masks_the_longer_whole(
    tmp_path: Path,
) -> None:
    """The token, and a longer secret that begins with it (an envelope ``token``), both in the
    domain name a hint quotes: the longer is masked whole, not the token and the rest."""
    short, long = "tok_3n-0000", "tok_3n-00001111"
    payload = _request(access_token=short, domain_name=f"a.{long}.com")
    payload["token"] = long
    report = _validate(tmp_path / "payload.json", payload, "json")
    assert "1111" not in report
    assert any("position 6 in 'a.***.com'" in m for m in _messages(report)), report


def test_a_label_quoted_lowercased_masks_the_token_in_any_case(tmp_path: Path) -> None:
    """A label of more than 63 octets is quoted as IDNA maps it, lowercased, and cut after 23
    characters: the token (``Zq8W-…``, quoted ``zq8w-…``) is masked there in any case; where
    the cut falls one character into it the hint is left out (it would show the token's first
    character) and the name is still said malformed; a quote holding no part of the token
    keeps its hint, ``…`` and all. (It showed ``'bbbbbzq8w-secret-t…'``.)"""
    token = "Zq8W-secret-token"
    path = tmp_path / "payload.json"
    whole = _validate(
        path, _request(access_token=token, domain_name=f"a.bbbbb{token}{'c' * 50}.com"), "json"
    )
    assert token.lower()[:4] not in whole.lower(), whole
    assert any("the label 'bbbbb***c…'" in m for m in _messages(whole)), whole
    label = "b" * 22 + token + "c" * 40
    cut_in = _validate(path, _request(access_token=token, domain_name=f"a.{label}.com"), "json")
    assert "b" * 22 + "z" not in cut_in.lower(), cut_in
    assert _messages(cut_in) and all("octets" not in m for m in _messages(cut_in)), cut_in
    clear = _validate(path, _request(access_token=token, domain_name=f"a.{'b' * 70}.com"), "json")
    assert any("b" * 23 + "…" in m for m in _messages(clear)), clear


def test_a_length_is_the_values_own_when_it_holds_the_token(tmp_path: Path) -> None:
    """A 110-character link text that holds the token is too long by its own 110 characters,
    not by the length of its masked form (it said "got 94 characters": the token of 20 shown
    as ***); the token does not show."""
    token = "tok3n-0000-1111-2222"
    text = "x" * (110 - len(token)) + token
    link = {"enabled": True, "text": text, "url": "https://example.com/"}
    report = _validate(tmp_path / "payload.json", _request(access_token=token, widget_link=link))
    assert "must be 1 to 100 characters long (counted as Unicode code points); got 110 " in report
    assert token not in report
