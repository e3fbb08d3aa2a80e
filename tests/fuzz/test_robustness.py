"""The robustness family (issue 18): what it sends, that the runner still puts the token and a
unique domain name in bodies no JSON encoder writes, how it judges, and that the kit itself
survives what comes back (a reply quoting a lone surrogate, a body no longer JSON)."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.targets import CUSTOMER_TOKEN, served
from helpers.tools import needs_curl, pasted
from mutants import MUTANTS

from conformance.cli import Streams, main
from conformance.contract import REVISIONS
from conformance.create_sites import plan, run
from conformance.create_sites.contract import bundled
from conformance.engine.checks import CHECKS, Exchange, RunState, Violated
from conformance.engine.runner import new_report, session_for
from conformance.engine.settings import Settings
from conformance.engine.transport import Answer
from conformance.generation.cases import Case, members
from conformance.generation.robustness import BIG_INTEGERS, ROBUST_ID
from conformance.generation.schema_tree import schema_types, tree
from conformance.server import (
    Config,
    CreateSitesApp,
    Response,
    RpcError,
    SiteStore,
    serve_in_thread,
)
from conformance.server.app import lone_surrogate_path
from conformance.validation.payloads import loads

#: A token too short for any search of text to mask it: only structure keeps it out.
SHORT_TOKEN = "t0k"


@contextlib.contextmanager
def _serve(app: type[CreateSitesApp], token: str = SHORT_TOKEN) -> Iterator[str]:
    config = Config(scenario_ids=frozenset({1, 2, 3})).with_customer_tokens([token])
    with SiteStore(":memory:") as store, serve_in_thread(app(config, store)) as url:
        yield url


def _robustness(revision: str = "seed") -> list[Case]:
    settings = Settings(token="-", families=("robustness",), revision=revision, max_examples=0)
    return plan(settings)


@pytest.mark.parametrize("revision", REVISIONS)
def test_each_member_gets_each_kind_once(revision: str) -> None:
    """Every integer member of the params schema gets each big integer, every string member a
    lone surrogate escaped and raw, the id both the big integers and the bare literals: one
    case per kind per member, read from the schema here, no more (tens of cases, bounded)."""
    params = tree("params", "customer", revision)
    integers = [".".join(p) for p, node in members(params) if "integer" in schema_types(node)]
    strings = [".".join(p) for p, node in members(params) if "string" in schema_types(node)]
    expected = {
        *(f"id:non-finite/{literal}" for literal in ("NaN", "Infinity", "-Infinity")),
        *(f"{integers[0]}:non-finite/{lit}" for lit in ("NaN", "Infinity", "-Infinity")),
        *(f"{m}:big-integer/{kind}" for m in ["id", *integers] for kind, _ in BIG_INTEGERS),
        *(f"{m}:lone-surrogate/{way}" for m in strings for way in ("escaped", "raw")),
        "jsonrpc:duplicate-key/same-value",
        # the first params member the run neither fixes (the token) nor makes unique
        next(n for n in params["properties"] if n not in ("access_token", "domain_name"))
        + ":duplicate-key/same-value",
    }
    cases = _robustness(revision)
    assert [c.name for c in cases if c.name not in expected] == []
    assert {c.name for c in cases} == expected and len(cases) == len(expected) < 120
    by_kind = {c.name.split("/")[0].split(":")[1] for c in cases if c.expect.codes == (-32700,)}
    assert by_kind == {"non-finite"}  # only what is no JSON is judged beyond robustness
    assert all(c.expect == ROBUST_ID for c in cases if c.label == "id:big-integer")


def _exchanges(url: str, token: str = SHORT_TOKEN) -> dict[str, Exchange]:
    settings = Settings(token=token, families=("robustness",), max_examples=0)
    contract = bundled(settings)
    method = contract.methods[0]
    session = session_for(url, contract, method, settings, new_report(url, contract, settings))
    session.proof.target = session.proof.token = True
    try:
        return {case.name: session.exchange(case) for _, made in method.families() for case in made}
    finally:
        session.close()


def test_the_bodies_hold_what_no_encoder_writes_with_the_token_in_place() -> None:
    """The bodies carry the raw text (a bare NaN, 1e400, 400 digits, a lone surrogate's bytes,
    a key twice) around the token and a fresh domain name: the reference server authenticates
    every case but the token's own (a placeholder left in would get -32001 and reach no
    member), refuses none as a duplicate, and answers the bare literals -32700 with id null."""
    with _serve(CreateSitesApp) as url:
        sent = _exchanges(url)
    assert b'"id": NaN,' in sent["id:non-finite/NaN"].body
    assert b'"industry_id": 1e400,' in sent["industry_id:big-integer/1e400"].body
    assert b'"user_id": ' + b"9" * 400 + b"}" in sent["user_id:big-integer/400-digits"].body
    assert b'"domain_name": "\xed\xa0\x80"' in sent["domain_name:lone-surrogate/raw"].body
    assert b'"domain_name": "\\ud800"' in sent["domain_name:lone-surrogate/escaped"].body
    assert sent["jsonrpc:duplicate-key/same-value"].body.count(b'"jsonrpc":') == 2
    assert sent["default_phone_number:duplicate-key/same-value"].body.count(b"74951819160") == 2
    domains = []
    for name, exchange in sent.items():
        reply = exchange.reply
        assert isinstance(reply, dict), name
        error = reply.get("error") or {}
        if name.startswith(("id:non-finite", "default_scenario_id:non-finite")) or name.endswith(
            "/raw"
        ):
            assert error.get("code") == -32700 and reply["id"] is None, (name, reply)
            continue
        assert error.get("code") != -32603, (name, reply)
        assert error.get("data", {}).get("mnemonic") != "duplicate_entity", name
        if name.startswith("access_token:"):
            continue
        assert f'"access_token": "{SHORT_TOKEN}"'.encode() in exchange.body, name
        assert error.get("code") != -32001, (name, reply)
        request = loads(exchange.body) if b"1e400" not in exchange.body else None
        if isinstance(request, dict) and name != "domain_name:lone-surrogate/escaped":
            domains.append(request["params"]["domain_name"])
    assert len(domains) == len(set(domains)) > 60


def test_the_big_ids_come_back_as_any_id() -> None:
    """An id past 2^53 may come back rounded (JavaScript) or null, never as something that is
    no id: reply-id with ``any``."""
    case = next(c for c in _robustness() if c.name == "id:big-integer/2^64")
    judge = CHECKS["reply-id"].function

    def judged(reply_id: Any) -> bool:
        answer = Answer(200, {}, b"{}", 0.0)
        reply = {"jsonrpc": "2.0", "id": reply_id, "result": {}}
        exchange = Exchange(case, case.payload, b"", answer, reply=reply)
        try:
            judge(exchange, RunState())
        except Violated:
            return False
        return True

    assert all(map(judged, [2**64, 18446744073709552000, 1.8446744073709552e19, None, "x"]))
    assert not any(map(judged, [True, [2**64], {"id": 1}]))


class SurrogateCrashQuoted(CreateSitesApp):
    """-32603 for a lone surrogate in any member, the error's message quoting it (escaped)."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        path = lone_surrogate_path(params)
        if path is not None:
            value: Any = params
            for part in path:
                value = value[part]
            raise RpcError("internal_error", f"cannot store {value}")
        return super().validate_params(params, role)

    def error(self, request_id: Any, error: RpcError) -> dict[str, Any]:
        reply = super().error(request_id, error)
        if error.mnemonic == "internal_error" and error.helper:
            reply["error"]["message"] = error.helper
        return reply


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_crash_quoting_a_lone_surrogate_is_reported_in_every_output(tmp_path: Path) -> None:
    """The failures of a server whose -32603 message quotes the lone surrogate sent: text on a
    UTF-8 stream, JSON, JUnit, HTML and saved files are written (a message holding the
    surrogate raw could not be), none holds the short token, and the saved failures replay:
    FAILED on the same server, FIXED on the reference."""
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    html, junit, kept = tmp_path / "r.html", tmp_path / "r.xml", tmp_path / "kept"
    with _serve(SurrogateCrashQuoted) as url:
        argv = ["fuzz", url, "--token", SHORT_TOKEN, "--max-examples", "0"]
        code = main(
            [*argv, "--report-html", str(html), "--junitxml", str(junit), "--save-failures",
             str(kept)],
            Streams(stdout=stdout, stderr=err),
        )  # fmt: skip
        assert code == 1, err.getvalue()
        stdout.flush()
        text = stdout.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
        assert '-32603 "internal_error": "cannot store \\ud800"' in text
        out = io.StringIO()
        assert main([*argv, "--output", "json"], Streams(stdout=out, stderr=io.StringIO())) == 1
        shown = json.loads(out.getvalue())
        assert {f["test_id"] for f in shown["failures"]} == {
            f"test_robust[{m}:lone-surrogate]"
            for m in (
                "domain_name",
                "default_phone_number",
                "widget_link.text",
                "widget_link.url",
                "show_visitor_id.element_id_value",
                "show_visitor_id.message",
            )
        }
        saved = sorted(kept.glob("*.json"))
        assert len(saved) == len(shown["failures"])
        for path in saved:
            record = json.loads(path.read_text("utf-8"))
            assert record["request_body_masked"] and SHORT_TOKEN not in record["request"]["text"]
            assert '"access_token": "***"' in record["request"]["text"]
        for written in (html, junit):
            assert f'"{SHORT_TOKEN}"' not in written.read_text("utf-8")
        assert f'"{SHORT_TOKEN}"' not in text + out.getvalue()
        replay = io.StringIO()
        code = main(["replay", str(kept), "--token", SHORT_TOKEN], Streams(stdout=replay))
        assert code == 1 and replay.getvalue().count("FAILED ") == len(saved), replay.getvalue()
    with _serve(CreateSitesApp) as url:
        replay = io.StringIO()
        code = main(
            ["replay", str(kept), "--url", url, "--token", SHORT_TOKEN], Streams(stdout=replay)
        )
        assert code == 0 and replay.getvalue().count("FIXED ") == len(saved), replay.getvalue()


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@needs_curl
def test_the_printed_curl_sends_the_raw_bytes_again() -> None:
    """The command printed for a crash on a raw lone surrogate sends the same three bytes
    again (bash's $'...'), with the token from the environment: the defect shows on replay."""
    crash = MUTANTS["lone-surrogate-crashes"].app

    class RawCrashes(crash):  # type: ignore[valid-type,misc]
        """The mutant, reading raw surrogate bytes as Python's json.loads(bytes) does."""

        def parse(self, body: bytes) -> Any:
            try:
                return json.loads(body)  # bytes: decoded with surrogatepass
            except ValueError:
                raise RpcError("parse_error") from None

    with _serve(RawCrashes) as url:
        out = io.StringIO()
        argv = ["fuzz", url, "--token", SHORT_TOKEN, "--max-examples", "0", "--output", "json"]
        assert main(argv, Streams(stdout=out, stderr=io.StringIO())) == 1
        failures = json.loads(out.getvalue())["failures"]
        raw = next(f for f in failures if f["case"] == "domain_name:lone-surrogate/raw")
        assert "$'\\xed\\xa0\\x80'" in raw["curl"] and SHORT_TOKEN not in raw["curl"]
        replay = pasted(raw["curl"], SHORT_TOKEN)
    assert "HTTP/1.1 200" in replay and '"code":-32603' in replay, replay


