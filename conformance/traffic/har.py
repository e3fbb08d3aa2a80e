"""HTTP exchanges written to and read from HAR 1.2 files (the HTTP Archive format of browsers'
developer tools, mitmproxy, Charles, Fiddler).

No library does both sides for Python: ``haralyzer`` reads HAR but writes none, and none keeps
bodies that are not UTF-8 both ways; the format is one JSON document, so this module writes
and reads it with ``json`` alone (and imports nothing of the kit but its errors: a
``validate`` that reads traffic pulls in nothing of the fuzzer).

Bodies are kept byte for byte:

- a response body that is UTF-8 is ``content.text``; one that is not is base64 in
  ``content.text`` with ``content.encoding: "base64"`` (HAR 1.2's own field);
- a request body that is UTF-8 is ``postData.text``; HAR 1.2 gives ``postData`` no
  ``encoding``, so one that is not UTF-8 is written, by the kit's choice, as base64 in
  ``postData.text`` with the custom field ``postData._encoding: "base64"`` (HAR 1.2 lets
  custom fields start with ``_``) and a ``comment`` saying so. ``read`` takes
  ``_encoding`` and ``encoding`` (which some tools write) alike.

An exchange that got no answer (a timeout, a refused connection) has ``response.status`` 0
and the reason in ``response._error``, as Chrome's developer tools write it. A response body
kept in part (a reply past the runner's limit) has the custom field ``content._partial: true``;
read back, so has one whose ``content`` has no ``text`` and a ``size`` other than 0 (a tool
that kept no body: ``response_partial``).

``HarWriter`` writes entries as they come (the file is whole once it is closed, and a run
keeps no list of them in memory); ``read`` gives them back as ``HttpExchange``\\ s.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final
from urllib.parse import parse_qsl, urlsplit

from conformance.errors import ArgumentError, PayloadError
from conformance.validation.payloads import loads

HAR_VERSION: Final = "1.2"

#: What a request's or response's body is when the headers name no type.
DEFAULT_MIME_TYPE: Final = "application/json"


@dataclass(frozen=True)
class HttpExchange:
    """One HTTP request and what came back (``status`` ``None``: no answer, ``error`` why)."""

    started: datetime
    #: seconds from the request's start to the end of the answer
    elapsed: float
    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    status: int | None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes = b""
    reason: str = ""
    http_version: str = "HTTP/1.1"
    error: str | None = None
    comment: str = ""
    #: the bytes the request body had on the wire, where ``request_body`` is not them (a
    #: masked token); ``None``: ``len(request_body)``
    request_size: int | None = None
    #: ``response_body`` is not the whole body: its beginning only (a reply past the runner's
    #: limit), or nothing (a browser that kept no content)
    response_partial: bool = False


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def _text(body: bytes) -> tuple[str, bool]:
    """``body`` as text, and whether that is base64 (a body that is not UTF-8)."""
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="milliseconds")


def to_entry(exchange: HttpExchange) -> dict[str, Any]:
    """``exchange`` as one HAR 1.2 entry."""
    milliseconds = round(exchange.elapsed * 1000, 3)
    request_text, request_base64 = _text(exchange.request_body)
    post_data: dict[str, Any] = {
        "mimeType": _header(exchange.request_headers, "content-type") or DEFAULT_MIME_TYPE,
        "text": request_text,
    }
    if request_base64:
        post_data["_encoding"] = "base64"
        post_data["comment"] = "the body is not UTF-8: text is its base64 (_encoding)"
    response_text, response_base64 = _text(exchange.response_body)
    content: dict[str, Any] = {
        "size": len(exchange.response_body),
        "mimeType": _header(exchange.response_headers, "content-type") or "",
        "text": response_text,
    }
    if response_base64:
        content["encoding"] = "base64"
    if exchange.response_partial:
        content["_partial"] = True
    answered = exchange.status is not None
    response: dict[str, Any] = {
        "status": exchange.status if answered else 0,
        "statusText": exchange.reason,
        "httpVersion": exchange.http_version if answered else "",
        "cookies": [],
        "headers": [{"name": name, "value": value} for name, value in exchange.response_headers],
        "content": content,
        "redirectURL": _header(exchange.response_headers, "location") or "",
        "headersSize": -1,
        "bodySize": len(exchange.response_body) if answered else -1,
    }
    if exchange.error is not None:
        response["_error"] = exchange.error
    entry: dict[str, Any] = {
        "startedDateTime": _iso(exchange.started),
        "time": milliseconds,
        "request": {
            "method": exchange.method,
            "url": exchange.url,
            "httpVersion": exchange.http_version,
            "cookies": [],
            "headers": [{"name": name, "value": value} for name, value in exchange.request_headers],
            "queryString": [
                {"name": name, "value": value}
                for name, value in parse_qsl(urlsplit(exchange.url).query, keep_blank_values=True)
            ],
            "postData": post_data,
            "headersSize": -1,
            "bodySize": (
                len(exchange.request_body)
                if exchange.request_size is None
                else exchange.request_size
            ),
        },
        "response": response,
        "cache": {},
        # only the whole time is measured: it is the wait (HAR 1.2 requires send, wait, receive)
        "timings": {"send": 0, "wait": milliseconds, "receive": 0},
    }
    if exchange.comment:
        entry["comment"] = exchange.comment
    return entry


def _log_head(creator: str, version: str, comment: str) -> dict[str, Any]:
    log: dict[str, Any] = {
        "version": HAR_VERSION,
        "creator": {"name": creator, "version": version},
    }
    if comment:
        log["comment"] = comment
    return log


def to_har(
    exchanges: Iterable[HttpExchange], creator: str, version: str, comment: str = ""
) -> dict[str, Any]:
    """A whole HAR 1.2 document of ``exchanges``."""
    return {
        "log": {**_log_head(creator, version, comment), "entries": list(map(to_entry, exchanges))}
    }


class HarWriter:
    """A HAR 1.2 file written entry by entry: ``add`` each exchange, ``close`` to end the
    document (until then the file is not yet whole JSON)."""

    def __init__(self, path: str | Path, creator: str, version: str, comment: str = "") -> None:
        self.path = Path(path)
        self.count = 0
        self._file: IO[str] | None = self.path.open("w", encoding="utf-8")
        head = json.dumps({"log": _log_head(creator, version, comment)}, ensure_ascii=False)
        # the document's head without its closing braces; the entries follow
        self._file.write(head[:-2] + ', "entries": [')

    def add(self, exchange: HttpExchange) -> None:
        if self._file is None:
            raise ArgumentError(f"the HAR file {self.path} is closed")
        separator = "\n" if self.count == 0 else ",\n"
        self._file.write(separator + json.dumps(to_entry(exchange), ensure_ascii=False))
        self.count += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.write("\n]}}\n")
            self._file.close()
            self._file = None

    def __enter__(self) -> HarWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


# --- reading ----------------------------------------------------------------------------------


class _Bad(Exception):
    """A member of an entry that is missing or of the wrong type."""


def _member(node: Any, name: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(node, dict) or name not in node:
        raise _Bad(f"{where}.{name} is missing")
    value = node[name]
    if isinstance(value, bool) or not isinstance(value, kind):  # JSON's true is no number
        raise _Bad(f"{where}.{name} is not {getattr(kind, '__name__', 'of its type')}")
    return value


def _body(text: str, encoding: Any, where: str) -> bytes:
    if encoding in (None, ""):
        return text.encode("utf-8", "surrogatepass")
    if encoding != "base64":
        raise _Bad(f"{where} names the encoding {encoding!r}; only base64 is known")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _Bad(f"{where}.text is not base64") from None


def _headers(node: Any, where: str) -> tuple[tuple[str, str], ...]:
    headers = _member(node, "headers", list, where)
    pairs = []
    for index, header in enumerate(headers):
        at = f"{where}.headers[{index}]"
        pairs.append((_member(header, "name", str, at), _member(header, "value", str, at)))
    return tuple(pairs)


def from_entry(entry: Any, where: str = "entry") -> HttpExchange:
    """The ``HttpExchange`` of one HAR entry; ``ArgumentError`` naming the member that is
    missing or wrong."""
    try:
        return _from_entry(entry, where)
    except _Bad as bad:
        raise ArgumentError(f"not a HAR 1.2 entry: {bad}") from None


def _from_entry(entry: Any, where: str) -> HttpExchange:
    started_text = _member(entry, "startedDateTime", str, where)
    try:
        started = datetime.fromisoformat(started_text.replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(f"{where}.startedDateTime {started_text!r} is no ISO 8601 time") from None
    elapsed = _member(entry, "time", (int, float), where) / 1000
    request = _member(entry, "request", dict, where)
    at = f"{where}.request"
    body = b""
    post = request.get("postData")
    if isinstance(post, dict) and isinstance(post.get("text"), str):
        encoding = post.get("_encoding", post.get("encoding"))
        body = _body(post["text"], encoding, f"{at}.postData")
    response = _member(entry, "response", dict, where)
    rat = f"{where}.response"
    status = _member(response, "status", int, rat)
    content = response.get("content")
    reply = b""
    partial = False
    if isinstance(content, dict) and isinstance(content.get("text"), str):
        reply = _body(content["text"], content.get("encoding"), f"{rat}.content")
        partial = content.get("_partial") is True
    elif status != 0:
        # no text: an empty body where the size says 0 (Chrome writes no text for one); else a
        # body the tool did not keep
        size = content.get("size") if isinstance(content, dict) else None
        partial = size != 0
    error = response.get("_error")
    answered = status != 0
    return HttpExchange(
        started=started,
        elapsed=elapsed,
        method=_member(request, "method", str, at),
        url=_member(request, "url", str, at),
        request_headers=_headers(request, at),
        request_body=body,
        request_size=(
            request["bodySize"]
            if isinstance(request.get("bodySize"), int)
            and request["bodySize"] != len(body)
            and request["bodySize"] >= 0
            else None
        ),
        status=status if answered else None,
        response_headers=_headers(response, rat),
        response_body=reply,
        reason=response.get("statusText", "")
        if isinstance(response.get("statusText"), str)
        else "",
        http_version=request.get("httpVersion", "") or "HTTP/1.1",
        error=error if isinstance(error, str) else None,
        comment=entry.get("comment", "") if isinstance(entry.get("comment"), str) else "",
        response_partial=partial,
    )


def read(path: str | Path) -> list[HttpExchange]:
    """Every exchange of the HAR file ``path``; ``ArgumentError`` naming the file (and the
    entry) where it cannot be read as HAR."""
    try:
        # tools on Windows (Fiddler, Charles) may write a byte order mark before the JSON
        document = loads(Path(path).read_bytes().removeprefix(b"\xef\xbb\xbf"))
    except OSError as error:
        raise ArgumentError(f"cannot read {path}: {error.strerror or error}") from None
    except PayloadError as error:
        raise ArgumentError(f"{path} is not JSON (a HAR file is): {error}") from None
    try:
        log = _member(document, "log", dict, "")
        entries = _member(log, "entries", list, "log")
        return [_from_entry(entry, f"log.entries[{i}]") for i, entry in enumerate(entries)]
    except _Bad as bad:
        raise ArgumentError(f"{path} is not a HAR 1.2 file: {str(bad).lstrip('.')}") from None


__all__ = [
    "HAR_VERSION",
    "HarWriter",
    "HttpExchange",
    "from_entry",
    "read",
    "to_entry",
    "to_har",
]
