"""``conformance validate --traffic FILE`` as a user runs it: captured exchanges judged as the
proxy judges them live, each side blamed for its own fault, secrets masked, the exit code; HAR
from the kit's own runs, a hand-made capture in Chrome's shape, JSON Lines of entries, and
files that are no traffic (exit 2, the entry named, no traceback)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run as _run
from helpers.targets import CUSTOMER_TOKEN, served
from mutants.servers import MUTANTS

from conformance.traffic.contracts import CLIENT_RULES

CASES = Path(__file__).resolve().parents[1] / "cases" / "valid"


def _record(tmp_path: Path, app: Any = None, examples: str = "5") -> Path:
    """A HAR file of a short fuzz run against the reference server (or a mutant of it)."""
    har = tmp_path / "run.har"
    with served(*(app,) if app else ()) as url:
        _run("fuzz", url, "--token", CUSTOMER_TOKEN, "--max-examples", examples,
             "--record", str(har), "--no-save-failures")  # fmt: skip
    return har


@pytest.mark.slow
@pytest.mark.parametrize("strict", [False, True])
def test_a_fuzz_run_of_the_reference_server_shows_no_server_violation(
    tmp_path: Path, strict: bool
) -> None:
    """The fuzz sends invalid requests on purpose: each is the client's violation, and the
    conforming server's every reply keeps the contract (the kit's decisions, which the
    reference server takes, are held against neither side without --strict)."""
    har = _record(tmp_path)
    code, out, err = _run("validate", "--traffic", str(har), "--output", "json",
                          *(["--strict"] if strict else []))  # fmt: skip
    assert code == 1, err
    report = json.loads(out)
    server = [v for v in report["violations"] if v["side"] == "server"]
    assert report["violations_by_side"]["server"] == 0, server[:3]
    assert report["judged"] > 300 and report["violations_by_side"]["client"] > 100
    client_rules = {v["rule"] for v in report["violations"]}
    assert client_rules <= set(CLIENT_RULES)
    assert {"request-json", "request-object", "request-params"} <= client_rules
    assert CUSTOMER_TOKEN not in out


@pytest.mark.slow
def test_the_text_report_names_the_file_and_entry_and_blames_the_client(tmp_path: Path) -> None:
    har = _record(tmp_path, examples="2")
    code, out, _ = _run("validate", "--traffic", str(har))
    assert code == 1
    assert f"{har} log.entries[" in out and ": CLIENT broke request-json: " in out
    assert "SERVER broke" not in out
    assert f"conformance validate --traffic: create.sites in {har}" in out
    assert out.rstrip().splitlines()[-1].endswith(")") and "0 by the server" not in out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mutant", "rule"),
    [
        ("constant-id", "reply-id"),
        ("result-and-error", "result-xor-error"),
        ("range-unchecked", "expected-outcome"),
        ("text-plain-replies", "http-200-json"),
    ],
)
def test_a_server_mutants_replies_are_the_servers_violations(
    tmp_path: Path, mutant: str, rule: str
) -> None:
    har = _record(tmp_path, MUTANTS[mutant].app, examples="3")
    code, out, _ = _run("validate", "--traffic", str(har), "--output", "jsonl")
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    server = {v["rule"] for v in lines[:-1] if v["side"] == "server"}
    assert rule in server, server
    assert lines[-1]["conforms"] is False and "by the server" in lines[-1]["summary"]


# --- a capture in the shape Chrome's developer tools export ---------------------------------


def _chrome_entry(
    method: str,
    url: str,
    request: bytes | None,
    status: int,
    reply: str | None,
    *,
    mime: str = "application/json",
    reply_base64: bool = False,
    headers: tuple[tuple[str, str], ...] = (),
    size: int | None = None,
) -> dict[str, Any]:
    """One entry as Chrome writes it: HTTP/2 pseudo-headers, its custom fields, postData only
    where a body was sent, no content text where it kept none."""
    entry: dict[str, Any] = {
        "_initiator": {"type": "script"},
        "_priority": "High",
        "_resourceType": "fetch",
        "cache": {},
        "connection": "443",
        "pageref": "page_1",
        "request": {
            "method": method,
            "url": url,
            "httpVersion": "http/2.0",
            "headers": [
                {"name": ":authority", "value": "api.example.org"},
                {"name": ":method", "value": method},
                {"name": "authorization", "value": "Bearer chrome-secret-credential-77"},
                {"name": "content-type", "value": "application/json"},
            ],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(request or b""),
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "http/2.0" if status else "",
            "headers": [{"name": "content-type", "value": mime}, *(
                {"name": n, "value": v} for n, v in headers)],
            "cookies": [],
            "content": {"size": size if size is not None else len(reply or ""), "mimeType": mime},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_transferSize": 512,
            "_error": None if status else "net::ERR_CONNECTION_REFUSED",
        },
        "serverIPAddress": "203.0.113.7",
        "startedDateTime": "2026-03-01T12:30:05.123Z",
        "time": 41.7,
        "timings": {"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1,
                    "wait": 40.0, "receive": 0.4, "_blocked_queueing": 0.9},
    }  # fmt: skip
    if request is not None:
        entry["request"]["postData"] = {"mimeType": "application/json", "text": request.decode()}
    if reply is not None:
        content = entry["response"]["content"]
        if reply_base64:
            content |= {"text": base64.b64encode(reply.encode()).decode(), "encoding": "base64"}
        else:
            content["text"] = reply
    return entry


def _request(**params: Any) -> bytes:
    document = json.loads((CASES / "request__minimal.json").read_text())
    document["params"] |= {"access_token": "chrome-page-token-5521", **params}
    return json.dumps(document).encode()


SUCCESS = (CASES / "reply.success__minimal.json").read_text()
ERROR = (CASES / "reply.error__minimal.json").read_text()
RPC = "https://api.example.org/rpc?tenant=7"


def _chrome_har(tmp_path: Path) -> Path:
    entries = [
        _chrome_entry("GET", "https://app.example.org/", None, 200, "<html></html>",
                      mime="text/html"),
        # the page's analytics: JSON, but no JSON-RPC endpoint
        _chrome_entry("POST", "https://stats.example.org/collect", b'{"event": "view"}', 204,
                      None, size=0),
        # a conforming exchange, the reply kept as base64 and sent brotli-encoded
        _chrome_entry("POST", RPC, _request(), 200, SUCCESS, reply_base64=True,
                      headers=(("content-encoding", "br"),)),
        # the client's fault: a link text of 101 characters, refused as it should be
        _chrome_entry("POST", RPC, _request(widget_link={"text": "x" * 101}), 200, ERROR),
        # the server's fault: a gateway's HTML page instead of a JSON-RPC reply
        _chrome_entry("POST", RPC, _request(domain_name="two.example.com"), 502,
                      "<html>Bad Gateway</html>", mime="text/html"),
        # no answer at all: Chrome's status 0
        _chrome_entry("POST", RPC, _request(domain_name="three.example.com"), 0, None, size=0),
        # a reply whose body Chrome did not keep
        _chrome_entry("POST", RPC, _request(domain_name="four.example.com"), 200, None, size=84),
    ]  # fmt: skip
    path = tmp_path / "chrome.har"
    document = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                        "pages": [{"id": "page_1", "title": "app", "pageTimings": {},
                                   "startedDateTime": "2026-03-01T12:30:05.000Z"}],
                        "entries": entries}}  # fmt: skip
    # Windows tools write a byte order mark
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(document, indent=1).encode())
    return path


def test_a_chrome_capture_is_judged_each_side_for_its_own_fault(tmp_path: Path) -> None:
    har = _chrome_har(tmp_path)
    code, out, err = _run("validate", "--traffic", str(har), "--output", "json")
    assert code == 1, err
    report = json.loads(out)
    assert report["exchanges"] == 7 and report["judged"] == 3
    assert report["not_judged"] == {
        "no answer": 1,
        "not a POST": 1,
        "not to a JSON-RPC endpoint": 1,
        "reply not kept whole": 1,
    }
    found = {(v["where"], v["side"], v["rule"]) for v in report["violations"]}
    assert found == {
        (f"{har} log.entries[3]", "client", "request-params"),
        (f"{har} log.entries[4]", "server", "http-200-json"),
        (f"{har} log.entries[4]", "server", "no-server-error"),
        (f"{har} log.entries[4]", "server", "body-parses"),
    }
    for secret in ("chrome-page-token-5521", "chrome-secret-credential-77"):
        assert secret not in out
    # the brotli-encoded reply is judged as HAR keeps it, decoded: its schema too
    judged = {(r["side"], r["rule"]): r["judged"] for r in report["rules"]}
    assert judged["server", "reply-schema"] == 3


def test_a_chrome_capture_text_and_junit(tmp_path: Path) -> None:
    har = _chrome_har(tmp_path)
    junit = tmp_path / "traffic.xml"
    code, out, _ = _run("validate", "--traffic", str(har), "--junitxml", str(junit))
    assert code == 1
    assert f"{har} log.entries[3]: CLIENT broke request-params at params.widget_link.text" in out
    assert "not judged: 1 no answer, 1 not a POST, 1 not to a JSON-RPC endpoint, 1 reply " in out
    assert "chrome-page-token-5521" not in out and '"access_token": "***"' in out
    xml = junit.read_text()
    assert 'classname="traffic.client" name="request-params"><failure' in xml


def test_a_chrome_capture_html_report(tmp_path: Path) -> None:
    """--report-html writes the session as one page: the verdict, each side's rules, each
    violation with its exchange, masked as the other reports mask it; escaped as HTML."""
    har = _chrome_har(tmp_path)
    page = tmp_path / "traffic.html"
    code, _, _ = _run("validate", "--traffic", str(har), "--report-html", str(page))
    assert code == 1
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'class="verdict fail"' in html
    assert (
        f"{har} log.entries[3]: the client broke request-params at params.widget_link.text" in html
    )
    assert "<td>server</td><td>http-200-json</td>" in html
    for secret in ("chrome-page-token-5521", "chrome-secret-credential-77"):
        assert secret not in html
    assert "&quot;access_token&quot;: &quot;***&quot;" in html  # escaped, masked
    assert "<script" not in html.lower()
    # the same report of a capture that keeps the contract says so
    good = _chrome_entry("POST", RPC, _request(), 200, SUCCESS)
    clean = tmp_path / "clean.har"
    clean.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
                                         "entries": [good]}}), "utf-8")  # fmt: skip
    code, _, err = _run("validate", "--traffic", str(clean), "--report-html", str(page))
    assert code == 0, err
    assert 'class="verdict pass"' in page.read_text(encoding="utf-8")
    # a path that cannot be written is refused before anything is judged
    code, _, err = _run("validate", "--traffic", str(har), "--report-html", "/nonexistent/r.html")
    assert code == 2 and "cannot write --report-html /nonexistent/r.html" in err


def test_json_lines_of_entries_and_a_clean_capture_exit_0(tmp_path: Path) -> None:
    good = _chrome_entry("POST", RPC, _request(), 200, SUCCESS)
    lines = tmp_path / "gateway.jsonl"
    lines.write_text(json.dumps(good) + "\n\n" + json.dumps(good) + "\n")
    code, out, _ = _run("validate", "--traffic", str(lines))
    assert code == 0, out
    assert out.rstrip().endswith("2 exchanges judged: client and server kept the contract")
    bad = _chrome_entry("POST", RPC, _request(industry_id="5"), 200, SUCCESS)
    lines.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    code, out, _ = _run("validate", "--traffic", str(lines), "--output", "jsonl")
    assert code == 1
    first = json.loads(out.splitlines()[0])
    assert (first["where"], first["side"], first["rule"]) == (
        f"{lines} line 2", "client", "request-params",
    )  # fmt: skip
    # the server answered a request the contract refuses with a result: its fault too
    assert json.loads(out.splitlines()[1])["side"] == "server"


# --- files that are no traffic ------------------------------------------------------------


def _entries(*entries: Any) -> bytes:
    return json.dumps({"log": {"version": "1.2", "entries": list(entries)}}).encode()


_GOOD = _chrome_entry("POST", RPC, _request(), 200, SUCCESS)
_NO_METHOD = json.loads(json.dumps(_GOOD))
del _NO_METHOD["request"]["method"]
_BAD_BASE64 = json.loads(json.dumps(_GOOD))
_BAD_BASE64["response"]["content"] |= {"text": "%%%", "encoding": "base64"}


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("a.har", b"{not json", "a.har is not JSON (a HAR file is)"),
        ("a.har", b'{"entries": []}', "a.har is not a HAR 1.2 file: log is missing"),
        ("a.har", _entries(_GOOD, _NO_METHOD), "log.entries[1].request.method is missing"),
        ("a.har", _entries(_BAD_BASE64), "log.entries[0].response.content.text is not base64"),
        ("a.jsonl", json.dumps(_GOOD).encode() + b"\n{\n", "a.jsonl line 2: not JSON"),
        ("a.jsonl", b"\n" + json.dumps(_NO_METHOD).encode(),
         "a.jsonl line 2: not a HAR 1.2 entry: entry.request.method is missing"),
        ("a.jsonl", b'{"x": "\xff"}\n', "a.jsonl line 1: not UTF-8"),
    ],
)  # fmt: skip
def test_a_file_that_is_no_traffic_exits_2_naming_the_entry(
    tmp_path: Path, name: str, content: bytes, said: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = _run("validate", "--traffic", str(path))
    assert code == 2
    assert err.startswith("conformance validate: error: ") and said in err, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err + out


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    code, _, err = _run("validate", "--traffic", str(tmp_path / "gone.har"))
    assert code == 2 and f"cannot read {tmp_path / 'gone.har'}" in err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("validate", "x.json", "--traffic", "t.har"), "not both"),
        (("validate", "x.json", "--strict"), "--strict is for --traffic"),
        (("validate", "x.json", "--output", "jsonl"), "--output jsonl is for --traffic"),
        (("validate", "x.json", "--report-html", "r.html"), "--report-html is for --traffic"),
        (("validate", "--traffic", "t.har", "--kind", "reply"), "--kind is for payload files"),
        (("validate", "--traffic", "t.har", "--openrpc", "d.json", "--revision", "current"),
         "--revision names a revision of create.sites"),
        (("validate",), "give a FILE (or --traffic FILE)"),
    ],
)  # fmt: skip
def test_options_that_do_not_go_together_are_usage_errors(argv: tuple[str, ...], said: str) -> None:
    code, _, err = _run(*argv)
    assert code == 2 and said in err, err


# --- the proxy's own log ------------------------------------------------------------------


@pytest.mark.slow
def test_the_proxys_log_gives_the_verdicts_the_live_session_gave(tmp_path: Path) -> None:
    """``proxy --record`` writes HAR that ``validate --traffic`` reads: the same rules broken
    on each side as the proxy reported live, every secret masked in the file."""
    import os
    import signal
    import subprocess
    import sys

    import requests

    log, live = tmp_path / "proxy.har", tmp_path / "live.json"
    with served(MUTANTS["constant-id"].app) as upstream:
        process = subprocess.Popen(
            [sys.executable, "-m", "conformance", "proxy", "--listen", "127.0.0.1:0",
             "--upstream", upstream, "--record", str(log), "--json", str(live)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )  # fmt: skip
        assert process.stderr is not None
        line = process.stderr.readline()
        assert "listening on " in line, line + process.stderr.read()
        url = line.split("listening on ")[1].split(",")[0]
        headers = {"Authorization": "Bearer header-secret-4411"}
        for body in (_request(), _request(widget_link={"text": "x" * 101}), b"{oops"):
            body = body.replace(b"chrome-page-token-5521", CUSTOMER_TOKEN.encode())
            body = body.replace(b'"id": 1', b'"id": "seven"')
            requests.post(url, data=body, headers=headers, timeout=10)
        requests.get(url, timeout=10)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    assert process.returncode == 1
    text = log.read_text(encoding="utf-8")
    assert CUSTOMER_TOKEN not in text and "header-secret-4411" not in text
    assert '"Bearer ***"' in text
    code, out, err = _run("validate", "--traffic", str(log), "--output", "json")
    assert code == 1, err
    later, then = json.loads(out), json.loads(live.read_text())

    def broken(report: dict[str, Any]) -> dict[tuple[str, str], int]:
        return {(r["side"], r["rule"]): r["broken"] for r in report["rules"] if r["broken"]}

    assert broken(later) == broken(then)
    assert ("server", "reply-id") in broken(later) and ("client", "request-params") in broken(then)
    assert later["exchanges"] == 4 and later["not_judged"] == {"not a POST": 1}
