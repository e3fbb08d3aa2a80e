"""A target URL that carries the key (``https://node.example/v3/KEY``, ``...?key=KEY``, as
hosted JSON-RPC nodes take it) with the key given as the token: every report and file of the
run masks it, the ``curl`` reproduction reads it from ``$CONFORMANCE_TARGET_TOKEN`` and sends
it where it was, and ``conformance replay`` puts ``--token`` back into the saved URL.

The target here is a gateway that answers 401 to any path without the key, and hands every
other body to a mutant server: a reproduction or a replay that lost the key is refused."""

from __future__ import annotations

import json
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run as _run
from helpers.one_method import OneMethod
from mutants import MUTANTS, serve

from conformance.server import serve_in_thread
from conformance.validation.masking import mask_url

KEY_FORMS = {
    "path": "v3/{key}",
    "query": "rpc?key={key}&chain=1",
}


@pytest.fixture(autouse=True)
def _no_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFORMANCE_TARGET_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@contextmanager
def keyed_gateway(upstream: str, key: str) -> Iterator[tuple[str, list[str]]]:
    """A gateway in front of ``upstream`` that wants ``key`` as a path segment or a query
    value; yields its base URL and the paths it served (401 to those without the key)."""
    served: list[str] = []

    class Gateway(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each reply waits out a delayed ACK (40 ms)
        # a case whose body is shorter than its Content-Length would hold the read: end it
        timeout = 0.5

        def do_POST(self) -> None:
            try:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            except (OSError, ValueError):
                self.close_connection = True
                return
            if f"/{key}" in self.path or f"key={key}" in self.path:
                served.append(self.path)
                request = urllib.request.Request(
                    upstream, body, {"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=10) as reply:
                    status, answer = reply.status, reply.read()
            else:
                status, answer = 401, b'{"error": "no key"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", served
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@pytest.mark.parametrize("form", KEY_FORMS, ids=list(KEY_FORMS))
def test_a_key_in_the_target_url_is_masked_and_put_back(
    form: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary, html, junit = tmp_path / "summary.md", tmp_path / "r.html", tmp_path / "j.xml"
    saved, created = tmp_path / "saved", tmp_path / "created.json"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    with (
        serve(MUTANTS["constant-id"].app) as (upstream, token),
        keyed_gateway(upstream, token) as (gateway, served),
    ):
        target = gateway + KEY_FORMS[form].format(key=token)
        files = ["--report-html", str(html), "--junitxml", str(junit)]
        files += ["--save-failures", str(saved), "--created", str(created)]
        runs = {}
        for output in ("text", "json", "github"):
            argv = ["--token", token, "--max-examples", "2", "--output", output, *files]
            runs[output] = _run("fuzz", target, *argv)
        assert [code for code, _, _ in runs.values()] == [1, 1, 1], runs
        assert served, "the run never reached the server through the key"
        masked = gateway + KEY_FORMS[form].format(key="***")

        # what a CI keeps or shows: the key masked, the URL otherwise whole
        shown = {
            **{f"{output} output": out + err for output, (_, out, err) in runs.items()},
            "job summary": summary.read_text("utf-8"),
            "HTML report": html.read_text("utf-8"),
            "JUnit XML": junit.read_text("utf-8"),
            "--created": created.read_text("utf-8"),
            **{p.name: p.read_text("utf-8") for p in saved.glob("*.json")},
        }
        assert len(shown) > 7, "no failure was saved"
        leaked = [name for name, text in shown.items() if token in text]
        assert not leaked, f"the key is in clear in {leaked}"
        assert json.loads(runs["json"][1])["target"] == masked
        assert masked in shown["text output"]
        assert f"Target `{masked}`" in shown["job summary"]
        record = json.loads(next(saved.glob("*.json")).read_text("utf-8"))
        assert record["settings"]["target"] == masked

        # the reproduction sends the key where it was: the gateway answers, not 401
        command = record["reproduce"]["curl"]
        assert "${CONFORMANCE_TARGET_TOKEN" in command
        assert "CONFORMANCE_TARGET_TOKEN=" in record["reproduce"]["setup"]
        reply = subprocess.run(
            ["bash", "-c", command],
            env={"PATH": "/usr/bin:/bin", "CONFORMANCE_TARGET_TOKEN": token},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert reply.stdout.startswith("HTTP/1.1 200"), reply.stdout + reply.stderr

        # a replay puts --token back in the URL: the saved defect is found again
        reached = len(served)
        code, out, err = _run("replay", str(saved), "--token", token)
        assert code == 1 and "0 fixed" in out and ", 0 errors" in out, out + err
        assert len(served) > reached, "the replay never got past the gateway"
        for path in saved.glob("*.json"):
            line = next(line for line in out.splitlines() if line.endswith(f"[{path}]"))
            found = json.loads(path.read_text("utf-8"))["found"]
            assert line.startswith("FAILED") and found in line, (line, found)
        assert token not in out + err


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_token_that_is_the_port_or_a_slash_leaves_the_url_whole(tmp_path: Path) -> None:
    """The scheme's ``//``, the host and the port are no place for a key: a token of ``/`` or
    of the port's digits (a target that takes any token) leaves the URL as it is in the
    run's heading and the report's last lines, and each ``curl`` sends to it as written."""
    with serve(MUTANTS["any-token-accepted"].app) as (url, _):
        port = url.rstrip("/").rpartition(":")[2]
        for token in ("/", port):
            code, out, err = _run(
                "fuzz", url, "--token", token, "--max-examples", "0", "--no-save-failures",
            )  # fmt: skip
            assert code == 1, err
            assert f" against {url} (seed 0" in err
            assert f" cases sent to {url} in " in out
            assert f"curl -sS -i -X POST {url} -H " in out


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("/KEY?k=KEY#KEY", "/***?k=***#***"),
        ("KEY/v3/KEY", "KEY/v3/***"),
        ("http://h:1/a%25/a%", "http://h:1/***/***"),
    ],
)
def test_mask_url_masks_whole_parts_of_a_url_without_an_authority_too(
    url: str, masked: str
) -> None:
    """``mask_url`` on what a target URL never is but a caller may hand it: a URL with no
    ``://`` masks every whole part after a delimiter, the first one included (``/KEY``); a
    token holding ``%`` is masked raw and percent-encoded, whole either way."""
    token = "a%" if "%" in url else "KEY"
    assert mask_url(url, token) == masked


#: A node's method that takes no secret: the key is in the URL alone, as hosted nodes take it.
BLOCK_NUMBER = {
    "openrpc": "1.2.6",
    "info": {"title": "node", "version": "1.0.0"},
    "methods": [
        {
            "name": "eth_blockNumber",
            "params": [],
            "result": {"name": "height", "schema": {"type": "integer"}},
        }
    ],
}


class HexHeights(OneMethod):
    """A JSON-RPC 2.0 server of ``BLOCK_NUMBER`` that answers the height as a hex string,
    where the document wants an integer: a result-schema defect on every valid call."""

    method = "eth_blockNumber"

    def answer(self, params: Any) -> dict[str, Any]:
        if params not in (None, [], {}):
            return {"error": {"code": -32602, "message": "Invalid params"}}
        return {"result": "0x10"}


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_key_in_the_url_alone_still_gets_the_line_that_sets_it(tmp_path: Path) -> None:
    """An OpenRPC method with no secret param behind a node URL that holds the key: no body
    holds the token, yet every reproduction reads it from ``$CONFORMANCE_TARGET_TOKEN`` (in
    the URL), so the text report prints the line that sets it, the key masked there."""
    key = "k3y-7f2c9d41e0"
    document = tmp_path / "node.json"
    document.write_text(json.dumps(BLOCK_NUMBER), "utf-8")
    with (
        serve_in_thread(HexHeights(), read_timeout=2.0) as upstream,
        keyed_gateway(upstream, key) as (gateway, served),
    ):
        code, out, err = _run(
            "fuzz", f"{gateway}v3/{key}", "--openrpc", str(document), "--token", key,
            "--max-examples", "2", "--no-save-failures",
        )  # fmt: skip
    assert code == 1 and served, out + err
    assert "result-schema" in out, out[-2000:]
    assert "paste this line first:\n    export CONFORMANCE_TARGET_TOKEN='***'" in out, out[:600]
    assert '/v3/"${CONFORMANCE_TARGET_TOKEN:?' in out and key not in out + err
