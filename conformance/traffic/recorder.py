"""A run's traffic log: every HTTP exchange the runner has, written to a HAR 1.2 file as it
happens (``Settings.on_sent``), with every secret masked.

The file outlives the run, so it is masked whatever ``--show-secrets`` says: the token is
``***`` where the runner put it (the request body is the one the reports show, by structure),
and where a reply echoes it (``conformance.reporting.redaction.Masker``: a string that is the
token, holds a long one, or is a secret-named member's value); the values of secret headers
(``Authorization``, ``Cookie``, ``Set-Cookie``, ``X-Api-Key`` and other key-, token- or
secret-named ones) are ``***``, or keep only their scheme (``Bearer ***``) where the
credential after it is long enough to be told from chance.
"""

from __future__ import annotations

import http
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from conformance.engine.session import Sent
from conformance.errors import PayloadError
from conformance.reporting.redaction import MASK, Masker, is_secret_header, scrub_bytes
from conformance.traffic.har import HarWriter, HttpExchange
from conformance.validation.masking import MIN_ECHO_LENGTH, secrets_in
from conformance.validation.payloads import loads

#: How the HAR file names the program that wrote it.
CREATOR: Final = "create-sites-conformance"

COMMENT: Final = (
    "written by conformance fuzz: every exchange of the run; the access token and the values "
    "of secret headers are masked as ***"
)


def _reason(status: int | None) -> str:
    if status is None:
        return ""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


class Recorder:
    """Writes each ``Sent`` to the HAR file ``path``, masked; ``close`` ends the file. A file
    that cannot be written stops the recording, not the run: ``error`` says why."""

    def __init__(self, path: str | Path, token: str) -> None:
        from conformance import __version__

        self.path = Path(path)
        self.token = token
        # made while the command holds the secret headers (``masked_headers``)
        self.masker = Masker(token)
        self.writer: HarWriter | None = HarWriter(self.path, CREATOR, __version__, COMMENT)
        self.error: str | None = None
        #: exchanges written
        self.count = 0

    def _header(self, name: str, value: str) -> tuple[str, str]:
        masked = self.masker.text(value)
        if is_secret_header(name) and masked == value:
            masked = MASK
        return name, masked

    def _reply(self, body: bytes) -> bytes:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return scrub_bytes(body, self.token)
        # most replies hold no secret: told from the parsed reply at C speed, where the masker
        # would look at each string literal in Python (two thirds of the recording's cost)
        try:
            if not _holds_secret(loads(text), self.masker.secrets):
                return body
        except PayloadError:
            pass
        return self.masker.reply(text).encode("utf-8")

    def exchange(self, sent: Sent) -> HttpExchange:
        """``sent`` as a masked ``HttpExchange``."""
        answer = sent.answer
        target = _host(sent.url)
        headers = [("Host", target), *sent.headers.items(), ("Content-Length", str(len(sent.body)))]
        body = sent.shown if sent.shown is not None else sent.body
        comment = ""
        if answer.truncated:
            comment = f"the reply is longer than {len(answer.body)} bytes: its beginning only"
        return HttpExchange(
            started=datetime.fromtimestamp(sent.started, UTC),
            elapsed=answer.elapsed,
            method="POST",
            url=sent.url,
            request_headers=tuple(self._header(name, value) for name, value in headers),
            request_body=scrub_bytes(body, self.token),
            # the masked body's length may differ from what went on the wire
            request_size=len(sent.body) if len(sent.body) != len(body) else None,
            status=answer.status,
            response_headers=tuple(self._header(n, v) for n, v in answer.headers.items()),
            response_body=self._reply(answer.body),
            reason=_reason(answer.status),
            error=self.masker.text(answer.error) if answer.error is not None else None,
            comment=comment,
            response_partial=answer.truncated,
        )

    def __call__(self, sent: Sent) -> None:
        if self.writer is None:
            return
        try:
            self.writer.add(self.exchange(sent))
            self.count += 1
        except OSError as error:
            self.error = f"cannot write {self.path}: {error.strerror or error}"
            self.close()

    def close(self) -> None:
        """End the file (whole JSON from then on)."""
        writer, self.writer = self.writer, None
        if writer is not None:
            try:
                writer.close()
            except OSError as error:
                self.error = self.error or f"cannot write {self.path}: {error.strerror or error}"


def _holds_secret(reply: Any, secrets: frozenset[str]) -> bool:
    """Whether ``Masker.reply`` would mask anything in ``reply`` (parsed): a secret-named
    member's value, a string (a member's name too) that is a secret or holds a long one."""
    if secrets_in(reply):
        return True
    strings: list[str] = []
    stack = [reply]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            strings.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            strings.append(node)
    if not secrets.isdisjoint(strings):
        return True
    # one search a secret in all the strings at once; NUL keeps two strings apart
    joined = "\0".join(strings)
    return any(len(secret) >= MIN_ECHO_LENGTH and secret in joined for secret in secrets)


def _host(url: str) -> str:
    """The ``Host`` header a request to ``url`` carries."""
    return urlsplit(url).netloc.rpartition("@")[2]


__all__ = ["COMMENT", "CREATOR", "Recorder"]
