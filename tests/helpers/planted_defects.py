"""Servers with defects planted on given members, for the tests of what reports show and what a
baseline lets through: the reference server, but refusing some valid values of a member with
-32602 naming that member (as a too strict check does); and servers that keep some of the other
revision's contract past their first valid answer, for the revision hints."""

from __future__ import annotations

import threading
from typing import Any

from conformance.server import CreateSitesApp, RpcError
from conformance.server.rpc import RequestId


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


class SeedIndustriesRefused(CreateSitesApp):
    """A seed server that refuses industry_id 20 and 21, as the current page's 19 industries
    do: a defect under the seed revision its first valid request (industry 1) never meets, so
    a seed run gets its failures, each with the hint that the current revision refuses it."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        params = super().validate_params(params, role)
        if params.get("industry_id") in (20, 21):
            raise refuse("industry_id", params["industry_id"])
        return params


class HalfMigrated(CreateSitesApp):
    """A current server half way from the seed: a site without a `name` gets the seed's
    success shape (``result.id`` and ``success``: the old code path). Its first valid
    request (with a name) is answered right, so a current run gets its failures, each with
    the hint that the reply keeps the seed revision's contract. Serve it with
    ``revision="current"``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._nameless: set[int] = set()
        self._lock = threading.Lock()

    def create(self, params: dict[str, Any], owner: int) -> int:
        site_id = super().create(params, owner)
        if "name" not in params:
            with self._lock:
                self._nameless.add(site_id)
        return site_id

    def success(self, request_id: RequestId, site_id: int) -> dict[str, Any]:
        reply = super().success(request_id, site_id)
        with self._lock:
            nameless = site_id in self._nameless
        if nameless:
            reply["result"] = {"id": site_id, "success": True}
        return reply
