"""The saved failures as a CI keeps them and as an older kit or a hand wrote them: the file's
name and form (UTF-8 JSON indented by two, non-ASCII text as its characters), and a replay of a
record missing the members an older kit did not write, or holding members of the wrong type.
Each test reads the files ``conformance fuzz`` saves, or replays them, as a user does."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run as _run
from mutants import MUTANTS, serve

from conformance.engine.results import Failure
from conformance.engine.settings import Settings
from conformance.reporting.run_info import RunInfo
from conformance.reporting.saved import save
from conformance.server import CreateSitesApp, Response, serve_in_thread


@pytest.fixture(autouse=True)
def _no_token_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFORMANCE_TARGET_TOKEN", raising=False)


def _fuzz(url: str, token: str, folder: Path) -> list[dict[str, Any]]:
    """The failures ``conformance fuzz`` saves in ``folder``: at least one."""
    code, _, err = _run(
        "fuzz", url, "--token", token, "--max-examples", "0", "--save-failures", str(folder)
    )
    assert code == 1, err
    records = [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.failure.json"))]
    assert records
    return records


class FrenchAndLatin1(MUTANTS["latin1-message"].app):  # type: ignore[name-defined,misc]
    """latin1-message (a Cyrillic ``show_visitor_id.message`` gets -32603: a failure whose
    request is Cyrillic text), and an invalid request (-32600) answered -32602 in French with
    the token in the message: a failure whose reply holds both the token and non-ASCII text."""

    def handle(self, body: bytes) -> Response:
        response = super().handle(body)
        try:
            token = json.loads(body)["params"]["access_token"]
        except (ValueError, TypeError, KeyError):
            return response
        reply = json.loads(response.body) if response.body else None
        if not isinstance(reply, dict) or reply.get("error", {}).get("code") != -32600:
            return response
        reply["error"] = {"code": -32602, "message": f"requête refusée : jeton {token}"}
        return Response(json.dumps(reply).encode(), response.status, response.content_type)


class _Kept:
    """One run of ``conformance fuzz`` against ``FrenchAndLatin1``: its saved files and its
    HTML report."""

    def __init__(self, folder: Path) -> None:
        self.saved = folder / "failures"
        self.html = folder / "report.html"

    def files(self, rule: str, case: str) -> list[Path]:
        """The saved files of ``rule`` whose case's name holds ``case``."""
        found = []
        for path in sorted(self.saved.glob("*.failure.json")):
            document = json.loads(path.read_text("utf-8"))
            if document["rule"] == rule and case in document["case"]:
                found.append(path)
        return found


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> _Kept:
    folder = tmp_path_factory.mktemp("french")
    run = _Kept(folder)
    with serve(FrenchAndLatin1) as (url, token):
        code, _, err = _run(
            "fuzz", url, "--token", token, "--max-examples", "0",
            "--save-failures", str(run.saved), "--report-html", str(run.html),
        )  # fmt: skip
    assert code == 1, err
    return run


def test_a_reply_in_french_is_saved_as_the_target_wrote_it(kept: _Kept) -> None:
    """The reply held the token (so the kit wrote it again without it): the words around it
    are kept as the target wrote them, ``requête``, not ``requ\\u00eate``."""
    (path, *_) = kept.files("expected-outcome", "jsonrpc")
    reply = json.loads(path.read_text("utf-8"))["reply"]["text"]
    assert "requête refusée : jeton ***" in reply, reply


