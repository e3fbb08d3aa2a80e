"""A server written with the Python ``openrpc`` framework, checked from its own ``rpc.discover``
document: it conforms over five seeds; the framework alone, without the team's guard, shows the
deviations from JSON-RPC 2.0 the README lists."""

from __future__ import annotations

import io
import json

import pytest
from helpers.openrpc_tools import meta_validator
from openrpc_framework_server import honest_document, serve_orders

from conformance.cli import Streams, main
from conformance.engine.settings import Settings
from conformance.openrpc.contract import run_document
from conformance.openrpc.document import parse

#: the mutants run at the first: a failure there is one the honest service does not show
SEEDS = (20240601, 1, 2, 3, 4)


def test_the_framework_document_is_valid_openrpc_and_has_every_shape() -> None:
    document = honest_document()
    assert not list(meta_validator().iter_errors(document))
    methods = {m["name"]: m for m in document["methods"]}
    assert list(methods) == ["order.create", "order.find", "geometry.scale", "stats.summary"]
    assert methods["order.create"]["paramStructure"] == "by-name"
    assert methods["geometry.scale"]["paramStructure"] == "by-position"
    priority = methods["order.create"]["params"][2]
    assert priority["required"] is False and priority["schema"]["enum"] == ["low", "normal", "high"]
    assert {"type": "null"} in methods["order.find"]["result"]["schema"]["anyOf"]
    line = document["components"]["schemas"]["Line"]
    assert (
        line["additionalProperties"] is False and line["properties"]["quantity"]["maximum"] == 100
    )


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_framework_server_conforms_from_its_discovered_document(seed: int) -> None:
    out, err = io.StringIO(), io.StringIO()
    with serve_orders() as url:
        argv = ["fuzz", url, "--discover", "--seed", str(seed), "--max-examples", "50"]
        argv += ["--output", "json"]
        code = main(argv, Streams(io.BytesIO(), out, err))
    assert code == 0, out.getvalue()[-3000:] + err.getvalue()
    report = json.loads(out.getvalue())
    assert "order.create" in json.dumps(report) and "stats.summary" in json.dumps(report)


#: What the kit finds in ``openrpc`` 11.1.1 (with jsonrpc-objects 4.3.2) when the team's guard
#: is off: each a deviation of the framework from JSON-RPC 2.0 (README, "A server on the
#: openrpc framework").
FRAMEWORK_DEVIATIONS = {
    ("test_protocol[jsonrpc-wrong]", "expected-outcome"),  # "jsonrpc": "1.0" served
    ("test_protocol[jsonrpc-missing]", "expected-outcome"),  # no "jsonrpc" served
    ("test_protocol[id-float]", "expected-outcome"),  # -32603: building the error fails
    ("test_protocol[id-array]", "expected-outcome"),
    ("test_protocol[id-object]", "expected-outcome"),
    ("test_protocol[id-boolean]", "expected-outcome"),  # true taken as the id 1 and served
    ("test_protocol[id-boolean]", "reply-id"),
    ("test_protocol[params-missing]", "expected-outcome"),  # -32000: the call's TypeError
    ("test_invalid_rejected[order_id:required]", "expected-outcome"),  # {} is "no params"
    ("test_protocol[batch-empty]", "reply-shape"),  # [] answered [], not one -32600 error
    # json.loads reads NaN and Infinity: -32600 for such an id, a params error (id echoed)
    # for such a param, where JSON-RPC 2.0 wants -32700; 1e400 read as inf, and -32603:
    # building the error's id fails
    ("test_robust[id:non-finite]", "expected-outcome"),
    ("test_robust[order_id:non-finite]", "expected-outcome"),
    ("test_robust[order_id:non-finite]", "reply-id"),
    ("test_robust[id:big-integer]", "expected-outcome"),
}


@pytest.mark.slow
def test_without_the_guard_the_kit_finds_the_framework_deviations() -> None:
    document = parse(honest_document(), "rpc.discover")
    chosen = Settings(token="t", max_examples=0, seed=1)
    with serve_orders(guarded=False) as url:
        report = run_document(url, document, settings=chosen)
    found = {(failure.test_id.partition("::")[2], failure.rule) for failure in report.failures}
    assert found == FRAMEWORK_DEVIATIONS
