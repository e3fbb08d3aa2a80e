"""The proxy's log (``conformance proxy --record FILE``): every exchange it forwarded, written
to a HAR 1.2 file as it is judged (``conformance.traffic.har``), the one format
``conformance validate --traffic`` reads, as it reads what browsers and ``fuzz --record`` write.

The file outlives the session, so it is masked whatever ``--show-secrets`` says: the values
of secret headers (``Authorization``, ``Cookie``, key- or token-named ones) are ``***`` (an
auth scheme kept: ``Bearer ***``); in both bodies, each string that is a secret the request
carries (a secret-named member's value, a document's ``x-secret`` param, ``--token``, a secret
header's credential) is ``"***"``, and a secret long enough to be told from chance
(``MIN_ECHO_LENGTH``) is ``***`` wherever it shows. A masked value stays a JSON string, so
the log judged later gives the verdicts the live session gave, but for a schema that refuses
``"***"`` itself as the secret's value.
"""

from __future__ import annotations

import http
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from conformance.errors import PayloadError
from conformance.proxy.server import Observed, Upstream
from conformance.reporting.redaction import header_secrets, is_secret_header
from conformance.traffic.contracts import TrafficContract
from conformance.traffic.har import HarWriter, HttpExchange
from conformance.validation.masking import MASK, MIN_ECHO_LENGTH, secrets_in
from conformance.validation.payloads import loads

CREATOR: Final = "create-sites-conformance proxy"

COMMENT: Final = (
    "written by conformance proxy --record: every exchange forwarded; secret header values "
    "and the secrets the requests carry are masked as ***"
)


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _forms(secret: str) -> list[bytes]:
    """The ways ``secret`` is written in a JSON body: as is, and escaped either way."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    return [form.encode("utf-8", "surrogatepass") for form in sorted(forms, key=len, reverse=True)]


def masked(body: bytes, secrets: frozenset[str]) -> bytes:
    """``body`` with each JSON string that is one of ``secrets`` written ``"***"``, and a long
    secret masked wherever it shows."""
    for secret in sorted(secrets, key=len, reverse=True):
        for form in _forms(secret):
            body = body.replace(b'"' + form + b'"', b'"' + MASK.encode() + b'"')
            if len(secret) >= MIN_ECHO_LENGTH:
                body = body.replace(form, MASK.encode())
    return body


class HarLog:
    """Writes each exchange the proxy forwards to the HAR file ``path``, masked."""

    def __init__(
        self, path: str | Path, upstream: Upstream, contract: TrafficContract, token: str | None
    ) -> None:
        from conformance import __version__

        self.upstream = upstream
        self.contract = contract
        self.token = token
        self.writer = HarWriter(path, CREATOR, __version__, COMMENT)

    def _secrets(self, observed: Observed) -> frozenset[str]:
        secrets = set(header_secrets(observed.request_headers))
        if self.token:
            secrets.add(self.token)
        try:
            request = loads(observed.request_body)
        except PayloadError:
            return frozenset(secrets)
        secrets |= secrets_in(request)
        for one in request if isinstance(request, list) else [request]:
            if isinstance(one, dict):
                secrets |= self.contract.secrets(one)
        return frozenset(secrets)

    def _header(self, name: str, value: str, secrets: frozenset[str]) -> tuple[str, str]:
        if is_secret_header(name):
            scheme, _, credential = value.strip().partition(" ")
            keep = credential.strip() and scheme.isalpha()
            return name, f"{scheme} {MASK}" if keep else MASK
        return name, masked(value.encode("utf-8", "surrogatepass"), secrets).decode(
            "utf-8", "surrogatepass"
        )

    def add(self, observed: Observed, started: datetime) -> None:
        """Write ``observed`` (forwarded at ``started``)."""
        secrets = self._secrets(observed)
        upstream = self.upstream
        path = upstream.prefix + observed.path if observed.path.startswith("/") else observed.path
        request_body = masked(observed.request_body, secrets)
        self.writer.add(
            HttpExchange(
                started=started - timedelta(seconds=observed.elapsed),
                elapsed=observed.elapsed,
                method=observed.method,
                url=f"{upstream.scheme}://{upstream.netloc}{path}",
                request_headers=tuple(
                    self._header(n, v, secrets) for n, v in observed.request_headers
                ),
                request_body=request_body,
                request_size=(
                    len(observed.request_body)
                    if len(request_body) != len(observed.request_body)
                    else None
                ),
                status=observed.status,
                response_headers=tuple(
                    self._header(n, v, secrets) for n, v in observed.reply_headers
                ),
                response_body=masked(observed.reply_body, secrets),
                reason=_reason(observed.status),
            )
        )

    def close(self) -> None:
        self.writer.close()


__all__ = ["COMMENT", "CREATOR", "HarLog", "masked"]