#: Members beyond id and success, which the page does not list (not judged), each holding an
#: escaped lone surrogate: in an array, in an object inside one, or only in a member's name.
SURROGATE_MEMBERS: dict[str, dict[str, Any]] = {
    "in-arrays": {"tags": ["a\ud800", {"deeper": ["\udfff"]}]},
    "in-names-alone": {"\udc00": 1, "tags": [{"named \ud800": 1}]},
}


def _surrogates_in_results(members: dict[str, Any]) -> type[CreateSitesApp]:
    class SurrogatesInResults(CreateSitesApp):
        """The reference server, whose every result carries ``members`` too."""

        def handle(self, body: bytes) -> Response:
            answer = super().handle(body)
            reply = json.loads(answer.body) if answer.body else None
            if not isinstance(reply, dict) or "result" not in reply:
                return answer
            reply["result"].update(members)
            return Response(json.dumps(reply).encode(), answer.status, answer.content_type)

    return SurrogatesInResults


@pytest.mark.parametrize("where", SURROGATE_MEMBERS)
def test_a_lone_surrogate_in_a_reply_is_read_as_a_reader_replaces_it(where: str) -> None:
    """RFC 8259 §8.2 leaves an escaped lone surrogate to the reader: the reply is judged by its
    shape wherever the surrogate sits, in an array, in an object inside one, and in a member's
    name where no string holds one (read as U+FFFD: a member the page does not list)."""
    with served(_surrogates_in_results(SURROGATE_MEMBERS[where])) as url:
        report = run(url, settings=Settings(token=CUSTOMER_TOKEN, max_examples=5, seed=1))
    assert report.cases_sent > 0
    assert report.conforms, [(f.rule, f.message) for f in report.failures[:3]]


