"""Files that outlive a run (saved failures, the baseline, GitHub annotations) mask the token
by structure, as the text reports do: a short token never corrupts unrelated text."""

from __future__ import annotations

from conformance.reporting.redaction import scrub_bytes, scrub_request, scrub_text, scrub_value


def test_a_short_token_is_masked_only_where_it_is_the_whole_value() -> None:
    assert scrub_text("expected error code -32602, got -32001", "1") == (
        "expected error code -32602, got -32001"
    )
    assert scrub_text("1", "1") == "***"
    assert scrub_value({"url": "http://127.0.0.1/", "echo": "1"}, "1") == {
        "url": "http://127.0.0.1/",
        "echo": "***",
    }
    assert scrub_bytes(b'{"id": 1, "a": "x1"}', "1") == b'{"id": 1, "a": "x1"}'


def test_a_long_token_is_masked_wherever_it_shows() -> None:
    token = "s3cr3t-token-51c2"
    assert scrub_text(f"token {token} is unknown", token) == "token *** is unknown"
    assert scrub_value({"said": [f"no {token}"]}, token) == {"said": ["no ***"]}
    assert scrub_bytes(f'{{"t": "{token}"}}'.encode(), token) == b'{"t": "***"}'
    assert scrub_bytes(b'{"t": "s3cr3t-tok', token) == b'{"t": "***'  # a body cut inside it


def test_the_token_member_becomes_the_placeholder_a_replay_fills_in() -> None:
    request = {"params": {"access_token": "1", "domain_name": "a1.example.com"}}
    assert scrub_request(request, "1") == {
        "params": {"access_token": "***", "domain_name": "a1.example.com"}
    }
