"""The runner against targets that answer in hostile ways: it never crashes or hangs, and it
says under which rule each answer fails."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import fuzz
from helpers.targets import CUSTOMER_TOKEN, served
from hypothesis import given
from hypothesis import settings as hsettings

from conformance.create_sites import run, valid_requests
from conformance.engine.checks import CHECKS
from conformance.engine.settings import Settings
from conformance.engine.setup import NoJsonRpc, TokenRefused
from conformance.errors import ArgumentError
from conformance.reporting.formats import to_json, to_junit, to_text
from conformance.server import CreateSitesApp, Response, RpcError, serve_in_thread

FAST = Settings(token=CUSTOMER_TOKEN, families=("protocol", "invalid"), max_examples=0)

ERROR = {"code": -32602, "message": "bad", "data": {"mnemonic": "data_type_error"}}


def _json(value: object) -> Callable[[bytes], Response]:
    body = json.dumps(value).encode()
    return lambda _: Response(body)


class _Fixed:
    """Answers every request with what ``answer(body)`` gives, but the first one (unless
    ``from_first``) with a proper success: a target that gives no JSON-RPC reply at all is a
    setup error (``test_no_json_rpc_at_all_is_one_setup_error``), not a run of failures."""

    def __init__(self, answer: Callable[[bytes], Response], from_first: bool = False) -> None:
        self.answer = answer
        self.answered = from_first

    def handle(self, body: bytes) -> Response:
        if not self.answered:
            self.answered = True
            request_id = json.loads(body).get("id")
            result = {"jsonrpc": "2.0", "id": request_id, "result": {"id": 1, "success": True}}
            return Response(json.dumps(result).encode())
        return self.answer(body)


HOSTILE: dict[str, tuple[Callable[[bytes], Response], str]] = {
    "an array to every request": (
        _json([{"jsonrpc": "2.0", "id": None, "error": ERROR}]),
        "expected-outcome",
    ),
    "a mnemonic that is an array": (
        _json({"jsonrpc": "2.0", "id": None, "error": {**ERROR, "data": {"mnemonic": []}}}),
        "expected-outcome",
    ),
    "a mnemonic that is an object": (
        _json({"jsonrpc": "2.0", "id": 1, "error": {**ERROR, "data": {"mnemonic": {}}}}),
        "expected-outcome",
    ),
    "an error that is an array": (
        _json({"jsonrpc": "2.0", "id": 1, "error": [1]}),
        "reply-schema",
    ),
    "invalid UTF-8": (lambda _: Response(b'{"jsonrpc": "2.0\xff"}'), "body-parses"),
    "JSON nested 10,000 deep": (lambda _: Response(b"[" * 10_000 + b"]" * 10_000), "body-parses"),
    "an HTML page": (
        lambda _: Response(b"<html>oops</html>", content_type="text/html"),
        "http-200-json",
    ),
    "an empty body": (lambda _: Response(b""), "body-parses"),
}


#: Hostile answers that are no JSON-RPC reply at all: given to the first request, they stop
#: the run with one message (the URL is probably wrong).
NOT_JSON_RPC = ["invalid UTF-8", "JSON nested 10,000 deep", "an HTML page", "an empty body"]


@pytest.mark.parametrize("name", NOT_JSON_RPC)
def test_no_json_rpc_at_all_is_one_setup_error(name: str) -> None:
    """A target whose first answer is no JSON-RPC reply stops the run, saying to check the URL."""
    answer, _ = HOSTILE[name]
    with (
        serve_in_thread(_Fixed(answer, from_first=True)) as url,
        pytest.raises(NoJsonRpc, match=r"is no JSON-RPC server: .*check the target URL"),
    ):
        run(url, settings=FAST)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_answers_are_failures_not_crashes(name: str) -> None:
    """Every hostile answer ends as a reported failure of the rule it breaks."""
    answer, rule = HOSTILE[name]
    with serve_in_thread(_Fixed(answer)) as url:
        report = run(url, settings=FAST)
    assert not report.conforms
    assert rule in {failure.rule for failure in report.failures}


class _CuttingHandler(socketserver.StreamRequestHandler):
    """Reads one request, then ends the connection without a whole answer: ``answered`` is how
    much of an honest reply it sends first (nothing, or the head and half the body), and
    ``reset`` whether it ends with RST (a reset) or with FIN (a close)."""

    answered = "nothing"
    reset = True
    served_first = False

    def handle(self) -> None:
        length = 0
        while (line := self.rfile.readline(65_536)) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        request = self.rfile.read(length)
        if request and not type(self).served_first:
            # the first request gets an honest answer: a target that gives no JSON-RPC reply
            # at all is a setup error (exit 2), not the failures this test is about
            type(self).served_first = True
            request_id = json.loads(request).get("id")
            reply = {"jsonrpc": "2.0", "id": request_id, "result": {"id": 1, "success": True}}
            body = json.dumps(reply).encode()
            head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
            self.wfile.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
            return
        if self.answered == "half-body":
            # a whole JSON document, but shorter than the Content-Length it announces
            body = b'{"jsonrpc": "2.0", "id": 1, "result": {"id": 1, "success": true}}'
            head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            head += f"Content-Length: {len(body) * 2}\r\n\r\n"
            self.wfile.write(head.encode() + body)
            self.wfile.flush()
        if self.reset:
            # SO_LINGER with a zero timeout: close() sends RST, the client reads "reset"
            linger = struct.pack("ii", 1, 0)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        self.connection.close()


def _cutting(answered: str, reset: bool) -> type[_CuttingHandler]:
    attributes = {"answered": answered, "reset": reset, "served_first": False}
    return type("Cutting", (_CuttingHandler,), attributes)


@contextlib.contextmanager
def cutting(handler: type[_CuttingHandler]) -> Iterator[str]:
    """A raw TCP server on a free loopback port that cuts every connection as ``handler``
    says; yields its URL."""
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as server:
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()
            thread.join(10)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@pytest.mark.parametrize(
    ("answered", "reset", "seen"),
    [
        ("nothing", True, "reset"),
        ("half-body", True, "reset"),
        ("half-body", False, "IncompleteRead"),
    ],
    ids=["reset", "reset-mid-body", "closed-mid-body"],
)
def test_a_cut_connection_is_a_failure_not_a_crash(answered: str, reset: bool, seen: str) -> None:
    """A target that resets the connection, before answering or in the middle of the body, or
    closes it before the announced Content-Length arrived (the part that came is whole JSON),
    fails answer-in-time on every case after the first; the runner neither crashes nor hangs."""
    started = time.monotonic()
    with cutting(_cutting(answered, reset)) as url:
        report = run(url, settings=FAST)
    assert time.monotonic() - started < 60
    assert report.cases_sent > 0 and not report.conforms
    broken = report.rules["answer-in-time"]
    assert broken.failures == broken.cases - 1 == report.cases_sent - 1
    messages = {f.message for f in report.failures if f.rule == "answer-in-time"}
    assert all(seen in message for message in messages), messages


class EmptyArrayToBatches(CreateSitesApp):
    """Answers every batch with an empty array."""

    def handle(self, body: bytes) -> Response:
        if body.lstrip().startswith(b"["):
            return Response(b"[]")
        return super().handle(body)


def test_an_empty_array_is_no_reply_to_a_batch() -> None:
    """An empty array answering a batch breaks reply-schema (JSON-RPC 2.0 never sends one)."""
    with served(EmptyArrayToBatches) as url:
        report = run(url, settings=Settings(token=CUSTOMER_TOKEN, families=("protocol",)))
    failed = {(f.rule, f.case) for f in report.failures}
    assert failed == {("reply-schema", "batch"), ("reply-schema", "batch-empty")}


class _BatchesAnswered(CreateSitesApp):
    """Answers a batch as JSON-RPC 2.0 lets a server: each request as if sent alone, the
    replies in one array; each integer id moved by ``shift``."""

    shift = 0

    def handle(self, body: bytes) -> Response:
        try:
            batch = json.loads(body)
        except ValueError:
            return super().handle(body)
        if not isinstance(batch, list) or not batch:
            return super().handle(body)
        replies = []
        for request in batch:
            answered = super().handle(json.dumps(request).encode())
            reply = json.loads(answered.body) if answered.body else None
            if isinstance(reply, dict):
                if isinstance(reply.get("id"), int):
                    reply["id"] += self.shift
                replies.append(reply)
        return Response(json.dumps(replies).encode())


@pytest.mark.parametrize("shift", [0, 1000])
def test_each_reply_in_a_batch_s_array_carries_one_of_its_requests_ids(shift: int) -> None:
    """A batch answered with an array: each reply's id must be one of the batch's requests'
    (JSON-RPC 2.0 section 6, the client matches them by id); a reply with an id no request
    sent breaks reply-id (bug: the array's ids never looked at)."""
    app = type("Shifted", (_BatchesAnswered,), {"shift": shift})
    with served(app) as url:
        report = run(url, settings=Settings(token=CUSTOMER_TOKEN, families=("protocol",)))
    wrong = [f.message for f in report.failures if f.rule == "reply-id" and f.case == "batch"]
    if shift:
        assert wrong and "not a request's id" in wrong[0], wrong
    else:
        assert not wrong, wrong


@pytest.mark.parametrize("reply_id", [None, 999])
def test_a_wrong_reply_id_under_strict_stands_on_what_refuses_it(reply_id: int | None) -> None:
    """Under --strict, an error reply with id null to a case only the kit's decision refuses
    (a domain name DNS's octet limits refuse: a default run takes null there) stands on that
    decision; id 999, which every reading refuses, stands on JSON-RPC 2.0 (bug: the two
    bases swapped, a team told a spec defect is the kit's opinion, or the reverse)."""

    def error_ids(reply: dict[str, Any], response: Response) -> Response:
        if "error" not in reply:
            return response
        body = json.dumps({**reply, "id": reply_id}).encode()
        return Response(body, response.status, response.content_type)

    strict = Settings(token=CUSTOMER_TOKEN, families=("invalid",), strict=True, max_examples=0)
    with served(_answering(error_ids)) as url:
        report = run(url, settings=strict)
    failed = {f.case: f.basis for f in report.failures if f.rule == "reply-id"}
    spec = CHECKS["reply-id"].basis
    decided = {case for case, basis in failed.items() if basis != spec}
    assert failed and all(failed[case].startswith("the kit's decision") for case in decided)
    if reply_id is None:
        assert "domain_name:format/name-254-octets" in decided, sorted(decided)
    else:
        assert not decided, sorted(decided)


def test_a_refusal_quoting_the_token_does_not_show_it() -> None:
    """TokenRefused quotes the target's message with the token masked."""
    reply = {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32001, "message": f"unknown token {CUSTOMER_TOKEN}"},
    }
    with (
        serve_in_thread(_Fixed(_json(reply), from_first=True)) as url,
        pytest.raises(TokenRefused) as refused,
    ):
        run(url, settings=FAST)
    assert CUSTOMER_TOKEN not in str(refused.value)
    assert "unknown token ***" in str(refused.value)


