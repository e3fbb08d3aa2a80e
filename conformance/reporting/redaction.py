"""The access token kept out of everything the kit shows or keeps, by structure, never by
searching text for its characters (``conformance.validation.masking`` holds the rules).

Two uses, one module:

- what a report prints (text, JSON, JUnit, HTML, pytest's summary) goes through ``Masker``: the
  token is ``***`` in a request where the runner put it, in a reply string that is it, holds a
  long one or belongs to a secret-named member, and in target-made text (a check's message, a
  header); ``--show-secrets`` shows it;
- what outlives the run (saved failures, the baseline, the HTML report) is scrubbed with the
  ``scrub_*`` functions before anything is written, and never offers ``--show-secrets``: in a
  request, the token member's value, where it is the run's token, becomes
  ``TOKEN_PLACEHOLDER``, which a replay fills with the replay's token; elsewhere a string that
  is the token, and a token long enough to be told from chance (``MIN_ECHO_LENGTH``) inside a
  longer string or in raw bytes (with a beginning of it cut off by the end of a body).

A short token is never searched for inside other text: ``--token 1`` leaves "-32602" as it is.

The values of the secret headers a run sends (``Authorization``, ``Cookie``, ``X-Api-Key`` and
other key-, token- or secret-named ones: ``is_secret_header``) are masked as the token is,
everywhere, while ``masked_headers`` holds them (the command holds them for its whole run).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any, Final

from conformance.engine.results import Failure
from conformance.engine.settings import TOKEN_PLACEHOLDER
from conformance.errors import PayloadError
from conformance.validation.masking import (
    MASK,
    MIN_ECHO_LENGTH,
    SECRET_MEMBERS,
    is_secret_name,
    mask,
    mask_url,
    quoted_forms,
    unmask_url,
)
from conformance.validation.payloads import loads

# --- the secret headers a run sends, masked as its token -----------------------------------

#: Header names whose values are secrets: credentials, cookies, keys, tokens.
_SECRET_HEADER = re.compile(
    r"authorization|cookie|api[-_]?key|token|secret|password|passwd|credential|session|"
    r"(^|[-_])(key|auth|sig|signature)($|[-_])",
    re.IGNORECASE,
)

#: The secret header values being masked (``masked_headers``).
_HEADER_SECRETS: ContextVar[frozenset[str]] = ContextVar("header_secrets", default=frozenset())


def is_secret_header(name: str) -> bool:
    """Whether a header named ``name`` carries a secret (its value is masked)."""
    return bool(_SECRET_HEADER.search(name))


def header_secrets(headers: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The values of the secret headers among ``headers``: each whole value, and the
    credential after an auth scheme (``Bearer abc``: ``abc`` too)."""
    values: set[str] = set()
    for name, value in headers:
        if not is_secret_header(name) or not value.strip():
            continue
        values.add(value)
        scheme, _, credential = value.strip().partition(" ")
        if credential.strip() and scheme.isalpha():
            values.add(credential.strip())
    return frozenset(values)


@contextlib.contextmanager
def masked_headers(headers: Iterable[tuple[str, str]]) -> Iterator[frozenset[str]]:
    """Mask the values of the secret headers among ``headers`` as the token is, in everything
    shown or written while the block runs."""
    secrets = header_secrets(headers)
    reset = _HEADER_SECRETS.set(_HEADER_SECRETS.get() | secrets)
    try:
        yield secrets
    finally:
        _HEADER_SECRETS.reset(reset)


def _secrets(token: str) -> frozenset[str]:
    return (frozenset({token}) if token else frozenset()) | _HEADER_SECRETS.get()


# --- what a report shows: masked where printed, unless --show-secrets ----------------------

#: A JSON string literal, and whether a ``:`` follows it (a member name).
_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?')


class Masker:
    """Masks the token by structure; does nothing with ``show_secrets``.

    ``request(failure)`` is the body as sent with ``***`` where the runner put the token;
    ``reply(text)`` masks a string literal of a reply that is the token, holds a token long
    enough to be told from chance (``MIN_ECHO_LENGTH``), or is the value of a secret-named
    member; ``text(words)`` masks target-made text (a check's message, a header) the same way.
    """

    def __init__(self, token: str, show_secrets: bool = False) -> None:
        self.show_secrets = show_secrets
        self.token = "" if show_secrets else token
        self.secrets = frozenset() if show_secrets else _secrets(token)
        # a check's message quotes the target's words as JSON or Python literals, which escape
        # quotes, backslashes and control characters: a long token is looked for in each form
        self.forms = sorted(
            {form for secret in self.secrets for form in quoted_forms(secret)},
            key=len,
            reverse=True,
        )

    def text(self, words: str) -> str:
        """Target-made text with the token masked where it shows."""
        if not self.secrets:
            return words
        if words in self.secrets:  # a short token is masked only where it is the whole text
            return MASK
        return self._long(words)

    def _long(self, words: str) -> str:
        """``words`` with every form of a long token masked, the raw one among them, longest
        first: replaced first, the raw token would cut its own escaped form (JSON writes a
        token ending in a backslash with two) and leave a backslash behind the mask."""
        for form in self.forms:
            words = words.replace(form, MASK)
        return words

    def url(self, url: str) -> str:
        """The target URL with the token masked where it is a whole part (``mask_url``)."""
        return mask_url(url, self.token)

    def request(self, failure: Failure) -> str:
        """The request body as sent, the token ``***`` where the runner put it."""
        if failure.shown is not None and not self.show_secrets:
            return failure.shown.masked()
        return body_text(failure.body)

    def reply(self, text: str) -> str:
        """A reply body with each JSON string that holds the token masked, and nothing else;
        in a body that is not JSON (a proxy's "invalid token X" page, a body cut in half, a
        string broken open by an unescaped quote) a long token anywhere too, and a beginning of
        one that ends the body, as ``scrub_bytes`` masks them."""
        if not self.secrets:
            return text
        out: list[str] = []
        last = 0
        secret_member = False
        for match in _STRING_LITERAL.finditer(text):
            literal = match.group(0)[: len(match.group(0)) - len(match.group(1) or "")]
            try:
                value = json.loads(literal)
            except ValueError:
                continue
            is_name = match.group(1) is not None
            # a name is masked where it holds a long token ({"<token>": "unknown"}), never for
            # equalling a short one: the name "id" is no more a secret than any word
            masked = self._long(value) if is_name else MASK if secret_member else self.text(value)
            secret_member = is_name and is_secret_name(value)
            if masked == value:
                continue
            out.append(text[last : match.start()])
            out.append(json.dumps(masked, ensure_ascii=False))
            last = match.start() + len(literal)
        out.append(text[last:])
        shown = "".join(out)
        try:
            loads(text)
        except PayloadError:  # not JSON: no telling its strings from the rest
            return _masked_tail(self.text(shown), self.secrets)
        return shown


