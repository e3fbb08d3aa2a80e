"""A document's ``"format": "iri"`` or ``"idn-hostname"`` param is judged by the panel of
checkers, as create.sites's members are: the invalid values the panel splits on (a port past
65535, an underscore in a name, ...) are sent and judged for robustness alone unless --strict,
whatever the document's own annotations say. A server that validates its params with
python-jsonschema's standard FormatChecker (which takes https://example.com:65536/) conforms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conformance.engine.settings import Settings
from conformance.openrpc.contract import run_document
from conformance.openrpc.document import load
from conformance.server import Response, serve_in_thread

PARAMS = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "format": "iri"},
        "host": {"type": "string", "format": "idn-hostname"},
    },
    "required": ["url", "host"],
    "additionalProperties": False,
}
DOCUMENT = {
    "openrpc": "1.3.2",
    "info": {"title": "links", "version": "1"},
    "methods": [
        {
            "name": "link",
            "paramStructure": "by-name",
            "params": [
                {"name": "url", "required": True, "schema": PARAMS["properties"]["url"]},
                {"name": "host", "required": True, "schema": PARAMS["properties"]["host"]},
            ],
            "result": {"name": "ok", "schema": {"type": "boolean"}},
        }
    ],
}


class FormatCheckingServer:
    """Params checked by python-jsonschema with its standard FormatChecker, as a team would."""

    def __init__(self) -> None:
        checker = Draft202012Validator.FORMAT_CHECKER
        self.validator = Draft202012Validator(PARAMS, format_checker=checker)

    def handle(self, body: bytes) -> Response:
        def reply(rid: Any, **member: Any) -> Response:
            return Response(json.dumps({"jsonrpc": "2.0", "id": rid, **member}).encode())

        try:
            request = json.loads(body, parse_constant=_refuse)
        except ValueError:
            return reply(None, error={"code": -32700, "message": "Parse error"})
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0":
            return reply(None, error={"code": -32600, "message": "Invalid Request"})
        rid = request.get("id")
        method = request.get("method")
        if not isinstance(rid, str | int) or isinstance(rid, bool) or not isinstance(method, str):
            return reply(None, error={"code": -32600, "message": "Invalid Request"})
        if "params" in request and not isinstance(request["params"], dict | list):
            return reply(rid, error={"code": -32600, "message": "Invalid Request"})
        if method != "link":
            return reply(rid, error={"code": -32601, "message": "Method not found"})
        params = request.get("params")
        if not isinstance(params, dict) or not self.validator.is_valid(params):
            return reply(rid, error={"code": -32602, "message": "Invalid params"})
        return reply(rid, result=True)


def _refuse(literal: str) -> Any:
    raise ValueError(literal)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_contested_format_values_are_judged_for_robustness_unless_strict(tmp_path: Path) -> None:
    path = tmp_path / "links.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    document = load(path)
    with serve_in_thread(FormatCheckingServer()) as url:
        default = run_document(url, document, settings=Settings(token="t", max_examples=5))
        strict = run_document(
            url, document, settings=Settings(token="t", max_examples=5, strict=True)
        )
    assert default.conforms, [(f.test_id, f.case, f.message) for f in default.failures]
    assert any(
        "port-65536" in why or "port-65536" in test
        for test, why in ((test, why) for test, why in default.not_judged.items())
    )
    # the kit's reading (a port past 65535 refused) is judged when asked for
    assert {f.case for f in strict.failures} >= {"url:format/port-65536", "url:format/mailto"}
