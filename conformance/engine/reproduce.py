"""A request body as parts, so that reports mask the token by structure and print a ``curl``
command that reproduces the case as printed.

The runner knows where it put the access token and the run's unique tag in a body: a
``Template`` keeps the body's JSON text in literal parts, with the token and the tag as parts
of their own. Reports render it with the token as ``***`` (the body differs from the one sent
only there), and ``curl`` renders it for a shell: the token is read from
``$CONFORMANCE_TARGET_TOKEN`` (so the command carries no secret and works as printed) and the
tag's letters are drawn afresh on each replay (so a case that created a site creates a new one
rather than hitting ``duplicate_entity``). The command is for bash (it uses ``${tag:i:n}``).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from conformance.engine.transport import CONTENT_TYPE
from conformance.validation.masking import MASK

#: The environment variable the printed commands read the token from (``conformance fuzz``
#: reads it too).
TOKEN_ENV: Final = "CONFORMANCE_TARGET_TOKEN"

#: The shell variable that holds a replay's fresh tag, and how it is drawn: lower-case
#: letters only, so that no label of the name can become all digits.
TAG_VARIABLE: Final = "tag"
_DRAW_TAG: Final = "$(LC_ALL=C tr -dc a-z </dev/urandom | head -c {length})"


@dataclass(frozen=True)
class Token:
    """Where the access token stands (inside a JSON string, unescaped)."""


@dataclass(frozen=True)
class Tag:
    """Characters ``start`` to ``start + length`` of the run's unique tag."""

    start: int
    length: int


@dataclass(frozen=True)
class Raw:
    """Bytes sent as they are that are no UTF-8 text (a raw lone surrogate's three bytes):
    shown as ``\\xNN`` escapes, replayed by bash's ``$'...'``."""

    data: bytes


Part = str | Token | Tag | Raw


@dataclass(frozen=True)
class Template:
    """A body's JSON text in parts; ``tag`` is the run's tag the ``Tag`` parts were cut from."""

    parts: tuple[Part, ...]
    tag: str = ""

    def render(self, token: str) -> str:
        """The text as sent: ``token`` (JSON-escaped) and the run's tag put back."""
        return self._text(json.dumps(token, ensure_ascii=False)[1:-1])

    def masked(self) -> str:
        """The text as sent, but ``***`` where the token stood."""
        return self._text(MASK)

    def encode(self, token: str) -> bytes:
        """The bytes as sent, with ``token`` (JSON-escaped) where the token stood: exact even
        where a ``Raw`` part is no UTF-8."""
        return b"".join(
            part.data if isinstance(part, Raw) else self._part(part, token).encode("utf-8")
            for part in self.parts
        )

    @property
    def holds_token(self) -> bool:
        """Whether the body carries the token (a part of its own)."""
        return any(isinstance(part, Token) for part in self.parts)

    def spliced(self, splices: Sequence[tuple[str, bytes]]) -> Template:
        """The template with each ``(text, raw)`` of ``splices`` written in place of ``text``
        in its literal parts: raw JSON text (a bare ``NaN``, a lone surrogate's bytes) where
        the payload held a marker (``conformance.generation.cases.Case.splices``)."""
        parts: list[Part] = list(self.parts)
        for text, raw in splices:
            spliced: list[Part] = []
            for part in parts:
                if not isinstance(part, str) or text not in part:
                    spliced.append(part)
                    continue
                pieces = part.split(text)
                for index, piece in enumerate(pieces):
                    if index:
                        spliced += _literal(raw)
                    spliced.append(piece)
            parts = spliced
        return Template(_merged(parts), self.tag)

    def _text(self, token: str) -> str:
        return "".join(self._part(part, token) for part in self.parts)

    def _part(self, part: Part, token: str) -> str:
        if isinstance(part, str):
            return part
        if isinstance(part, Token):
            return token
        if isinstance(part, Raw):
            return part.data.decode("utf-8", "backslashreplace")
        return self.tag[part.start : part.start + part.length]

    @property
    def tag_length(self) -> int:
        return max((p.start + p.length for p in self.parts if isinstance(p, Tag)), default=0)


