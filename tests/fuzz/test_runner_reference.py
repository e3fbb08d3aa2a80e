"""The runner against the reference server (no failure) and against a few broken variants of it
(each caught, under the rule that names its defect)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from helpers.targets import AGENT_TOKEN, CUSTOMER_TOKEN, served

from conformance.create_sites import run
from conformance.engine.results import Report
from conformance.engine.settings import Settings
from conformance.engine.setup import Unreachable
from conformance.generation.cases import FAMILIES
from conformance.server import CreateSitesApp, RpcError

CUSTOMER = Settings(token=CUSTOMER_TOKEN, max_examples=30)
AGENT = Settings(token=AGENT_TOKEN, role="agent", user_id=101, scenario_id=7, max_examples=30)


def _summary(report: Report) -> list[str]:
    return [f"{f.rule} {f.test_id}: {f.message}" for f in report.failures[:10]]


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@pytest.mark.parametrize("chosen", [CUSTOMER, AGENT], ids=["customer", "agent"])
def test_the_reference_server_conforms(reference_url: str, chosen: Settings) -> None:
    """Every family, every check: the reference server breaks no rule."""
    report = run(reference_url, settings=chosen)
    assert report.conforms, _summary(report)
    assert set(report.families) == set(FAMILIES)
    assert report.rules["expected-outcome"].cases == report.cases_sent


def test_an_unreachable_target_is_said_at_once() -> None:
    """A port nothing listens on raises Unreachable before any case is sent, and quickly."""
    with served() as url:
        pass  # the server is stopped: its port is free again
    started = time.perf_counter()
    with pytest.raises(Unreachable, match="unreachable"):
        run(url, settings=CUSTOMER)
    assert time.perf_counter() - started < 2


class StringSiteId(CreateSitesApp):
    """Answers with the site id as a string."""

    def success(self, request_id: Any, site_id: int) -> dict[str, Any]:
        reply = super().success(request_id, site_id)
        reply["result"]["id"] = str(site_id)
        return reply


class NoLengthCheck(CreateSitesApp):
    """Forgets maxLength on widget_link.text."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        link = params.get("widget_link")
        if isinstance(link, dict) and isinstance(link.get("text"), str) and link["text"]:
            params = {**params, "widget_link": {**link, "text": link["text"][:100]}}
        return super().validate_params(params, role)


class IdNotEchoed(CreateSitesApp):
    """Answers every error with id null."""

    def error(self, request_id: Any, error: RpcError) -> dict[str, Any]:
        return super().error(None, error)


class SameSiteId(CreateSitesApp):
    """Gives every site the id 1."""

    def success(self, request_id: Any, site_id: int) -> dict[str, Any]:
        return super().success(request_id, 1)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@pytest.mark.parametrize(
    ("mutant", "rule", "label"),
    [
        (StringSiteId, "reply-schema", None),
        (NoLengthCheck, "expected-outcome", "widget_link.text:maxLength"),
        (IdNotEchoed, "reply-id", None),
        (SameSiteId, "distinct-result-ids", None),
    ],
)
def test_a_broken_server_is_caught(
    mutant: type[CreateSitesApp], rule: str, label: str | None
) -> None:
    """A server with one defect fails the run, under the rule (and label) of that defect."""
    with served(mutant) as url:
        report = run(url, settings=CUSTOMER)
    assert not report.conforms
    assert rule in {f.rule for f in report.failures}
    if label is not None:
        assert label in {f.label for f in report.failures if f.rule == rule}


def test_check_token_is_deprecated_and_still_probes() -> None:
    """0.1.0's name still works, and says which name to use instead."""
    from conformance.create_sites import check_token
    from conformance.engine.setup import SetupFailed

    with (
        pytest.warns(DeprecationWarning, match="create_sites.probe"),
        pytest.raises(SetupFailed),
    ):
        check_token("http://127.0.0.1:9/", Settings(token="t", timeout=0.5))
