"""``conformance.create_sites.session``: the public way to send the bundled contract's cases one
at a time (``exchange`` then ``evaluate``), for tools that drive their own loop. What it judges
must be what ``conformance fuzz`` judges of the same case."""

from __future__ import annotations

import json

import pytest
from helpers.planted_defects import SeedIndustriesRefused
from mutants import serve

from conformance import contract, create_sites
from conformance.create_sites import plan
from conformance.engine.settings import TOKEN_PLACEHOLDER, Settings
from conformance.validation.validator import validator_for

TOKEN = "a-token-of-16-chars"


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_failure_the_other_revision_explains_carries_the_hint() -> None:
    """A seed server refusing industry 20 as the current page does: the failure of the case
    that sends it says, as a run's would, that the request breaks the current revision's
    contract (bug: a session built without the run's state judged with no hint)."""
    with serve(SeedIndustriesRefused) as (url, token):
        settings = Settings(token=token, max_examples=0)
        session = create_sites.session(url, settings)
        # as if the first valid request had been answered: this is about a later one
        session.proof.target = session.proof.token = True
        cases = [
            case
            for case in plan(settings)
            if case.expect.outcome == "success"
            and isinstance(case.payload, dict)
            and case.payload.get("params", {}).get("industry_id") == 20
        ]
        assert cases, "the plan sends industry_id 20 in a case that must succeed"
        failures = session.evaluate(session.exchange(cases[0]))
        session.client.close()
    assert [f.rule for f in failures] == ["expected-outcome"], failures
    assert failures[0].hint.startswith(
        "the request breaks the 'current' revision's contract at `params.industry_id`"
    ), failures[0].hint


@pytest.mark.parametrize("revision", contract.REVISIONS)
def test_no_request_that_must_fail_keeps_the_other_revision_s_contract(revision: str) -> None:
    """No request a run expects refused for what it sends is one the other revision accepts
    (each breaks the other page too: the seed's industry 22 is past the current page's 19),
    so an accepted one never gets the hint "keeps the other revision's contract", and
    tools/mutation/equivalent.toml marks that hint's mutant equivalent on this: a revision
    that changes it must test the hint."""
    other = next(r for r in contract.REVISIONS if r != revision)
    here = validator_for("request", "customer", revision=revision)
    there = validator_for("request", "customer", revision=other)
    for case in plan(Settings(token=TOKEN, revision=revision)):
        if case.expect.outcome == "error" and isinstance(case.payload, dict):
            sent = json.loads(json.dumps(case.payload).replace(TOKEN_PLACEHOLDER, TOKEN))
            assert here.is_valid(sent) or not there.is_valid(sent), case.name