def test_a_cyrillic_request_is_readable_in_the_file_and_the_html_report(kept: _Kept) -> None:
    """The saved file of the Cyrillic message's failure is UTF-8 JSON indented by two spaces,
    the message written as its characters (readable where a CI shows the artefact); the HTML
    report shows the request with the same characters, as they were sent."""
    (path, *_) = kept.files("expected-outcome", "cyrillic")
    text = path.read_text("utf-8")
    assert text.startswith('{\n  "format": "create.sites-conformance-failure/1",\n  "rule": ')
    assert text.endswith("\n}\n"), text[-20:]
    message = json.loads(text)["request"]["json"]["params"]["show_visitor_id"]["message"]
    assert not message.isascii()
    assert f'"message": "{message}"' in text
    report = kept.html.read_text("utf-8")
    requests = re.findall(r"<dt>request</dt><dd><pre>(.*?)</pre>", report)
    shown = [html.unescape(request) for request in requests]
    assert any(f'"message": "{message}"' in request for request in shown), shown


def test_the_html_report_names_each_failures_source(kept: _Kept) -> None:
    """The HTML report is made from the records' form: each failure's source (the page or the
    standard its verdict stands on, ``basis`` in the file) is shown as the file has it."""
    report = html.unescape(kept.html.read_text("utf-8"))
    sources = set(re.findall(r"<dt>source</dt><dd>(.*?)</dd>", report))
    saved = {json.loads(p.read_text("utf-8"))["basis"] for p in kept.saved.glob("*.json")}
    assert "" not in saved and sources == saved, (sources, saved)


#: A method name long enough that ``{rule}--{test id}`` is past any file system's 255 bytes.
LONG_NAME = "the_sum_of_two_integers_" * 10


class StringSums:
    """A JSON-RPC 2.0 server of one method, ``LONG_NAME``, that answers the sum as a string
    (a result-schema failure for every valid request); anything else is -32600."""

    def handle(self, body: bytes) -> Response:
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if not isinstance(request, dict):
            return self._reply(None, error={"code": -32600, "message": "Invalid Request"})
        rid = request.get("id")
        rid = rid if isinstance(rid, str | int) and not isinstance(rid, bool) else None
        params = request.get("params")
        if (
            request.get("jsonrpc") != "2.0"
            or request.get("method") != LONG_NAME
            or not isinstance(params, list)
            or len(params) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in params)
        ):
            return self._reply(rid, error={"code": -32602, "message": "Invalid params"})
        return self._reply(rid, result=str(params[0] + params[1]))

    @staticmethod
    def _reply(rid: Any, **outcome: Any) -> Response:
        return Response(json.dumps({"jsonrpc": "2.0", "id": rid, **outcome}).encode())


def test_a_file_name_is_the_rule_and_test_id_cut_at_120_and_ten_hex_digits(
    tmp_path: Path,
) -> None:
    """A test id of 240-odd characters: each file is named ``{rule}--{test id}`` (characters
    other than letters, digits and ``_.=-`` as ``_``) cut at 120 characters, ``--``, ten hex
    digits that tell its case from the others of that test id, ``.failure.json``: a name every
    file system takes, however long the method's name."""
    document = tmp_path / "sums.json"
    document.write_text(
        json.dumps(
            {
                "openrpc": "1.2.6",
                "info": {"title": "sums", "version": "1.0.0"},
                "methods": [
                    {
                        "name": LONG_NAME,
                        "paramStructure": "by-position",
                        "params": [
                            {"name": "a", "required": True, "schema": {"type": "integer"}},
                            {"name": "b", "required": True, "schema": {"type": "integer"}},
                        ],
                        "result": {"name": "sum", "schema": {"type": "integer"}},
                    }
                ],
            }
        ),
        "utf-8",
    )
    kept = tmp_path / "kept"
    with serve_in_thread(StringSums(), read_timeout=2.0) as url:
        code, _, err = _run(
            "fuzz", url, "--token", "t", "--openrpc", str(document), "--max-examples", "3",
            "--save-failures", str(kept),
        )  # fmt: skip
    assert code == 1, err
    paths = sorted(kept.glob("*.failure.json"))
    assert len(paths) >= 2, err
    for path in paths:
        saved = json.loads(path.read_text("utf-8"))
        readable = re.sub(r"[^A-Za-z0-9_.=-]+", "_", f"{saved['rule']}--{saved['test_id']}")
        assert len(readable) > 120, readable
        assert re.fullmatch(
            rf"{re.escape(readable[:120])}--[0-9a-f]{{10}}\.failure\.json", path.name
        )
    assert f"{len(paths)} failures saved in {kept}/" in err, err  # no two under one name


