"""HAR 1.2 written and read back (conformance.traffic.har): every exchange the same after the
round trip, bodies byte for byte (those that are not UTF-8 too), a file that is no HAR refused
with one message naming where; the written document valid against har-schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from har_schema import har_validator, spec_violations

from conformance.errors import ArgumentError
from conformance.traffic.har import HarWriter, HttpExchange, read, to_har

STARTED = datetime(2026, 3, 1, 12, 30, 5, 123000, tzinfo=UTC)

EXCHANGES = [
    HttpExchange(
        started=STARTED,
        elapsed=0.0125,
        method="POST",
        url="http://127.0.0.1:8080/rpc?tenant=a&x=",
        request_headers=(("Content-Type", "application/json"), ("Authorization", "***")),
        request_body=json.dumps({"id": 1, "params": {"é": "ü"}}, ensure_ascii=False).encode(),
        status=200,
        response_headers=(("content-type", "application/json"), ("set-cookie", "***")),
        response_body=b'{"jsonrpc": "2.0", "id": 1, "result": {"id": 7}}',
        reason="OK",
    ),
    # bodies that are not UTF-8, both ways (the kit sends such on purpose)
    HttpExchange(
        started=STARTED,
        elapsed=0.002,
        method="POST",
        url="http://127.0.0.1:8080/",
        request_headers=(("Content-Type", "application/json"),),
        request_body=b'{"jsonrpc": "2.0\xff", "id": 1}',
        status=400,
        response_headers=(("Content-Type", "application/octet-stream"),),
        response_body=b"\x00\xfe\xff\x80 binary",
        reason="Bad Request",
        request_size=31,
    ),
    # no answer at all
    HttpExchange(
        started=STARTED,
        elapsed=5.0,
        method="POST",
        url="http://127.0.0.1:8080/",
        request_headers=(),
        request_body=b"null",
        status=None,
        error="no answer within 5 s",
        comment="timed out",
    ),
    # a reply past the runner's limit: its beginning only
    HttpExchange(
        started=STARTED,
        elapsed=0.5,
        method="POST",
        url="http://127.0.0.1:8080/",
        request_headers=(),
        request_body=b"{}",
        status=200,
        response_headers=(("Content-Type", "application/json"),),
        response_body=b'{"jsonrpc": "2.0", "id": 1, "result": "xxxx',
        reason="OK",
        response_partial=True,
    ),
]


def _write(path: Path) -> None:
    with HarWriter(path, "test", "1.0") as writer:
        for exchange in EXCHANGES:
            writer.add(exchange)


def test_every_exchange_comes_back_the_same(tmp_path: Path) -> None:
    path = tmp_path / "run.har"
    _write(path)
    assert read(path) == EXCHANGES


def test_bodies_not_utf8_are_base64_where_har_says(tmp_path: Path) -> None:
    path = tmp_path / "run.har"
    _write(path)
    entry = json.loads(path.read_text())["log"]["entries"][1]
    assert entry["response"]["content"]["encoding"] == "base64"
    assert entry["request"]["postData"]["_encoding"] == "base64"
    # a UTF-8 body is plain text, readable by any HAR viewer
    first = json.loads(path.read_text())["log"]["entries"][0]
    assert "encoding" not in first["response"]["content"]
    assert json.loads(first["request"]["postData"]["text"])["params"] == {"é": "ü"}
    assert first["request"]["queryString"] == [
        {"name": "tenant", "value": "a"},
        {"name": "x", "value": ""},
    ]


def test_the_streamed_file_is_the_whole_document(tmp_path: Path) -> None:
    """HarWriter's file, written entry by entry, is the document to_har makes at once."""
    path = tmp_path / "run.har"
    _write(path)
    assert json.loads(path.read_text()) == to_har(EXCHANGES, "test", "1.0")


def test_a_body_not_kept_whole_is_said_so(tmp_path: Path) -> None:
    """The kit's ``content._partial``, and a content without text (a tool that kept no body)
    unless its size says the body was empty."""
    path = tmp_path / "run.har"
    _write(path)
    document = json.loads(path.read_text())
    assert document["log"]["entries"][3]["response"]["content"]["_partial"] is True
    content = document["log"]["entries"][0]["response"]["content"]
    del content["text"]
    content["size"] = 0
    path.write_text(json.dumps(document))
    assert read(path)[0].response_partial is False and read(path)[0].response_body == b""
    content["size"] = 40
    path.write_text(json.dumps(document))
    assert read(path)[0].response_partial is True


def test_an_empty_run_is_a_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.har"
    HarWriter(path, "test", "1.0").close()
    assert read(path) == []


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{not json", "is not JSON (a HAR file is)"),
        ("[]", "is not a HAR 1.2 file: log is missing"),
        ('{"log": {"entries": [{"time": 1}]}}', "log.entries[0].startedDateTime is missing"),
        (
            '{"log": {"entries": [{"startedDateTime": "2026-01-01T00:00:00Z", "time": 1, '
            '"request": {"method": "POST", "url": "u", "headers": []}, "response": {"status": '
            '200, "headers": [], "content": {"text": "%%", "encoding": "base64"}}}]}}',
            "log.entries[0].response.content.text is not base64",
        ),
    ],
)
def test_a_file_that_is_no_har_is_one_message(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "bad.har"
    path.write_text(text)
    with pytest.raises(ArgumentError, match=r"bad\.har") as raised:
        read(path)
    assert said in str(raised.value)


def test_a_missing_file_is_one_message(tmp_path: Path) -> None:
    with pytest.raises(ArgumentError, match=r"cannot read .*missing\.har"):
        read(tmp_path / "missing.har")


@pytest.mark.slow
def test_the_written_file_is_valid_har_1_2(tmp_path: Path) -> None:
    path = tmp_path / "run.har"
    _write(path)
    document = json.loads(path.read_text())
    errors = [error.message for error in har_validator().iter_errors(document)]
    assert errors == [] and spec_violations(document) == []


@pytest.mark.slow
def test_a_recorded_run_is_valid_har_1_2(tmp_path: Path) -> None:
    """What `conformance fuzz --record` writes for a whole run (bodies that are not UTF-8
    among them) passes har-schema and the checks it leaves out."""
    import io

    from helpers.targets import CUSTOMER_TOKEN, served

    from conformance.cli import Streams, main

    har = tmp_path / "run.har"
    with served() as url:
        code = main(
            ["fuzz", url, "--token", CUSTOMER_TOKEN, "--max-examples", "5", "--record", str(har),
             "--no-save-failures"],
            Streams(stdin=io.BytesIO(), stdout=io.StringIO(), stderr=io.StringIO()),
        )  # fmt: skip
    assert code == 0
    document = json.loads(har.read_text(encoding="utf-8"))
    assert len(document["log"]["entries"]) > 300
    errors = [error.message for error in har_validator().iter_errors(document)]
    assert errors == [] and spec_violations(document) == []