def body_text(body: bytes) -> str:
    """A body as text, bytes that are not UTF-8 written as escapes."""
    return body.decode("utf-8", "backslashreplace")


# --- what outlives the run: scrubbed before it is written, never shown ---------------------


#: A token's beginning cut off by the end of a body is masked from this many characters on:
#: a shorter one is no more a secret than any few characters are.
_SHORTEST_MASKED_PREFIX: Final = 4


def _masked_tail(text: str, secrets: Iterable[str]) -> str:
    """``text`` with a beginning of a long secret that ends it masked (the whole secret is
    masked wherever it shows: only shorter beginnings are left here), longest first."""
    long = [secret for secret in secrets if len(secret) >= MIN_ECHO_LENGTH]
    for secret in sorted(long, key=len, reverse=True):
        for length in range(_SHORTEST_MASKED_PREFIX, len(secret))[::-1]:
            if text.endswith(secret[:length]):
                return text.removesuffix(secret[:length]) + MASK
    return text


def _forms(token: str) -> list[str]:
    """The token as text and in the forms JSON writes it, longest first."""
    forms = {token, json.dumps(token)[1:-1], json.dumps(token, ensure_ascii=False)[1:-1]}
    return sorted(forms, key=len, reverse=True)


def scrub_text(text: str, token: str) -> str:
    """Target-made text (a check's message, a header) with the token masked where it shows, as
    the text report masks it (``Masker.text``): a short token only where it is the whole text,
    so that ``--token 1`` leaves "-32602" as it is."""
    return Masker(token).text(text)


def scrub_value(value: Any, token: str) -> Any:
    """A JSON value with each string that is the token, or holds a token long enough to be told
    from chance, masked (``conformance.validation.masking.mask``)."""
    return mask(value, _secrets(token))


def scrub_request(value: Any, token: str) -> Any:
    """A request with the token member's value, where it is ``token``, set to the placeholder
    a replay fills in; the token replaced anywhere else."""
    if isinstance(value, list):
        return [scrub_request(item, token) for item in value]
    if isinstance(value, dict):
        return {
            scrub_text(key, token): (
                TOKEN_PLACEHOLDER
                if key in SECRET_MEMBERS and item == token
                else scrub_request(item, token)
            )
            for key, item in value.items()
        }
    return scrub_value(value, token)


def scrub_bytes(data: bytes, token: str) -> bytes:
    """Raw bytes with the encoded forms of the token and of the secret headers' values
    (``masked_headers``) replaced, and a beginning of one that ends the data (a body cut in
    half) masked too, as the text report masks them; a secret too short to be told from chance
    (``MIN_ECHO_LENGTH``) is left alone, as the text report leaves it."""
    mask = MASK.encode()
    secrets = [s for s in {*_HEADER_SECRETS.get(), token} if len(s) >= MIN_ECHO_LENGTH]
    secrets.sort(key=len, reverse=True)  # a secret inside a longer one: the longer masked whole
    for secret in secrets:
        for form in _forms(secret):
            data = data.replace(form.encode("utf-8", "surrogatepass"), mask)
    for secret in secrets:
        encoded = secret.encode("utf-8", "surrogatepass")
        for length in range(_SHORTEST_MASKED_PREFIX, len(encoded))[::-1]:  # longest first
            if data.endswith(encoded[:length]):
                return data.removesuffix(encoded[:length]) + mask
    return data


def holds_token(data: bytes | str, token: str) -> bool:
    """Whether ``data`` holds the token in any of the forms ``scrub_bytes`` replaces."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return scrub_bytes(raw, token) != raw


__all__ = [
    "MASK",
    "Masker",
    "body_text",
    "header_secrets",
    "holds_token",
    "is_secret_header",
    "mask_url",
    "masked_headers",
    "scrub_bytes",
    "scrub_request",
    "scrub_text",
    "scrub_value",
    "unmask_url",
]