def _cyrillic(kept: _Kept) -> dict[str, Any]:
    """The saved record of the Cyrillic message's failure: a boundary case that must succeed,
    sent with a fresh domain name each time."""
    (path, *_) = kept.files("expected-outcome", "cyrillic")
    document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    assert document["unique_domain"] is True and document["request_body_masked"] is False
    return document


def test_a_record_without_what_an_older_kit_did_not_write_is_replayed(
    kept: _Kept, tmp_path: Path
) -> None:
    """The record as an older kit (or a hand) wrote it: no ``unique_domain``,
    ``request_body_masked``, ``basis``, ``template``, ``before``, ``contract``, an empty
    ``method``, and a case this kit names otherwise. Replayed, it is sent as saved with a fresh
    domain name each time: FAILED on the server that broke it; FIXED on the reference server,
    three sends, none refused as a duplicate of the one before."""
    document = _cyrillic(kept)
    for member in (
        "unique_domain", "request_body_masked", "basis", "template", "before", "contract",
        "reproduce",
    ):  # fmt: skip
        del document[member]
    document["method"] = ""
    document["case"] += " (as an older kit named it)"
    path = tmp_path / "older.failure.json"
    path.write_text(json.dumps(document), "utf-8")
    with serve(MUTANTS["latin1-message"].app) as (url, token):
        code, out, err = _run("replay", str(path), "--token", token, "--url", url)
    assert code == 1, out + err
    assert out.startswith("FAILED expected-outcome test_boundary_accepted"), out
    with serve() as (url, token):
        code, out, err = _run("replay", str(path), "--token", token, "--url", url)
    assert code == 0, out + err
    assert out.startswith("FIXED  expected-outcome test_boundary_accepted"), out
    assert "the rule held on 3 sends" in out, out


EDITS = {
    "a-statement-of-a-number": ({"rule_statement": 5}, "rule_statement must be str; got 5"),
    "a-seed-of-true": ({"seed": True}, "seed must be int; got True"),
    "a-contract-of-a-number-in-an-object": (
        {"contract": {"openrpc": 5}},
        "contract must be an object of strings; got {'openrpc': 5}",
    ),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_a_member_of_the_wrong_type_is_an_error_naming_it(
    kept: _Kept, tmp_path: Path, edit: str
) -> None:
    """ERROR with the file and the member (exit 1) before anything is sent, never a traceback:
    the record's target is gone, and a record read as valid would say it is unreachable."""
    change, said = EDITS[edit]
    path = tmp_path / "edited.failure.json"
    path.write_text(json.dumps({**_cyrillic(kept), **change}), "utf-8")
    code, out, err = _run("replay", str(path), "--token", "t")
    assert code == 1, out + err
    assert out.startswith(f"ERROR  ?: {path}: {said} ["), out


def test_a_file_that_is_no_json_is_an_error_naming_the_place(tmp_path: Path) -> None:
    """A saved file cut short (a CI that stopped while copying it): ERROR naming the file,
    the line and the column, exit 1, never a traceback."""
    path = tmp_path / "cut.failure.json"
    path.write_text('{\n  "format": "create.sites-conformance-failure/1",\n  "rule": ', "utf-8")
    code, out, err = _run("replay", str(path), "--token", "t")
    assert code == 1, out + err
    assert out.startswith(f"ERROR  ?: {path}: not JSON: Expecting value (line 3, column 11) ["), out


class CrashesOnRawSurrogate(CreateSitesApp):
    """The reference server, but a body holding a lone surrogate's raw bytes (no UTF-8) is
    answered -32603: a failure whose body is not text, its token a part of its own."""

    def handle(self, body: bytes) -> Response:
        if b"\xed\xa0\x80" not in body:
            return super().handle(body)
        reply = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32603, "message": "crashed"}}
        return Response(json.dumps(reply).encode())