def test_a_long_reply_cut_through_the_token_does_not_show_its_beginning() -> None:
    """The text report masks a reply body before cutting it at 2,000 characters."""
    echo = {"jsonrpc": "2.0", "id": 1, "echo": "x" * 1951 + CUSTOMER_TOKEN}
    with serve_in_thread(_Fixed(_json(echo))) as url:
        report = run(url, settings=FAST)
    text = to_text(report)
    assert not report.conforms
    assert CUSTOMER_TOKEN[:12] not in text  # the cut leaves 12 of its characters


class EchoesTokenInHeader:
    """Puts the request's access token in its reply's Content-Type header (a shown header)."""

    def handle(self, body: bytes) -> Response:
        try:
            token = json.loads(body)["params"]["access_token"]
        except (ValueError, TypeError, KeyError):
            token = "none"
        return Response(b'{"jsonrpc": "2.0", "id": 1}', content_type=f"text/plain; echo={token}")


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@pytest.mark.parametrize("reporter", [to_json, to_text, to_junit])
def test_a_token_echoed_in_a_reply_header_is_masked(reporter: Callable[..., str]) -> None:
    """A reply header that carries the token shows *** in every report, not the token."""
    with serve_in_thread(EchoesTokenInHeader()) as url:
        report = run(url, settings=FAST)
    shown = [f.headers["content-type"] for f in report.failures if f.rule == "http-200-json"]
    assert f"text/plain; echo={CUSTOMER_TOKEN}" in shown  # the header is there to be masked
    output = reporter(report)
    assert CUSTOMER_TOKEN not in output
    assert "echo=***" in output
    assert CUSTOMER_TOKEN in reporter(report, show_secrets=True)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@hsettings(max_examples=5, database=None)
