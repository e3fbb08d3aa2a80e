"""Servers with defects planted on given members, for the tests of what reports show and what a
baseline lets through: the reference server, but refusing some valid values of a member with
-32602 naming that member (as a too strict check does)."""

from __future__ import annotations

from typing import Any

from conformance.server import CreateSitesApp, RpcError


def refuse(field: str, value: Any) -> RpcError:
    """The error a too strict check answers: -32602 naming ``field``."""
    return RpcError("invalid_parameter_value", f"{field} is refused", field=field, value=value)


class UpperCaseDomainsRefused(CreateSitesApp):
    """A domain name with an upper-case letter refused (host names are case-insensitive): the
    valid family meets it on every seed and budget, the boundary family too."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        params = super().validate_params(params, role)
        domain = params["domain_name"]
        if domain != domain.lower():
            raise refuse("domain_name", domain)
        return params


class AndPhonesFrom1To6Refused(UpperCaseDomainsRefused):
    """Also phone numbers that start with 1 to 6 refused: a second defect, on another member,
    that only the valid family meets (every deterministic case sends a number starting 7)."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        params = super().validate_params(params, role)
        phone = params.get("default_phone_number", "")
        if phone[:1] in "123456":
            raise refuse("default_phone_number", phone)
        return params


class ThreeMembersRefused(CreateSitesApp):
    """Three defects of the one rule expected-outcome on three members, each in the boundary
    family: a domain name with upper-case letters (many cases), non-ASCII link text (four
    cases), and second_communication_period 365 (one case, the last of the three found)."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        params = super().validate_params(params, role)
        domain = params["domain_name"]
        if domain != domain.lower() or not domain.isascii():
            raise refuse("domain_name", domain)
        link = params.get("widget_link")
        text = link.get("text", "") if isinstance(link, dict) else ""
        if not text.isascii():
            raise refuse("widget_link.text", text)
        if params.get("second_communication_period") == 365:
            raise refuse("second_communication_period", 365)
        return params
