"""The kit's fuzz run against the mock of documents no one here wrote: the six
``@open-rpc/examples`` documents (npm, ``make openrpc-tools``) on three seeds, and the Ethereum
execution API (``tests/openrpc/documents``) on a quarter of its methods, bounded. Slow: the
npm packages; Ethereum's methods have large result schemas, drawn when the mock starts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from helpers.openrpc_tools import EXAMPLE_NAMES, example_document
from test_mock_under_fuzz import SEEDS, fuzz, passes_on_three_seeds

from conformance.mock.app import MockApp
from conformance.openrpc.document import load
from conformance.server.httpd import serve_in_thread

ETHEREUM = (
    Path(__file__).resolve().parents[1] / "openrpc" / "documents" / "ethereum" / "openrpc.json"
)

#: Every fourth method of the Ethereum document, in its order (21 of 86).
ETHEREUM_EVERY = 4


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_each_openrpc_example_passes_on_three_seeds(name: str) -> None:
    passes_on_three_seeds(example_document(name), example_document(name))


@pytest.mark.slow
def test_the_ethereum_document_passes_on_three_seeds_on_a_quarter_of_its_methods() -> None:
    methods = [m["name"] for m in json.loads(ETHEREUM.read_text())["methods"]][::ETHEREUM_EVERY]
    options = ["--max-examples", "5"]
    for name in methods:
        options += ["--method", name]
    document = load(ETHEREUM)
    # one mock of those methods alone: drawing results for all 86 would take most of the time
    chosen = tuple(method for method in document.methods if method.name in methods)
    app = MockApp(dataclasses.replace(document, methods=chosen), 0)
    with serve_in_thread(app) as url:
        for seed in SEEDS:
            code, report = fuzz(url, ETHEREUM, seed, *options)
            assert code == 0, report[-3000:]