@given(valid_requests(FAST))
def test_the_valid_family_draws_the_placeholder_token(request: dict[str, Any]) -> None:
    """hypothesis draws valid requests with ***, never the token, in the runner as in pytest."""
    assert request["params"]["access_token"] == "***"


@pytest.mark.parametrize("timeout", [0.0, -1.0, float("nan"), float("inf")])
def test_a_timeout_that_is_no_number_of_seconds_is_a_usage_error(timeout: float) -> None:
    """A zero, negative, NaN or infinite timeout is refused up front, naming the setting."""
    with pytest.raises(ArgumentError, match="timeout must be a number of seconds > 0"):
        Settings(token=CUSTOMER_TOKEN, timeout=timeout)


def test_a_missing_content_type_is_said_in_words() -> None:
    """No Content-Type header: the message says so, not "Content-Type (no Content-Type)"."""
    with serve_in_thread(_Fixed(lambda _: Response(b"{}", content_type=""))) as url:
        report = run(url, settings=FAST)
    messages = {f.message for f in report.failures if f.rule == "http-200-json"}
    assert messages == {"HTTP 200 without a Content-Type header"}


def test_the_html_report_says_no_reply_where_the_connection_was_cut(tmp_path: Path) -> None:
    """A failure with no reply at all (the target reset the connection) shows "no reply"
    where a reply's status line would be, and no HTTP status."""
    html = tmp_path / "report.html"
    with cutting(_cutting("nothing", True)) as url:
        code, _, err = fuzz(
            url, "--token", CUSTOMER_TOKEN, "--max-examples", "0", "--no-save-failures",
            "--family", "protocol", "--report-html", str(html),
        )  # fmt: skip
    assert code == 1, err
    replies = re.findall(r"<dt>reply</dt><dd><pre>([^\n<]*)", html.read_text("utf-8"))
    assert replies and set(replies) == {"no reply"}, replies


