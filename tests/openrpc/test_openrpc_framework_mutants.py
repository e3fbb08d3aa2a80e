"""Every mutant of the openrpc-framework order service is caught from its ``rpc.discover``
document, by the rule its entry names, on a failure the honest service does not show; the score
is printed at the end of the session (tests/mutants/score.py)."""

from __future__ import annotations

import pytest
from mutants.score import OTHER_KEY
from openrpc_framework_mutants import MUTANTS
from openrpc_framework_server import honest_document, serve_orders

from conformance.engine.settings import Settings
from conformance.openrpc.contract import run_document
from conformance.openrpc.document import parse

SEED = 20240601
DOCUMENT = parse(honest_document(), "rpc.discover")
TITLE = "openrpc-framework server (tests/openrpc)"


def test_there_are_at_least_ten_mutants_over_every_method() -> None:
    assert len(MUTANTS) >= 10
    methods = {m.method for m in MUTANTS.values()}
    assert {"order.create", "order.find", "geometry.scale", "stats.summary"} <= methods


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MUTANTS))
def test_each_mutant_is_caught_from_the_discovered_document(
    name: str, request: pytest.FixtureRequest
) -> None:
    chosen = Settings(token="t", max_examples=50, seed=SEED, timeout=2.0)
    caught = False
    try:
        with serve_orders(name) as url:
            report = run_document(url, DOCUMENT, settings=chosen)
        rules = {f.rule for f in report.failures}
        caught = MUTANTS[name].rule in rules
    finally:
        outcome = {"title": TITLE, "name": name, "caught": caught, "registered": list(MUTANTS)}
        request.node.user_properties.append((OTHER_KEY, outcome))
    assert caught, f"{name}: {MUTANTS[name].defect}; rules broken: {sorted(rules)}"
    failing = {t.split("::")[0] for t in list(dict.fromkeys(f.test_id for f in report.failures))}
    assert MUTANTS[name].method in failing or MUTANTS[name].method == "(adapter)"
