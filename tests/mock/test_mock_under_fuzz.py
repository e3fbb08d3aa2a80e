"""The proof that the mock is a conforming stateless server: the kit's own ``conformance fuzz
URL --openrpc DOC`` (judged by JSON-RPC 2.0 and the schemas: ``--profile jsonrpc`` where the
document carries the vendor's extensions) passes against it on three seeds, for this folder's
rules document and the exported create.sites document (here), the six ``@open-rpc/examples``
documents and the Ethereum execution API (``test_mock_under_fuzz_public.py``); and the same run
fails a mock with one rule broken by hand, so a pass says something."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from mock_process import RULES

from conformance.cli import Streams, main
from conformance.mock.app import MockApp
from conformance.openrpc.document import load
from conformance.server.httpd import serve_in_thread
from conformance.server.rpc import Response

# Whole fuzz runs against the mock, three seeds each: make test runs them, make check not.
pytestmark = pytest.mark.slow

SEEDS = (0, 1, 2)


def exported(folder: Path, revision: str = "seed") -> Path:
    """``conformance export openrpc --revision REVISION -o FILE``: the file."""
    path = folder / f"create-sites-{revision}.json"
    out, err = io.StringIO(), io.StringIO()
    argv = ["export", "openrpc", "--revision", revision, "-o", str(path)]
    assert main(argv, Streams(io.BytesIO(), out, err)) == 0, err.getvalue()
    return path


def fuzz(url: str, document: Path, seed: int, *options: str) -> tuple[int, str]:
    """``conformance fuzz URL --openrpc DOCUMENT --seed SEED``: its exit code and report."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["fuzz", url, "--openrpc", str(document), "--seed", str(seed), "--no-save-failures"]
    code = main([*argv, *options], Streams(io.BytesIO(), out, err))
    return code, out.getvalue() + err.getvalue()


def passes_on_three_seeds(served: Path, judged: Path, *options: str) -> None:
    """A mock of ``served`` for each seed, fuzzed with that seed by ``judged``: exit 0."""
    for seed in SEEDS:
        with serve_in_thread(MockApp(load(served), seed)) as url:
            code, report = fuzz(url, judged, seed, *options)
        assert code == 0, report[-3000:]
        assert "conforms" in report


def test_the_rules_document_passes_on_three_seeds() -> None:
    passes_on_three_seeds(RULES, RULES)


@pytest.mark.parametrize("revision", ["seed", "current"])
def test_the_exported_create_sites_document_passes_on_three_seeds(
    tmp_path: Path, revision: str
) -> None:
    """The mock serves the document as exported; the run judges it by JSON-RPC 2.0 and its
    schemas alone (``--profile jsonrpc``: the vendor's extensions describe a server's state,
    which a stateless mock does not keep; the token its x-secret param carries is any)."""
    document = exported(tmp_path, revision)
    passes_on_three_seeds(document, document, "--profile", "jsonrpc", "--token", "any-token")


class AnswersInvalidParams(MockApp):
    """Every call gets a result, params the schemas refuse included."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        for judge in self.methods.values():
            judge.fault = lambda params, places: None  # type: ignore[method-assign]


class AnswersNotifications(MockApp):
    """A notification gets the reply a call would."""

    def answer(self, request: Any) -> dict[str, Any] | None:
        if isinstance(request, dict) and "id" not in request:
            request = {**request, "id": None}
        return super().answer(request)


class ResultsUnchecked(MockApp):
    """Results no longer checked against the result schema: a number where one is wanted
    answered as its text."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        judge = self.methods["sum"]
        pool = tuple(str(value) for value in judge.results.pool)
        object.__setattr__(judge.results, "pool", pool)


class EmptyBatchAnsweredEmpty(MockApp):
    """An empty batch answered with an empty array (JSON-RPC 2.0 §6: one -32600 error)."""

    def handle(self, body: bytes) -> Response:
        if body.strip() == b"[]":
            return Response(b"[]")
        return super().handle(body)


class ParseErrorsAsInvalidRequests(MockApp):
    """A body that is not JSON answered -32600 instead of -32700."""

    def handle(self, body: bytes) -> Response:
        response = super().handle(body)
        return Response(response.body.replace(b"-32700", b"-32600"), response.status)


class UnknownMethodsAsInvalidParams(MockApp):
    """An unknown method answered -32602 instead of -32601."""

    def answer(self, request: Any) -> dict[str, Any] | None:
        reply = super().answer(request)
        if reply is not None and reply.get("error", {}).get("code") == -32601:
            reply["error"]["code"] = -32602
        return reply


@pytest.mark.parametrize(
    ("mutant", "rule"),
    [
        (AnswersInvalidParams, "expected-outcome"),
        (AnswersNotifications, "expected-outcome"),
        (ResultsUnchecked, "result-schema"),
        (EmptyBatchAnsweredEmpty, "reply-shape"),
        (ParseErrorsAsInvalidRequests, "expected-outcome"),
        (UnknownMethodsAsInvalidParams, "expected-outcome"),
    ],
)
def test_a_mock_with_a_rule_broken_fails_the_same_run(mutant: type[MockApp], rule: str) -> None:
    """(``paramStructure`` is not among them: the run sends each method its params in the
    structure it asks for, and an array holding the whole params object where it asks for an
    object, which a server reading it by position refuses too; ``test_mock_rules`` holds it.)"""
    with serve_in_thread(mutant(load(RULES), 0)) as url:
        code, report = fuzz(url, RULES, 0, "--max-examples", "20")
    assert code == 1, report[-2000:]
    assert f"{rule}:" in report


def test_a_mock_with_a_rule_broken_fails_the_exported_documents_run(tmp_path: Path) -> None:
    """The profile that passes the mock above still judges JSON-RPC 2.0 and the schemas."""
    document = exported(tmp_path)
    with serve_in_thread(AnswersInvalidParams(load(document), 0)) as url:
        code, report = fuzz(
            url, document, 0, "--profile", "jsonrpc", "--token", "t", "--max-examples", "5"
        )
    assert code == 1, report[-2000:]
    assert "expected-outcome:" in report
