"""Public OpenRPC documents as test data (issue 19; ``documents/README.md`` says where each
comes from and its licence): each loads, every method gets cases, and a run against a server
of the document (``document_server``: params checked by python-jsonschema over the document
as written, a result that fits the result schema) fails nothing on three seeds."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from document_server import DocumentServer
from helpers.openrpc_tools import EXAMPLE_NAMES, example_document
from schema_oracle import Oracle

from conformance.engine.settings import Settings
from conformance.generation import cases as case_module
from conformance.openrpc.generation import drawable
from conformance.server import serve_in_thread

DOCUMENTS = Path(__file__).resolve().parent / "documents"
STARKNET = DOCUMENTS / "starknet" / "api"

#: name -> the document's path
PUBLIC: dict[str, Path] = {
    "ethereum": DOCUMENTS / "ethereum" / "openrpc.json",
    "starknet-api": STARKNET / "starknet_api_openrpc.json",
    "starknet-trace": STARKNET / "starknet_trace_api_openrpc.json",
    "starknet-write": STARKNET / "starknet_write_api.json",
    "starknet-ws": STARKNET / "starknet_ws_api.json",
    "starknet-executables": STARKNET / "starknet_executables.json",
    "lotus-v0-gateway": DOCUMENTS / "lotus" / "v0-gateway.json",
    "lotus-v2-gateway": DOCUMENTS / "lotus" / "v2-gateway.json",
}

SEEDS = (1, 2, 3)


def _path(name: str) -> Path:
    return PUBLIC[name] if name in PUBLIC else example_document(name)


def _kit(
    path: Path, settings: Settings, methods: Sequence[str] = (), url: str | None = None
) -> tuple[Any, Any]:
    """The kit's public API, in one place: ``(document, plans)``, or with ``url``
    ``(document, report)`` of a run against it."""
    from conformance.openrpc.contract import plan_document, run_document
    from conformance.openrpc.document import load

    document = load(path)
    if url is None:
        return document, plan_document(document, settings, methods)
    return document, run_document(url, document, settings=settings, methods=methods)


ALL = [*PUBLIC, *EXAMPLE_NAMES]


@pytest.mark.parametrize("name", ALL)
def test_each_document_loads_and_gives_every_method_cases(name: str) -> None:
    document, plans = _kit(_path(name), Settings(token="t"))
    assert [p.method.name for p in plans] == [m.name for m in document.methods]
    # a method with no cases, with the plan's reason: none is expected
    without = {
        p.method.name: [n for n in p.notes if not n.startswith("not generated")]
        for p in plans
        if p.base is None or not any(p.families.values())
    }
    assert without == {}
    # every family made: none fell over a schema it could not walk
    broken = [n for p in plans for n in p.notes if "could not be made" in n]
    assert broken == []


def test_planning_searches_for_almost_no_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """Base values are read from the schemas, arrays from their item schemas: hypothesis's
    search (``find``, which shrinks an array item by item) is left for the rare value nothing
    else gives. lotus's 32-byte hashes (arrays of 32 items) took 42 searches, 4 to 19 s of
    planning; the Ethereum document's plan time is the goal of ``make bench``."""
    import hypothesis

    searched: list[Any] = []
    real = hypothesis.find

    def counted(strategy: Any, *args: Any, **kwargs: Any) -> Any:
        searched.append(strategy)
        return real(strategy, *args, **kwargs)

    monkeypatch.setattr(hypothesis, "find", counted)
    for name in ("ethereum", "lotus-v0-gateway", "lotus-v2-gateway"):
        _kit(_path(name), Settings(token="t"))
    assert len(searched) <= 3, searched


def _results(path: Path, document: Any, oracle: Oracle, raw: Any) -> dict[str, Any]:
    """One result a method: read from its result schema by the kit's sampler, then checked by
    python-jsonschema over the document as written (a result that does not fit fails here)."""
    results: dict[str, Any] = {}
    for method, written in zip(document.methods, raw["methods"], strict=True):
        if method.result is None:
            results[method.name] = None
            continue
        value = case_module.sample(drawable(method.result.schema), complete=True)
        errors = [
            e.message
            for e in oracle.validator(oracle.descriptor(written["result"])["schema"]).iter_errors(
                value
            )
        ]
        assert not errors, (method.name, value, errors[:2])
        results[method.name] = value
    return results


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ALL)
def test_a_server_of_the_document_conforms_on_three_seeds(name: str, seed: int) -> None:
    """Every method of the document, each seed a test of its own (the Ethereum document,
    about 13,700 cases a seed, takes about 45 s a seed here; ``-n`` spreads them)."""
    path = _path(name)
    raw = json.loads(path.read_text(encoding="utf-8"))
    document, _ = _kit(path, Settings(token="t", families=()))
    server = DocumentServer(raw, path, _results(path, document, Oracle(raw, path), raw))
    with serve_in_thread(server, read_timeout=2.0) as url:
        settings = Settings(token="t", seed=seed, max_examples=5, timeout=5.0)
        _, report = _kit(path, settings, (), url)
    messages = [f"{f.test_id}: {f.message[:200]}" for f in report.failures]
    assert report.conforms, (seed, messages[:5])
    sent = {name for name, tally in report.methods.items() if tally.cases_sent > 0}
    assert sent == {m.name for m in document.methods}