def test_a_raw_bodys_saved_command_reads_the_token_from_its_variable(tmp_path: Path) -> None:
    """The saved command of a body that is no UTF-8 sends its raw bytes and reads the token
    from ``$CONFORMANCE_TARGET_TOKEN``, set by the line to paste first: the command the run's
    report printed, not one that sends ``***`` as the token."""
    with serve(CrashesOnRawSurrogate) as (url, token):
        code, _, err = _run(
            "fuzz", url, "--token", token, "--max-examples", "0",
            "--save-failures", str(tmp_path),
        )  # fmt: skip
    assert code == 1, err
    records = [json.loads(p.read_text("utf-8")) for p in sorted(tmp_path.glob("*.failure.json"))]
    raw = [
        r
        for r in records
        if r["case"].endswith("lone-surrogate/raw") and not r["case"].startswith("access_token:")
    ]
    assert raw, [r["case"] for r in records]
    for record in raw:
        reproduce = record["reproduce"]
        assert reproduce["setup"].startswith("export CONFORMANCE_TARGET_TOKEN='***'"), reproduce
        assert '"access_token": "\'"${CONFORMANCE_TARGET_TOKEN:?' in reproduce["curl"], reproduce
        assert "'$'\\xed\\xa0\\x80''" in reproduce["curl"], reproduce


class IgnoresBadBytes(CreateSitesApp):
    """The reference server, but a body's bytes that are no UTF-8 are dropped before it is
    read: the protocol family's body with a stray byte is taken, not answered -32700."""

    def parse(self, body: bytes) -> Any:
        return super().parse(body.decode("utf-8", "ignore").encode())


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_raw_body_without_the_token_is_replayed_as_saved(tmp_path: Path) -> None:
    """A body that is no UTF-8, sent with the token placeholder (the protocol family's), holds
    no token: its file keeps it as sent, and a replay sends it as the file has it, even where
    this kit names the case otherwise (a file of an older kit), never ERROR "its body held the
    token"."""
    with serve(IgnoresBadBytes) as (url, token):
        records = _fuzz(url, token, tmp_path)
        (saved,) = [
            r for r in records if (r["rule"], r["case"]) == ("expected-outcome", "not-utf8")
        ]
        path = tmp_path / "renamed.failure.json"
        path.write_text(json.dumps({**saved, "case": "not-utf8 (as an older kit named it)"}))
        code, out, err = _run("replay", str(path), "--token", token, "--times", "1")
    assert code == 1, out + err
    assert out.startswith(
        "FAILED expected-outcome test_protocol[not-utf8] (case not-utf8 (as an older kit named "
        "it)): expected error code -32700, got "
    ), out


def test_a_failure_saved_without_its_case_is_replayed_as_an_error(tmp_path: Path) -> None:
    """``conformance.reporting.saved.save`` of a ``Failure`` made without its case (``source``
    defaults to ``None``, as a team's own check may make one): the file is written, and a
    replay says it has no expected outcome to judge by: ERROR, exit 1, the case not sent."""
    with serve() as (url, token):
        failure = Failure(
            rule="expected-outcome", doc="a team's own check", family="valid", label="valid",
            case="valid", message="a team's own finding", request={"jsonrpc": "2.0", "id": 1},
            body=b'{"jsonrpc": "2.0", "id": 1}', status=200, headers={}, reply_body=b"{}",
            seed=0, target=url,
        )  # fmt: skip
        (path,) = save([failure], tmp_path, RunInfo.of(url, Settings(token=token)), token)
        code, out, err = _run("replay", str(path), "--token", token)
    assert code == 1, out + err
    assert out.startswith(
        "ERROR  ?: the saved failure has no expected outcome to judge the reply by ["
    ), out