def _errors_with_status(status: int) -> type[CreateSitesApp]:
    class ErrorsWithStatus(CreateSitesApp):
        def encode(self, reply: dict[str, Any] | None) -> Response:
            response = super().encode(reply)
            if reply is not None and "error" in reply:
                return Response(response.body, status, response.content_type)
            return response

    return ErrorsWithStatus


@pytest.mark.parametrize(
    ("status", "judged"), [(399, True), (400, False), (499, False), (500, True)]
)
def test_an_error_with_a_4xx_status_is_a_decision_and_a_5xx_one_is_judged(
    status: int, judged: bool
) -> None:
    """JSON-RPC 2.0 says nothing of HTTP: an error reply with a 4xx status is left to --strict
    (listed as not judged); with a 5xx status the server says it failed, which it may not."""
    with served(_errors_with_status(status)) as url:
        report = run(url, settings=FAST)
    statuses = [f for f in report.failures if f.rule == "http-200-json"]
    assert bool(statuses) == judged, [f.message for f in statuses[:3]]
    assert not [f.basis for f in statuses if f.basis.startswith("the kit's decision")]
    unjudged = f"replies: an error with HTTP {status}"
    assert (unjudged in report.not_judged) == (not judged), sorted(report.not_judged)
    # a crash is a 5xx status alone: 499 (a client closed the request, nginx) is no crash
    crashes = [f for f in report.failures if f.rule == "no-server-error"]
    assert bool(crashes) == (status >= 500), [f.message for f in crashes[:3]]


class _RefusesEveryValidRequest(CreateSitesApp):
    """Every request the page accepts is refused as invalid params (one both revisions
    accept: no revision's contract explains it)."""

    def create(self, params: dict[str, Any], owner: int) -> int:
        raise RpcError("invalid_params", "refused")


def test_a_refusal_both_revisions_forbid_names_no_revision() -> None:
    with served(_RefusesEveryValidRequest) as url:
        report = run(url, settings=FAST)
    refused = [f for f in report.failures if f.message.startswith("expected success")]
    assert refused
    assert not [f.hint for f in refused if f.hint], refused[0].hint


class _Answers(CreateSitesApp):
    """The reference server, every reply re-encoded by ``change`` (the reply, the response)."""

    change: Any = None

    def encode(self, reply: dict[str, Any] | None) -> Response:
        response = super().encode(reply)
        return type(self).change(reply, response) if reply is not None else response


def _answering(change: Any) -> type[CreateSitesApp]:
    return type("Answering", (_Answers,), {"change": staticmethod(change)})


def test_a_json_content_type_with_a_charset_is_json() -> None:
    """``application/json; charset=utf-8`` names the JSON media type (RFC 8259 defines no
    parameter, and readers ignore this one): no http-200-json failure."""
    charset = _answering(lambda _, r: Response(r.body, r.status, "application/json; charset=utf-8"))
    with served(charset) as url:
        report = run(url, settings=FAST)
    assert report.cases_sent > 0 and report.conforms, report.failures[:2]