def _literal(raw: bytes) -> list[Part]:
    """``raw`` as text, with each run of bytes that is no UTF-8 a ``Raw`` part of its own."""
    parts: list[Part] = []
    while raw:
        try:
            parts.append(raw.decode("utf-8"))
            break
        except UnicodeDecodeError as error:
            parts += [raw[: error.start].decode("utf-8"), Raw(raw[error.start : error.end])]
            raw = raw[error.end :]
    return parts


def _merged(parts: Sequence[Part]) -> tuple[Part, ...]:
    """``parts`` with adjacent text joined and empty text dropped."""
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, str):
            if not part:
                continue
            if merged and isinstance(merged[-1], str):
                merged[-1] += part
                continue
        if isinstance(part, Raw) and merged and isinstance(merged[-1], Raw):
            merged[-1] = Raw(merged[-1].data + part.data)
            continue
        merged.append(part)
    return tuple(merged)


def _free_marks(text: str, count: int) -> int:
    """A base code point such that none of ``count`` marks from it occurs in ``text``: drawn
    strings may hold any character, so no fixed mark is safe."""
    base = 0xF0000  # supplementary private use area A
    while any(chr(base + offset) in text for offset in range(count)):
        base += count
    return base


def build(dumped_with_marks: str, base: int, tag: str, tag_count: int) -> Template:
    """Cut ``dumped_with_marks`` (JSON text in which code point ``base`` marks the token and
    ``base + 1 + k`` the tag's character ``k``) into a ``Template``."""
    parts: list[Part] = []
    literal: list[str] = []
    for char in dumped_with_marks:
        offset = ord(char) - base
        if not 0 <= offset <= tag_count:
            literal.append(char)
            continue
        if literal:
            parts.append("".join(literal))
            literal = []
        if offset == 0:
            parts.append(Token())
            continue
        index = offset - 1
        last = parts[-1] if parts else None
        if isinstance(last, Tag) and last.start + last.length == index:
            parts[-1] = Tag(last.start, last.length + 1)
        else:
            parts.append(Tag(index, 1))
    if literal:
        parts.append("".join(literal))
    return Template(tuple(parts), tag)


def marks_for(text: str, tag_count: int) -> int:
    """The base code point of the marks ``build`` reads, free in ``text``."""
    return _free_marks(text, tag_count + 1)


def curl(target: str, body: bytes, shown: Template | None) -> str:
    """A bash command that sends the request again: from ``shown`` where the runner knows the
    body's parts (token from ``$CONFORMANCE_TARGET_TOKEN``, a fresh tag), else ``body``."""
    content_type = shlex.quote(f"Content-Type: {CONTENT_TYPE}")
    head = f"curl -sS -i -X POST {shlex.quote(target)} -H {content_type}"
    if shown is not None:
        data = "".join(_shell_part(part) for part in shown.parts) or "''"
        command = f"{head} --data-binary {data}"
        if shown.tag_length:
            draw = _DRAW_TAG.format(length=shown.tag_length)
            command = f"{TAG_VARIABLE}={draw}; {command}"
        return command
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" not in text:
        return f"{head} --data-binary {shlex.quote(text)}"
    escaped = "".join(
        chr(byte) if 0x20 <= byte < 0x7F and chr(byte) not in "'\\%" else f"\\{byte:03o}"
        for byte in body
    )
    return f"printf '{escaped}' | {head} --data-binary @-"


def _shell_part(part: Part) -> str:
    if isinstance(part, Token):
        return f'"${TOKEN_ENV}"'
    if isinstance(part, Tag):
        return f'"${{{TAG_VARIABLE}:{part.start}:{part.length}}}"'
    if isinstance(part, Raw):
        return "$'" + "".join(f"\\x{byte:02x}" for byte in part.data) + "'"
    return shlex.quote(part)


__all__ = ["TOKEN_ENV", "Raw", "Tag", "Template", "Token", "build", "curl", "marks_for"]
