"""The exported documents (both revisions) in OpenRPC's own tools: ``@open-rpc/test-coverage``
2.2.4 calls every example pairing against the reference server, configured with
``examples/openrpc/example-callers.toml``, and every call passes; ``@open-rpc/mock-server``
1.7.8 serves each document. Where a tool cannot take what the spec allows, the test works
around it as docs/openrpc.md says ("The examples in OpenRPC's tools")."""

from __future__ import annotations

import io
import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from helpers.openrpc_tools import TOOLS, require_tools
from openrpc_mock_server import serve_mock

from conformance import contract
from conformance.cli import Streams, main
from conformance.server import CreateSitesApp, SiteStore, serve_in_thread
from conformance.server.config import load

CALLERS = Path(__file__).resolve().parents[2] / "examples" / "openrpc" / "example-callers.toml"
BY_NAME = TOOLS / "test-coverage-by-name.js"


def _export(revision: str, folder: Path) -> Path:
    """``conformance export openrpc --revision R -o FILE``, as a user runs it."""
    path = folder / f"create.sites.{revision}.openrpc.json"
    code = main(
        ["export", "openrpc", "--revision", revision, "-o", str(path)],
        Streams(io.BytesIO(), io.StringIO(), io.StringIO()),
    )
    assert code == 0
    return path


def _for_test_coverage(path: Path, url: str) -> Path:
    """The document as test-coverage 2.2.4 reads it: ``servers`` naming the target (it sends
    every call to ``servers[0].url``), ``"openrpc": "1.2.6"`` (its schema-utils-js 1.16
    knows no later version and refuses 1.3.2; the document keeps 1.2.6's meta-schema too), and
    result schemas without ``x-`` annotations (its ajv 7 compiles them in strict mode)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    document["openrpc"] = "1.2.6"
    document["servers"] = [{"name": "target", "url": url}]
    for method in document["methods"]:  # ajv 7 strict throws on an annotation it does not know
        method["result"]["schema"] = _without_annotations(method["result"]["schema"])
    target = path.with_suffix(".test-coverage.json")
    target.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return target


def _without_annotations(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_annotations(item) for item in node]
    if isinstance(node, dict):
        return {k: _without_annotations(v) for k, v in node.items() if not k.startswith("x-")}
    return node


def _test_coverage(document: Path) -> list[dict[str, Any]]:
    require_tools()
    done = subprocess.run(
        ["node", str(BY_NAME), "-s", str(document), "-t", "http", "-r", "json"],
        cwd=TOOLS,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    calls: list[dict[str, Any]] = json.loads(done.stdout)
    return calls


@pytest.mark.slow
@pytest.mark.parametrize("revision", contract.REVISIONS)
def test_test_coverage_passes_every_example_on_the_reference_server(
    revision: str, tmp_path: Path
) -> None:
    exported = _export(revision, tmp_path)
    examples = json.loads(exported.read_text(encoding="utf-8"))["methods"][0]["examples"]
    with SiteStore(":memory:") as store:
        app = CreateSitesApp(load(CALLERS), store, revision=revision)
        with serve_in_thread(app) as url:
            calls = _test_coverage(_for_test_coverage(exported, url))
    assert [call["title"].rpartition(" ")[2] for call in calls] == [e["name"] for e in examples]
    failing = [(call["title"], call.get("reason"), call.get("error")) for call in calls]
    assert [f for f, call in zip(failing, calls, strict=True) if not call.get("valid")] == []
    assert len(calls) >= 60


def _post(url: str, params: dict[str, Any]) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": "create.sites", "params": params}
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


@pytest.mark.slow
@pytest.mark.parametrize("revision", contract.REVISIONS)
def test_the_mock_server_serves_each_exported_document(revision: str, tmp_path: Path) -> None:
    """Its params validator (ajv 6) lacks the draft-07 format ``idn-hostname``: stock, the
    first request kills it; with ajv's own ``unknownFormats: "ignore"`` every example gets a
    result that keeps the result schema, and a domain the pattern refuses gets -32602."""
    exported = _export(revision, tmp_path)
    document = json.loads(exported.read_text(encoding="utf-8"))
    method = document["methods"][0]
    example = {p["name"]: p["value"] for p in method["examples"][0]["params"]}
    with serve_mock(exported) as url, pytest.raises((urllib.error.URLError, ConnectionError)):
        _post(url, example)
    from jsonschema import Draft7Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT7

    registry: Registry[Any] = Registry().with_resource("urn:doc", DRAFT7.create_resource(document))
    result_schema = {"$ref": "urn:doc#/methods/0/result/schema"}
    with serve_mock(exported, ignore_unknown_formats=True) as url:
        for pairing in method["examples"]:
            params = {p["name"]: p["value"] for p in pairing["params"]}
            reply = _post(url, params)
            assert "result" in reply, (pairing["name"], reply)
            Draft7Validator(result_schema, registry=registry).validate(reply["result"])
        refused = _post(url, {**example, "domain_name": "not a domain"})
        assert refused["error"]["code"] == -32602