def _reply_id_verdict(sent: Any, got: Any) -> str | None:
    """reply-id's verdict on a boundary case (whose reply must echo the id) sent with id
    ``sent`` and answered with ``got``: the violation's message, or None."""
    settings = Settings(token="-", families=("boundary",), max_examples=0)
    case = next(c for c in plan(settings) if c.expect.reply_id == "echo")
    payload = {**case.payload, "id": sent}
    reply = {"jsonrpc": "2.0", "id": got, "result": {"id": 1, "success": True}}
    exchange = Exchange(case, payload, b"", Answer(200, {}, b"{}", 0.0), reply=reply)
    try:
        CHECKS["reply-id"].function(exchange, RunState())
    except Violated as violated:
        return str(violated)
    return None


def test_an_id_of_2_53_is_exact_and_one_past_it_may_come_back_rounded() -> None:
    """2^53 is the last integer every double holds exactly: its echo must be exact (2^53 + 1,
    which a double reads as 2^53, is another id); past it, a rounded echo is contested."""
    assert _reply_id_verdict(2**53, 2**53) is None
    assert _reply_id_verdict(2**53, 2**53 + 1) == (f"reply id {2**53 + 1} for request id {2**53}")
    assert _reply_id_verdict(2**53 + 1, 2**53) is None  # what a double reads 2^53 + 1 as
    assert _reply_id_verdict(2**60, 10**400) == f"reply id {10**400} for request id {2**60}"
    # past 2^53 only a number may be the rounded echo: a string or true is another id
    for other in (str(2**53 + 1), True):
        assert _reply_id_verdict(2**53 + 1, other) == (
            f"reply id {json.dumps(other)} for request id {2**53 + 1}"
        )