def test_a_success_with_a_4xx_status_is_judged_even_by_default() -> None:
    """Only an error reply with a 4xx status is the kit's decision; a result sent with HTTP 400
    says the request failed while the body says it succeeded."""

    def results_with_400(reply: dict[str, Any], response: Response) -> Response:
        status = 400 if "result" in reply else response.status
        return Response(response.body, status, response.content_type)

    with served(_answering(results_with_400)) as url:
        report = run(url, settings=FAST)
    judged = [f for f in report.failures if f.rule == "http-200-json"]
    assert judged and all(f.message.startswith("HTTP 400") for f in judged)
    assert "replies: an error with HTTP 400" not in report.not_judged


def test_a_wrong_jsonrpc_member_is_quoted_as_sent() -> None:
    """The message quotes the member's value, in its own characters (not escaped), not the
    whole reply."""

    def version(reply: dict[str, Any], response: Response) -> Response:
        body = json.dumps({**reply, "jsonrpc": "два"}, ensure_ascii=False).encode()
        return Response(body, response.status, response.content_type)

    with served(_answering(version)) as url:
        report = run(url, settings=FAST)
    messages = {f.message for f in report.failures if f.rule == "jsonrpc-version"}
    assert messages == {'jsonrpc is "два"'}, messages


def test_a_reply_that_is_no_object_is_quoted_to_80_characters() -> None:
    long = "x" * 100

    def text(reply: dict[str, Any], response: Response) -> Response:
        if "error" not in reply:  # a JSON-RPC server to the run's first, valid request
            return response
        return Response(json.dumps(long).encode(), response.status, response.content_type)

    with served(_answering(text)) as url:
        report = run(url, settings=FAST)
    messages = {f.message for f in report.failures if f.rule == "expected-outcome"}
    assert messages == {"expected a reply object, got " + json.dumps(long)[:80]}, messages


def test_a_reply_breaking_the_page_and_a_decision_stands_on_the_page() -> None:
    """A success reply whose site id is a string (the page: an integer) and whose ``success``
    is ``"true"`` (only the kit's decision refuses it): the failure stands on the page, in a
    default run and under --strict alike, never on the decision (bug: any decision among the
    violations taken for the failure's whole basis, so a team reads a page defect as the
    kit's opinion)."""

    def both(reply: dict[str, Any], response: Response) -> Response:
        if "result" not in reply:
            return response
        result = {**reply["result"], "success": "true", "id": str(reply["result"]["id"])}
        return Response(json.dumps({**reply, "result": result}).encode(), response.status)

    for strict in (False, True):
        with served(_answering(both)) as url:
            report = run(url, settings=dataclasses.replace(FAST, strict=strict))
        failed = [f for f in report.failures if f.rule == "reply-schema"]
        assert failed, (strict, [f.rule for f in report.failures])
        page = CHECKS["reply-schema"].basis
        assert {f.basis for f in failed} == {page}, (strict, {f.basis for f in failed})


def test_a_reply_only_a_decision_refuses_is_listed_unjudged_by_default() -> None:
    """``"success": "true"`` (the seed's page shows a boolean; a string is the kit's reading to
    refuse): a default run fails nothing for it and lists it, with its reason, as not judged;
    --strict judges it."""

    def string_success(reply: dict[str, Any], response: Response) -> Response:
        if "result" not in reply:
            return response
        body = json.dumps({**reply, "result": {**reply["result"], "success": "true"}})
        return Response(body.encode(), response.status, response.content_type)

    app = _answering(string_success)
    with served(app) as url:
        default = run(url, settings=FAST)
    with served(app) as url:
        strict = run(url, settings=dataclasses.replace(FAST, strict=True))
    assert not [f for f in default.failures if f.rule == "reply-schema"]
    listed = [w for w in default.not_judged if w.startswith("replies: `result.success` must")]
    assert listed == ['replies: `result.success` must be true; got "true"'], sorted(
        default.not_judged
    )
    assert {f.rule for f in strict.failures} >= {"reply-schema"}
    # judged by --strict alone: each such failure stands on the schema's decision, its own why
    schema = json.loads(
        (Path(__file__).parents[2] / "schemas" / "reply.success.schema.json").read_text("utf-8")
    )
    why = schema["properties"]["result"]["properties"]["success"]["x-decisions"]["const"]["why"]
    assert {f.basis for f in strict.failures if f.rule == "reply-schema"} == {
        f"the kit's decision: {why}"
    }
