"""Read payloads from bytes: one JSON document, or JSON Lines, strictly.

Strict means what a validator of wire payloads needs and ``json.loads`` does not give by
default: UTF-8 only (no silent replacement; ``json.loads`` of bytes lets a lone surrogate's
raw bytes through), no NaN or Infinity (RFC 8259 section 6 has no such numbers; a reply that
carries one is no JSON), no duplicate-free guessing of huge numbers, and errors that say
where (line and column) instead of raising whatever the parser raised.

What JSON's grammar takes is read, whatever a later check makes of it: an escaped lone
surrogate (``"\\ud800"``, a str holding it: RFC 8259 section 8.2 leaves it to the reader, and
a server that quotes the request's value sends one), ``1e400`` (``inf``), a duplicate key
(the last wins).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from conformance.errors import PayloadError

#: Deeper payloads are refused before they reach the parser's or the engine's recursion.
MAX_DEPTH: Final = 200


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def decode(data: bytes) -> str:
    """``data`` as UTF-8 text (a leading byte-order mark is dropped), or ``PayloadError``."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        text = data[: error.start].decode("utf-8", "replace")
        line, column = _position(text, len(text))
        raise PayloadError(
            f"not UTF-8: byte 0x{data[error.start]:02x} at offset {error.start} cannot be decoded",
            line=line,
            column=column,
        ) from None


#: A JSON string (skipped whole, at C speed) or a bracket.
_STRUCTURE: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _depth_exceeds(text: str, limit: int) -> int | None:
    """The index where nesting first passes ``limit``, else ``None``.

    Written by hand because ``json`` has no depth limit of its own: past about a thousand
    levels it raises RecursionError, and a deep payload could reach the engine's recursion too.
    Strings are matched whole by a regular expression, so brackets inside them do not count
    and a 10 MB string costs milliseconds.
    """
    depth = 0
    for match in _STRUCTURE.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                return match.start()
        elif token in ("]", "}"):
            depth -= 1
    return None


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """One JSON payload from ``data``, or ``PayloadError`` saying what is wrong and where."""
    text = decode(data) if isinstance(data, bytes | bytearray) else data
    if "[" in text or "{" in text:
        deep = (
            _depth_exceeds(text, max_depth)
            if text.count("[") + text.count("{") > max_depth
            else None
        )
        if deep is not None:
            line, column = _position(text, deep)
            raise PayloadError(f"nested deeper than {max_depth} levels", line=line, column=column)
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise PayloadError(
            f"not JSON: {error.msg}", line=error.lineno, column=error.colno
        ) from None
    except (ValueError, RecursionError) as error:
        # int() refuses more than 4300 digits; parse_constant refuses NaN and Infinity.
        raise PayloadError(f"not acceptable JSON: {error}") from None


@dataclass(frozen=True)
class Document:
    """One payload read from a source, with where it came from (``line`` for JSON Lines)."""

    source: str
    line: int | None
    payload: Any = None
    error: PayloadError | None = None


#: File name endings that mean JSON Lines whatever the lines hold.
JSON_LINES_SUFFIXES: Final = (".jsonl", ".ndjson")


def _is_json_container(raw: bytes) -> bool:
    """Whether ``raw`` is one whole JSON object or array: what a line of a capture holds. A
    cheap look at its ends first: most lines of a pretty-printed document are neither."""
    stripped = raw.strip()
    if not (stripped[:1] in (b"{", b"[") and stripped[-1:] in (b"}", b"]")):
        return False
    try:
        loads(stripped)
    except PayloadError:
        return False
    return True


def iter_documents(source: str, lines: Iterable[bytes]) -> Iterator[Document]:
    """The payloads of a file given as its lines: a single JSON document, or JSON Lines.

    JSON Lines is decided by the file, not by its first line alone: a name ending in
    ``.jsonl`` or ``.ndjson``, a first non-blank line that is a whole JSON value, or (a capture
    whose first line was cut) two lines that are each a whole JSON object or array. JSON Lines
    are read one line at a time, so that a capture of any size streams in constant memory, and
    a broken line is reported with its number while the rest are checked; otherwise the whole
    file is one document.
    """
    iterator = iter(lines)
    head: list[bytes] = []
    for raw in iterator:
        head.append(raw)
        if raw.strip():
            break
    first = head[-1] if head else b""
    json_lines = source.lower().endswith(JSON_LINES_SUFFIXES)
    if not json_lines:
        try:
            loads(first)
            json_lines = True
        except PayloadError:
            json_lines = False
    if not json_lines and first.strip():
        # look further, keeping what is read: two whole lines make it a capture
        whole = 0
        for raw in iterator:
            head.append(raw)
            whole += _is_json_container(raw)
            if whole == 2:
                json_lines = True
                break
    if not json_lines:
        data = b"".join(head) + b"".join(iterator)
        try:
            yield Document(source, None, loads(data))
        except PayloadError as error:
            yield Document(source, None, error=error)
        return
    for number, raw in enumerate(itertools.chain(head, iterator), start=1):
        if not raw.strip():
            continue
        try:
            yield Document(source, number, loads(raw))
        except PayloadError as error:
            # the parser counted from the start of this line; count from the file's start
            located = PayloadError(error.reason, line=number, column=error.column)
            yield Document(source, number, error=located)