def test_a_registered_rule_is_a_value_no_code_can_rewrite() -> None:
    """A rule's name, text and basis are what every report of the run cites: a hook or plugin
    that tried to change one in place would make reports disagree (bug: the rule mutable)."""
    import dataclasses

    rule = CHECKS["reply-id"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.basis = "a basis of my own"  # type: ignore[misc]
    assert CHECKS["reply-id"] is rule and rule.basis != "a basis of my own"


def test_a_rule_is_its_check_s_first_paragraph_on_one_line() -> None:
    """What every report cites as the rule is the check's first paragraph, its lines joined;
    the paragraphs after it explain and are not the rule (bug: the last one cited, or the
    docstring whole, a table row broken by its line ends); a second check of one name is
    refused, never silently put in the first's place."""
    from conformance.engine.checks import check

    def judged(exchange: Exchange, state: RunState) -> None:
        """The reply says
        what it must.

        Why: a later paragraph."""

    try:
        check("a-rule-of-two-paragraphs", "a test's")(judged)
        assert CHECKS["a-rule-of-two-paragraphs"].doc == "The reply says what it must."
        with pytest.raises(ValueError, match="already registered"):
            check("a-rule-of-two-paragraphs", "another")(judged)
    finally:
        CHECKS.pop("a-rule-of-two-paragraphs", None)
