"""One false alarm must not hide a defect: failures of the valid family are keyed by rule and
member, and a member that fails on most draws is pinned so that the others still get drawn."""

from __future__ import annotations

from typing import Any

import pytest
from mutants import serve

from conformance.create_sites import run
from conformance.engine.settings import Settings
from conformance.server import CreateSitesApp, RpcError


def _refuse(field: str, value: Any) -> RpcError:
    return RpcError("invalid_parameter_value", f"{field} is refused", field=field, value=value)


class _TwoDefects(CreateSitesApp):
    """A domain check too strict (ASCII lower case only), and one defect of another member."""

    def other_defect(self, params: dict[str, Any]) -> None:
        raise NotImplementedError

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        params = super().validate_params(params, role)
        domain = params["domain_name"]
        if not (domain.isascii() and domain == domain.lower()):
            raise _refuse("domain_name", domain)
        self.other_defect(params)
        return params


class _RefusesNoBreakSpace(_TwoDefects):
    def other_defect(self, params: dict[str, Any]) -> None:
        shown = params.get("show_visitor_id")
        element = shown.get("element_id_value", "") if isinstance(shown, dict) else ""
        if "\u00a0" in element:
            raise _refuse("show_visitor_id.element_id_value", element)


class _RefusesNonAsciiLinkText(_TwoDefects):
    def other_defect(self, params: dict[str, Any]) -> None:
        link = params.get("widget_link")
        text = link.get("text", "") if isinstance(link, dict) else ""
        if not text.isascii():
            raise _refuse("widget_link.text", text)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_a_default_run_reports_both_defects(seed: int) -> None:
    """The issue's server: a domain check too strict and an element_id_value check that refuses
    U+00A0, both reported by one default run."""
    with serve(_RefusesNoBreakSpace) as (url, token):
        report = run(url, settings=Settings(token=token, seed=seed))
    labels = {failure.label for failure in report.failures}
    assert "show_visitor_id.element_id_value:pattern" in labels, labels
    assert any(label.startswith("domain_name:") for label in labels), labels


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_the_valid_family_alone_reports_both_defects(seed: int) -> None:
    """Only hypothesis's draws, where the too strict domain check fails most requests: the
    link-text defect is still found and shrunk, under its own key."""
    with serve(_RefusesNonAsciiLinkText) as (url, token):
        report = run(url, settings=Settings(token=token, seed=seed, families=("valid",)))
    keys = set(report.valid_failures)
    assert "expected-outcome at domain_name" in keys, report.valid_failures
    assert "expected-outcome at widget_link.text" in keys, report.valid_failures
    shrunk = {
        str(failure.request["params"].get("widget_link", {}).get("text"))
        for failure in report.failures
    }
    # shrunk to a minimal text: one character beyond ASCII
    assert any(len(text) == 1 and not text.isascii() for text in shrunk), shrunk


class _RefusesNonAsciiLinkTextThenUpperCaseDomains(CreateSitesApp):
    """A defect of widget_link.text (non-ASCII refused, the field named), then a false alarm
    that names no field: domain names with upper case refused. The false alarm's key has no
    member to pin, so only distinct failure keys keep the defect from being shrunk away."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        params = super().validate_params(params, role)
        link = params.get("widget_link")
        text = link.get("text", "") if isinstance(link, dict) else ""
        if not text.isascii():
            raise _refuse("widget_link.text", text)
        domain = params["domain_name"]
        if not (domain.isascii() and domain == domain.lower()):
            raise RpcError("invalid_parameter_value", "refused")
        return params


@pytest.mark.slow
def test_a_false_alarm_naming_no_member_does_not_hide_a_members_defect() -> None:
    """Where hypothesis drew both failures in one round, both are reported: each key is its own
    failure to hypothesis, shrunk on its own; one failure type for all would shrink them into
    the simpler one (the false alarm), which has no member to pin for another round.

    The branch this must reach: a seed whose draws hit both keys; it fails if none did."""
    reached = []
    for seed in range(4):
        with serve(_RefusesNonAsciiLinkTextThenUpperCaseDomains) as (url, token):
            report = run(url, settings=Settings(token=token, seed=seed, families=("valid",)))
        keys = set(report.valid_failures)
        if keys != {"expected-outcome", "expected-outcome at widget_link.text"}:
            continue
        reached.append(seed)
        fields = {failure.label for failure in report.failures}
        assert len(report.failures) == 2, (seed, fields)
        texts = [f.request["params"].get("widget_link", {}).get("text") for f in report.failures]
        assert any(isinstance(t, str) and not t.isascii() for t in texts), (seed, texts)
    assert reached, "no seed drew both the false alarm and the link-text defect"
