"""What the text report (a CI log) and the saved failures (CI artefacts) mask besides the
token's plain echo: a secret-named member's value in a reply that is no JSON, secret headers
of exactly the shortest length searched for, the whole of a header's value, a blank header
that masks nothing; and what they must leave as sent: the token member of a request that
carried another value, the other members, the command to send it again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run as _run
from helpers.one_method import OneMethod
from helpers.targets import served_with_token
from mutants import MUTANTS, serve

from conformance.server import CreateSitesApp, Response, serve_in_thread
from conformance.validation.masking import MIN_ECHO_LENGTH


@pytest.fixture(autouse=True)
def _no_token_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFORMANCE_TARGET_TOKEN", raising=False)


def _records(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text("utf-8")) for path in sorted(folder.glob("*.json"))]


#: A header secret of exactly the shortest length searched for inside other text; its
#: 7-character beginning ends with its 5-character one, which a shortest-first search would
#: mask alone, leaving "k8" shown.
SHORT_KEY = "k8k8k8k8"
#: The run's token, its 11-character beginning ending with its 7-character one likewise; it
#: ends with a backslash, which JSON doubles: the raw token is a beginning of its JSON form.
TOKEN = "t0k3t0k3t0k\\"
CREDENTIAL = "cred3ntialXYZ"
#: A value a secret-named member holds that is no secret the run sent: masked by its name.
MEMBER_SECRET = "v4lue-of-a-secret"


class SecretsInABrokenBody(CreateSitesApp):
    """Answers every invalid request (-32600) with a body that is no JSON: a string with an
    escape JSON has not (``\\q``) first, then the whole Authorization value, the short key,
    the token as JSON writes it, a ``client_secret`` member, an empty string, and, taking
    turns, the short key cut after 7 characters, the token cut before its last or its last two
    (beginnings of either parity, longest first), or the Authorization value cut inside its
    credential (which ends with a beginning of the credential: the whole value's is masked);
    every fifth answer is ``["just words", `` (cut), whose first string is no member's value."""

    calls = 0

    def handle(self, body: bytes) -> Response:
        response = super().handle(body)
        reply = json.loads(response.body) if response.body else None
        if not (isinstance(reply, dict) and reply.get("error", {}).get("code") == -32600):
            return response
        self.calls += 1
        if self.calls % 5 == 0:
            return Response(b'["just words", ')
        tails = (SHORT_KEY[:7], TOKEN[:-1], TOKEN[:-2], f"Bearer {CREDENTIAL}"[:15])
        text = (
            '{"error": {"code": -32602, "message": "bad \\q escape", "data": {"said": '
            f'"auth Bearer {CREDENTIAL} key {SHORT_KEY} tok {json.dumps(TOKEN)[1:-1]}", '
            f'"client_secret": "{MEMBER_SECRET}", "empty": "", "tail": "{tails[self.calls % 4]}'
        )
        return Response(text.encode())


def test_secrets_in_a_body_that_is_no_json_are_masked_in_the_log_and_the_files(
    tmp_path: Path,
) -> None:
    """The text report shows ``***`` for the secret-named member's value (after a string it
    cannot read), for the whole Authorization value, for the 8-character key and for its
    beginning that ends the body; the saved failures for the header values; a blank secret
    header masks nothing (the empty string stays ``""``)."""
    assert len(SHORT_KEY) == MIN_ECHO_LENGTH == 8
    with served_with_token(SecretsInABrokenBody, TOKEN) as url:
        code, out, err = _run(
            "fuzz", url, "--token", TOKEN, "--max-examples", "0",
            "-H", f"Authorization: Bearer {CREDENTIAL}", "-H", f"X-Api-Key: {SHORT_KEY}",
            "-H", "X-Session:", "-H", "X-Trace: plain-value", "--save-failures", str(tmp_path),
        )  # fmt: skip
    assert code == 1, err
    shown = [line for line in out.splitlines() if '"said": ' in line]
    saved = [record["reply"]["text"] for record in _records(tmp_path)]
    assert shown and saved
    for line in shown:
        assert '"said": "auth *** key *** tok ***"' in line, line
        assert '"client_secret": "***", "empty": "", "tail": "***' in line, line
        assert line.strip().startswith('{"error": {"code": -32602, "message": "bad \\q escape"'), (
            line
        )
    for record in _records(tmp_path):  # the command to send it again reads the headers
        curl = record["reproduce"]["curl"]
        for name, variable in (("Authorization", "AUTHORIZATION"), ("X-Api-Key", "X_API_KEY")):
            assert f"-H '{name}: '\"${{CONFORMANCE_HEADER_{variable}:?" in curl, curl
        assert "-H 'X-Trace: plain-value'" in curl, curl
    for text in (text for text in saved if '"said": ' in text):
        assert '"said": "auth *** key *** tok ***"' in text, text
        assert text.endswith('"tail": "***'), text
    assert MEMBER_SECRET not in out and SHORT_KEY not in out + err and CREDENTIAL not in out
    assert len(saved) > 4  # every tail
    assert '["just words", ' in out and '["just words", ' in saved


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_saved_request_keeps_what_was_sent_where_it_is_not_the_token(tmp_path: Path) -> None:
    """A failure of a request whose access_token is another value than the run's token (the
    empty string the minLength case sends) is saved with that value, not the placeholder a
    replay fills with its token (which would make the case another); every other member as
    sent; and the command to send it again kept with the record."""
    with serve(MUTANTS["errors-with-http-400"].app) as (url, token):
        code, _, err = _run(
            "fuzz", url, "--token", token, "--max-examples", "0", "--strict",
            "--save-failures", str(tmp_path),
        )  # fmt: skip
    assert code == 1, err
    records = {r["test_id"]: r for r in _records(tmp_path)}
    empty = records["test_invalid_rejected[access_token:minLength]"]
    params = empty["request"]["json"]["params"]
    assert params["access_token"] == ""
    assert params["domain_name"] not in ("***", "") and "***" not in json.dumps(params)
    assert empty["template"] is not None
    with_token = records["test_invalid_rejected[domain_name:required]"]
    assert with_token["request"]["json"]["params"]["access_token"] == "***"
    assert token not in json.dumps(with_token)


#: A token with a non-ASCII letter, a single quote, a backslash and a zero-width space: JSON
#: (ASCII or not) and Python's repr (quoting with " or with ') each write it their own way.
QUOTED_TOKEN = "Zq8W-tök'en\\5x\u200b"


class SurrogateEcho(CreateSitesApp):
    """Answers every invalid request (-32600) -32602 with the token and a lone surrogate in
    the message: a check's message quotes it as ASCII-escaped JSON (no UTF-8 output takes
    the surrogate), ``ö`` as ``\\u00f6``."""

    def handle(self, body: bytes) -> Response:
        response = super().handle(body)
        reply = json.loads(response.body) if response.body else None
        if not (isinstance(reply, dict) and reply.get("error", {}).get("code") == -32600):
            return response
        reply["error"] = {"code": -32602, "message": f"token {QUOTED_TOKEN} \ud800"}
        return Response(json.dumps(reply).encode())


def test_a_message_quoted_as_ascii_json_shows_the_token_masked(tmp_path: Path) -> None:
    """The expected-outcome failure quotes the target's message as ASCII-escaped JSON: the
    text report shows ``token ***`` there, no form of the token."""
    escaped = json.dumps(QUOTED_TOKEN)[1:-1]
    assert escaped != QUOTED_TOKEN and "\\u00f6" in escaped
    with served_with_token(SurrogateEcho, QUOTED_TOKEN) as url:
        code, out, err = _run(
            "fuzz", url, "--token", QUOTED_TOKEN, "--max-examples", "0", "--no-save-failures"
        )
    assert code == 1, err
    quoted = [line for line in out.splitlines() if "got error -32602" in line]
    assert quoted and all('"token *** \\ud800"' in line for line in quoted), quoted
    assert "Zq8W" not in out + err


#: A token of the echo length, a quote and a backslash among its characters.
SHORT_QUOTED_TOKEN = "Zq8W'\\5x"


@pytest.mark.parametrize(
    ("raised", "shown", "token"),
    [
        ("KeyError(context.token)", 'KeyError: "***"', QUOTED_TOKEN),  # its str is a repr
        (  # repr quoting with ', as the string holds a "
            "ValueError(repr(context.token + ' is \"refused\"'))",
            """ValueError: '*** is "refused"'""",
            QUOTED_TOKEN,
        ),
        (
            "ValueError(json.dumps({'token': context.token}))",
            'ValueError: {"token": "***"}',
            QUOTED_TOKEN,
        ),
        (
            "ValueError(json.dumps({'token': context.token}, ensure_ascii=False))",
            'ValueError: {"token": "***"}',
            QUOTED_TOKEN,
        ),
        ("KeyError(context.token)", 'KeyError: "***"', SHORT_QUOTED_TOKEN),
    ],
    ids=["repr", "repr-beside-a-double-quote", "ascii-json", "utf-8-json", "echo-length"],
)
def test_a_hook_whose_error_quotes_the_token_shows_it_masked(
    tmp_path: Path, raised: str, shown: str, token: str
) -> None:
    """A team's hook that raises with the token in its message, quoted as Python or JSON
    quote it (escaping its quote, backslash and zero-width space): the one line naming the
    hook shows ``***``, no form of the token, from the echo length on. (``KeyError(token)``
    showed it, escaped.)"""
    assert len(SHORT_QUOTED_TOKEN) == MIN_ECHO_LENGTH
    hooks = tmp_path / "hooks.py"
    hooks.write_text(f"import json\n\ndef before_run(context):\n    raise {raised}\n", "utf-8")
    with served_with_token(CreateSitesApp, token) as url:
        code, out, err = _run(
            "fuzz", url, "--token", token, "--hooks", str(hooks),
            "--max-examples", "0", "--no-save-failures",
        )  # fmt: skip
    assert code == 3, err
    (line,) = [line for line in err.splitlines() if "hook before_run" in line]
    assert line.endswith(f"raised {shown}") and "Zq8W" not in out + err, line


#: A token a target uses as a member's name.
NAME_TOKEN = "Zq8W-name-7777-abcd"  # no secret word: the value named by it is shown


class TokenAsName(CreateSitesApp):
    """Answers every invalid request (-32600) -32602, naming the token as a member of its data
    (``{"<token>": "unknown", "id": ...}``), written by hand: a message with an escape
    (``\\u00e9``) and an escaped solidus that a writer of JSON would not keep."""

    def handle(self, body: bytes) -> Response:
        response = super().handle(body)
        reply = json.loads(response.body) if response.body else None
        if not (isinstance(reply, dict) and reply.get("error", {}).get("code") == -32600):
            return response
        error = (
            '{"code": -32602, "message": "caf\\u00e9 \\/ ok", '
            f'"data": {{"{NAME_TOKEN}": "unknown", "id": 7}}}}'
        )
        text = f'{{"jsonrpc": "2.0", "id": {json.dumps(reply.get("id"))}, "error": {error}}}'
        return Response(text.encode())


def test_a_token_used_as_a_member_name_is_masked_in_every_output(tmp_path: Path) -> None:
    """A target's reply names the token as a member (``{"<token>": "unknown"}``): the text
    report shows that name ``***`` and the reply otherwise as written (its ``\\u00e9`` and
    ``\\/`` kept, the name ``id`` shown though the token is no short one), and no output or
    saved file holds the token. (The name showed in the text report and the saved files.)"""
    with served_with_token(TokenAsName, NAME_TOKEN) as url:
        code, out, err = _run(
            "fuzz", url, "--token", NAME_TOKEN, "--max-examples", "0",
            "--save-failures", str(tmp_path / "failures"),
            "--report-html", str(tmp_path / "report.html"),
            "--junitxml", str(tmp_path / "report.xml"),
        )  # fmt: skip
        _, as_json, _ = _run(
            "fuzz", url, "--token", NAME_TOKEN, "--max-examples", "0", "--output", "json",
            "--no-save-failures",
        )  # fmt: skip
    assert code == 1, err
    assert '"data": {"***": "unknown", "id": 7}' in out, out[-3000:]
    assert '"message": "caf\\u00e9 \\/ ok"' in out, out[-3000:]
    files = [p.read_text("utf-8") for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) > 2 and any('\\"***\\": \\"unknown\\"' in f for f in files)
    shown = [out, err, as_json, *files]
    assert not [text[:200] for text in shown if "name-7777" in text]


#: A method taking the token (``x-secret``) whose result must be an integer.
WHOAMI = {
    "openrpc": "1.2.6",
    "info": {"title": "whoami", "version": "1.0.0"},
    "methods": [
        {
            "name": "whoami",
            "paramStructure": "by-name",
            "params": [
                {
                    "name": "access_token",
                    "required": True,
                    "x-secret": True,
                    "schema": {"type": "string", "minLength": 1},
                }
            ],
            "result": {"name": "id", "schema": {"type": "integer"}},
        }
    ],
}


class Greets(OneMethod):
    """A JSON-RPC 2.0 server of ``WHOAMI`` answering a string that quotes the token (taking
    turns: bare, then in double quotes) where an integer is due."""

    method = "whoami"

    def __init__(self) -> None:
        self.calls = 0

    def answer(self, params: Any) -> dict[str, Any]:
        token = params.get("access_token") if isinstance(params, dict) else None
        if not isinstance(token, str) or not token or set(params) != {"access_token"}:
            return {"error": {"code": -32602, "message": "Invalid params"}}
        self.calls += 1
        return {"result": f"hello {token}" if self.calls % 2 else f'hello "{token}"'}


def test_a_result_quoted_by_python_shows_the_token_masked(tmp_path: Path) -> None:
    """An OpenRPC result-schema failure quotes the result (as JSON text, its quotes escaped):
    the text report shows ``hello ***`` in both results, no form of the token."""
    document = tmp_path / "whoami.json"
    document.write_text(json.dumps(WHOAMI), "utf-8")
    with serve_in_thread(Greets(), read_timeout=2.0) as url:
        code, out, err = _run(
            "fuzz", url, "--token", QUOTED_TOKEN, "--openrpc", str(document),
            "--max-examples", "4", "--no-save-failures",
        )  # fmt: skip
    assert code == 1, err
    results = [line for line in out.splitlines() if "does not match the result schema" in line]
    # quoted as JSON (the result-schema message shows the part that broke as JSON text)
    assert any('result "hello ***"' in line for line in results), results
    assert any('result "hello \\"***\\""' in line for line in results), results
    assert "Zq8W" not in out + err
