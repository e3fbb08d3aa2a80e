"""A request body as parts, so that reports mask the token by structure and print a ``curl``
command that reproduces the case as printed.

The runner knows where it put the access token and the run's unique tag in a body: a
``Template`` keeps the body's JSON text in literal parts, with the token and the tag as parts
of their own. Reports render it with the token as ``***`` (the body differs from the one sent
only there), and ``curl`` renders it for a shell:

- the token is read from ``$CONFORMANCE_TARGET_TOKEN`` as ``${VAR:?...}``: the command carries
  no secret, and bash stops before sending anything where the variable is unset (never an
  empty token sent); the secret headers of the run (``-H 'Authorization: ...'``) likewise, each
  from a variable of its own (``header_variable``). ``setup_line`` is the one line a report
  prints once, before its commands, that sets them (masked: the user puts the values in);
- the tag's letters are drawn afresh on each replay, so that a case that created a site
  creates a new one rather than hitting ``duplicate_entity``; a case that is about a unique
  value already taken (the duplicates family) sends the requests that took it first
  (``before``), with the same fresh tag, so that the replay meets the state the run met.

The command is for bash (it uses ``${tag:i:n}`` and ``${tag^^}``).
"""

from __future__ import annotations

import json
import re
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
#: The tag upper-cased, for a case that sends the unique value in upper case.
UPPER_TAG_VARIABLE: Final = "TAG"

#: The variables the secret headers' values are read from: this prefix and the header's name
#: (``Authorization``: ``CONFORMANCE_HEADER_AUTHORIZATION``).
HEADER_ENV_PREFIX: Final = "CONFORMANCE_HEADER_"

#: A header of a reproduction: its name and value, or ``None`` for a secret value, read from
#: ``header_variable(name)``.
Header = tuple[str, str | None]


@dataclass(frozen=True)
class Token:
    """Where the access token stands (inside a JSON string, unescaped)."""


@dataclass(frozen=True)
class Tag:
    """Characters ``start`` to ``start + length`` of the run's unique tag; ``upper``: sent in
    upper case (a case that sends the unique value in another letter case)."""

    start: int
    length: int
    upper: bool = False


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
        chars = self.tag[part.start : part.start + part.length]
        return chars.upper() if part.upper else chars

    def upper_tags(self) -> Template:
        """The template with its tag sent in upper case."""
        parts = tuple(
            Tag(p.start, p.length, upper=True) if isinstance(p, Tag) else p for p in self.parts
        )
        return Template(parts, self.tag)

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


def header_variable(name: str) -> str:
    """The variable a secret header's value is read from: ``CONFORMANCE_HEADER_X_API_KEY``."""
    return HEADER_ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", name.upper())


def _token_reference() -> str:
    return f'"${{{TOKEN_ENV}:?set {TOKEN_ENV} to the token}}"'


def _header_option(name: str, value: str | None) -> str:
    if value is not None:
        return f"-H {shlex.quote(f'{name}: {value}')}"
    variable = header_variable(name)
    return f'-H {shlex.quote(name + ": ")}"${{{variable}:?set {variable} to the {name} header}}"'


def curl(
    target: str,
    body: bytes,
    shown: Template | None,
    headers: Sequence[Header] = (),
    before: Sequence[Template] = (),
) -> str:
    """A bash command that sends the request again: from ``shown`` where the runner knows the
    body's parts (token from ``$CONFORMANCE_TARGET_TOKEN``, a fresh tag), else ``body``;
    with ``headers`` (a secret one's value from its variable), after the requests ``before``
    (their replies not shown)."""
    named = {name.lower() for name, _ in headers}
    default = f"-H {shlex.quote(f'Content-Type: {CONTENT_TYPE}')}"
    options = [] if "content-type" in named else [default]
    options += [_header_option(name, value) for name, value in headers]
    post = f"-X POST {_url_word(target)} {' '.join(options)}"
    head = f"curl -sS -i {post}"
    if shown is not None:
        sent = [*before, shown]
        commands = [
            f"curl -sS -o /dev/null {post} --data-binary {_data(template)}" for template in before
        ]
        command = " && ".join([*commands, f"{head} --data-binary {_data(shown)}"])
        length = max(template.tag_length for template in sent)
        if length:
            prefix = f"{TAG_VARIABLE}={_DRAW_TAG.format(length=length)}; "
            if any(isinstance(p, Tag) and p.upper for t in sent for p in t.parts):
                prefix += f"{UPPER_TAG_VARIABLE}=${{{TAG_VARIABLE}^^}}; "
            command = prefix + command
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


def _data(template: Template) -> str:
    return "".join(_shell_part(part) for part in template.parts) or "''"


def url_holds_token(target: str) -> bool:
    """Whether the target URL, as a report shows it, had the token masked in it (``***``)."""
    return MASK in target


def _url_word(target: str) -> str:
    """The target URL as one shell word, the token read from its variable where it is masked
    (a key in the URL's path or query string)."""
    if not url_holds_token(target):
        return shlex.quote(target)
    return _token_reference().join(
        shlex.quote(piece) if piece else "" for piece in target.split(MASK)
    )


def uses_token(templates: Sequence[Template | None]) -> bool:
    """Whether a command made from ``templates`` reads ``$CONFORMANCE_TARGET_TOKEN``."""
    return any(t is not None and t.holds_token for t in templates)


def setup_line(values: Sequence[tuple[str, str]]) -> str:
    """The one line that sets the variables the commands read: ``values`` are (variable,
    value as shown: ``***`` where masked)."""
    # always quoted, so that the line is the same whether a value is shown or masked (``***``
    # unquoted would be a glob)
    assignments = " ".join(f"{name}={_single_quoted(value)}" for name, value in values)
    return f"export {assignments}"


def _single_quoted(value: str) -> str:
    """``value`` in single quotes for bash, a quote inside it written ``'\\''``."""
    return "'" + value.replace("'", "'\\''") + "'"


def _shell_part(part: Part) -> str:
    if isinstance(part, Token):
        return _token_reference()
    if isinstance(part, Tag):
        variable = UPPER_TAG_VARIABLE if part.upper else TAG_VARIABLE
        return f'"${{{variable}:{part.start}:{part.length}}}"'
    if isinstance(part, Raw):
        return "$'" + "".join(f"\\x{byte:02x}" for byte in part.data) + "'"
    return shlex.quote(part)


__all__ = [
    "HEADER_ENV_PREFIX",
    "TOKEN_ENV",
    "Header",
    "Raw",
    "Tag",
    "Template",
    "Token",
    "build",
    "curl",
    "header_variable",
    "marks_for",
    "setup_line",
    "url_holds_token",
    "uses_token",
]
