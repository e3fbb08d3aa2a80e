"""Captured traffic read from files and judged exchange by exchange, as the proxy judges it live
(``conformance validate --traffic``, and each part of the Dask recipe).

Two formats, one entry shape: a HAR 1.2 file (what browsers' developer tools, mitmproxy,
Charles and ``conformance fuzz --record`` / ``proxy --record`` write), and JSON Lines of HAR
entries (a file named ``*.jsonl`` or ``*.ndjson``: one entry, the object ``log.entries`` holds,
a line), the shape a gateway's log is turned into and the one a file too large for one
machine is split by lines in.

Which exchanges are judged: each ``POST`` that got an answer whose body was kept whole. In a
HAR file, where a browser's capture mixes the page's every request with the API's, only the
``POST``\\ s to a JSON-RPC endpoint: a URL (less its query) that some request or reply of the
file names ``"jsonrpc"`` in; every ``POST`` of a JSON Lines file, taken to be an endpoint's own
log. The others are counted, by why, and not judged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from conformance.errors import ArgumentError, PayloadError
from conformance.traffic.har import HttpExchange, from_entry, read
from conformance.traffic.tally import Judge, Unit, Violation
from conformance.validation.payloads import loads

#: File names read as JSON Lines of HAR entries; any other is one HAR document.
JSON_LINES_SUFFIXES: Final = (".jsonl", ".ndjson")

#: Why an exchange was not judged, as the summary counts it.
NOT_A_POST: Final = "not a POST"
NOT_JSON_RPC: Final = "not to a JSON-RPC endpoint"
NO_ANSWER: Final = "no answer"
PARTIAL: Final = "reply not kept whole"

#: Content encodings the judge undoes itself; HAR keeps any other body decoded already.
_DECODED_BY_JUDGE: Final = frozenset({"", "identity", "gzip", "x-gzip", "deflate"})

OnViolation = Callable[[Violation], None]


def is_json_lines(path: str | Path) -> bool:
    """Whether ``path`` is read as JSON Lines of HAR entries (by its name)."""
    return str(path).lower().endswith(JSON_LINES_SUFFIXES)


def endpoint(url: str) -> str:
    """A request's URL less its query and fragment: the endpoint it was sent to."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"


def json_rpc_endpoints(exchanges: Iterable[HttpExchange]) -> frozenset[str]:
    """The endpoints some ``POST`` of ``exchanges`` sent or got JSON-RPC at (a body that names
    ``"jsonrpc"``)."""
    return frozenset(
        endpoint(exchange.url)
        for exchange in exchanges
        if exchange.method.upper() == "POST"
        and (b'"jsonrpc"' in exchange.request_body or b'"jsonrpc"' in exchange.response_body)
    )


def _reply_headers(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The reply's headers as the judge reads the recorded body: HAR keeps a body decoded
    (HAR 1.2, ``content.text``), so a ``Content-Encoding`` the judge would not undo (``br``,
    ``zstd``) no longer applies to it. gzip and deflate stay: the judge undoes them where the
    tool kept the body as it came, and reads the body as it is where it did not."""
    return tuple(
        (name, value)
        for name, value in headers
        if name.lower() != "content-encoding" or value.strip().lower() in _DECODED_BY_JUDGE
    )


def judge_exchange(
    judge: Judge,
    exchange: HttpExchange,
    position: int,
    source: str,
    unit: Unit,
    endpoints: frozenset[str] | None = None,
) -> list[Violation]:
    """Count ``exchange`` and judge it where it is a JSON-RPC exchange with its whole answer
    (``endpoints``: the only ones judged; ``None``: every ``POST``)."""
    tally = judge.tally
    tally.exchanges += 1
    if exchange.method.upper() != "POST":
        tally.skip(NOT_A_POST)
    elif endpoints is not None and endpoint(exchange.url) not in endpoints:
        tally.skip(NOT_JSON_RPC)
    elif exchange.status is None:
        tally.skip(NO_ANSWER)
    elif exchange.response_partial:
        tally.skip(PARTIAL)
    else:
        return judge.judge(
            position,
            exchange.request_headers,
            exchange.request_body,
            exchange.status,
            _reply_headers(exchange.response_headers),
            exchange.response_body,
            source=source,
            unit=unit,
        )
    return []


def judge_har(judge: Judge, path: str, on_violation: OnViolation | None = None) -> None:
    """Judge every JSON-RPC exchange of the HAR file ``path``; ``ArgumentError`` naming the
    file (and the entry) where it cannot be read, before any is judged."""
    exchanges = read(path)
    endpoints = json_rpc_endpoints(exchanges)
    for index, exchange in enumerate(exchanges):
        for violation in judge_exchange(judge, exchange, index, path, "entry", endpoints):
            if on_violation is not None:
                on_violation(violation)


def entries(
    lines: Iterable[str], source: str, first: int = 1
) -> Iterator[tuple[int, HttpExchange]]:
    """The exchanges of JSON Lines of HAR entries, each with its line number (``first``: the
    first line's); blank lines skipped; ``ArgumentError`` naming the file and the line of one
    that is no entry. ``lines`` are decoded with ``errors="surrogateescape"``."""
    for number, line in enumerate(lines, first):
        if not line.strip():
            continue
        try:
            # the lines were decoded with ``surrogateescape``: bytes that are not UTF-8 are
            # lone surrogates here, told apart from JSON's escaped ones (which are ASCII)
            line.encode("utf-8")
        except UnicodeEncodeError:
            raise ArgumentError(f"{source} line {number}: not UTF-8") from None
        try:
            # a byte order mark (Windows tools write one) begins the file, whichever part of
            # it a line is read in: taken off any line
            entry = loads(line.removeprefix("\ufeff"))
        except PayloadError as error:
            raise ArgumentError(f"{source} line {number}: not JSON: {error}") from None
        try:
            yield number, from_entry(entry)
        except ArgumentError as error:
            raise ArgumentError(f"{source} line {number}: {error}") from None


def judge_lines(
    judge: Judge,
    lines: Iterable[str],
    source: str,
    first: int = 1,
    on_violation: OnViolation | None = None,
) -> None:
    """Judge every ``POST`` of JSON Lines of HAR entries (``first``: the first line's number)."""
    for number, exchange in entries(lines, source, first):
        for violation in judge_exchange(judge, exchange, number, source, "line"):
            if on_violation is not None:
                on_violation(violation)


def judge_file(judge: Judge, path: str, on_violation: OnViolation | None = None) -> None:
    """Judge the traffic file ``path``, HAR or JSON Lines by its name; ``ArgumentError`` where
    it cannot be read (the file, and the entry or line, named)."""
    if not is_json_lines(path):
        judge_har(judge, path, on_violation)
        return
    try:
        with Path(path).open(encoding="utf-8-sig", errors="surrogateescape") as handle:
            judge_lines(judge, handle, path, on_violation=on_violation)
    except OSError as error:
        raise ArgumentError(f"cannot read {path}: {error.strerror or error}") from None


__all__ = [
    "JSON_LINES_SUFFIXES",
    "NOT_A_POST",
    "NOT_JSON_RPC",
    "NO_ANSWER",
    "PARTIAL",
    "endpoint",
    "entries",
    "is_json_lines",
    "json_rpc_endpoints",
    "judge_exchange",
    "judge_file",
    "judge_har",
    "judge_lines",
]
