"""Where a payload holds its access token, and the same payload with the token masked.

Masking is by structure, never by searching the text: the value of a member whose name is a
secret's (``access_token``, or a near miss such as ``acess_token``, ``accessToken``, ``token``)
is ``***``, and so is a string elsewhere in a reported value that equals such a value or, for a
token long enough that a chance match is implausible (``MIN_ECHO_LENGTH``), holds it. A short
token is masked only where it stands as a whole value: searching for ``1`` inside every string
would turn ``127.0.0.1`` into ``***27.0.0.***``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection, Sequence
from typing import Any, Final
from urllib.parse import quote

#: What a secret prints as.
MASK: Final = "***"

#: Members whose values are secrets and are never shown.
SECRET_MEMBERS: Final = frozenset({"access_token"})

#: A secret this long is also masked inside longer strings (an echo such as "token X is
#: unknown"); a shorter one only where it is a whole value.
MIN_ECHO_LENGTH: Final = 8

_SECRET_WORDS: Final = ("token", "secret", "password")


def _normalized(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def is_secret_name(name: object) -> bool:
    """Whether a member called ``name`` holds a secret: a secret member's name, a near miss of
    one (``acess_token``, ``access-token``, ``accessToken``), or a name about a token."""
    if not isinstance(name, str):  # an array's index: no name at all ("" is judged as any name)
        return False
    if name in SECRET_MEMBERS:
        return True
    # every member of every reported payload is asked about: the answer per name is cached
    # (names are few and repeat), and a name too long to be a near miss skips difflib
    return _secret_name(name) if len(name) <= _CACHED_NAME else _names_a_secret(name)


#: Longest name whose answer is cached; longer ones are no near miss of a secret member's.
_CACHED_NAME: Final = 64


def _names_a_secret(name: str) -> bool:
    normalized = _normalized(name)
    return any(word in normalized for word in _SECRET_WORDS)


@functools.lru_cache(maxsize=1024)
def _secret_name(name: str) -> bool:
    if _names_a_secret(name):
        return True
    import difflib  # here, not at the top: only an unexpected member name needs it

    normalized = _normalized(name)
    return any(
        difflib.SequenceMatcher(None, normalized, _normalized(secret)).ratio() >= 0.8
        for secret in SECRET_MEMBERS
    )


def is_secret_path(path: Sequence[str | int]) -> bool:
    """Whether the member at ``path`` holds a secret (judged by its own name)."""
    return bool(path) and is_secret_name(path[-1])


#: Each member name's verdict as ``secrets_in`` met it: a dict lookup per member is a tenth of a
#: call to ``is_secret_name``, and the walk runs for every invalid payload reported on.
_VERDICTS: dict[Any, bool] = {}
_MAX_VERDICTS: Final = 4096


def secrets_in(payload: Any) -> frozenset[str]:
    """The non-empty strings held by secret-named members anywhere in ``payload``."""
    found: set[str] = set()
    stack = [payload]
    pop, push = stack.pop, stack.append
    verdicts = _VERDICTS
    while stack:  # a loop, not recursion: a payload may be nested as deep as its reader allows
        node = pop()
        if isinstance(node, dict):
            for name, value in node.items():
                if isinstance(value, str):
                    if not value:
                        continue
                    # only a string can be a token: the name is asked about for strings alone
                    secret = verdicts.get(name)
                    if secret is None:
                        secret = is_secret_name(name)
                        if len(verdicts) < _MAX_VERDICTS:
                            verdicts[name] = secret
                    if secret:
                        found.add(value)
                elif isinstance(value, dict | list | tuple):
                    push(value)
        elif isinstance(node, list | tuple):
            stack.extend(item for item in node if isinstance(item, dict | list | tuple))
    return frozenset(found)


def mask_string(text: str, secrets: Collection[str]) -> str:
    """``text``, ``***`` if it is a secret, with long secrets inside it masked."""
    if text in secrets:
        return MASK
    return _long_masked(text, secrets)


def _long_masked(text: str, secrets: Collection[str]) -> str:
    """``text`` with the secrets long enough to be told from chance masked inside it."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= MIN_ECHO_LENGTH and secret in text:
            text = text.replace(secret, MASK)
    return text


def quoted_forms(secret: str) -> frozenset[str]:
    """The ways a secret long enough to be looked for inside text (``MIN_ECHO_LENGTH``) reads
    once quoted: raw, JSON (ASCII-escaped or not), Python ``repr`` (with either quote); none
    for a shorter one. A message quoting a value escapes its quotes, backslashes and control
    characters: ``str(KeyError(token))`` is its repr."""
    if len(secret) < MIN_ECHO_LENGTH:
        return frozenset()
    return frozenset(
        {
            secret,
            json.dumps(secret, ensure_ascii=False)[1:-1],
            json.dumps(secret)[1:-1],
            repr(secret)[1:-1],
            # beside a double quote repr quotes with ' and escapes each ' inside
            repr(secret + '"')[1:-2],
        }
    )


def mask(value: Any, secrets: Collection[str], path: Sequence[str | int] = ()) -> Any:
    """A copy of ``value`` (found at ``path``) with every secret in it masked; ``value`` itself
    where it holds none."""
    if is_secret_path(path):
        return MASK
    try:
        return _masked(value, secrets)
    except RecursionError:  # deeper than Python follows: show none of it rather than a secret
        return MASK


def _masked(value: Any, secrets: Collection[str]) -> Any:
    """``value`` masked; ``value`` itself (the same object) where nothing in it is secret."""
    if isinstance(value, str):
        return mask_string(value, secrets) if secrets else value
    if isinstance(value, dict):
        # a name holding a long token is masked too (a target's {"<token>": "unknown"}); one
        # equal to a short token is not: the name "id" is no more a secret than any word
        pairs = [
            (
                _long_masked(name, secrets) if isinstance(name, str) else name,
                MASK if is_secret_name(name) else _masked(item, secrets),
            )
            for name, item in value.items()
        ]
        same = all(
            shown is name and masked is item
            for (shown, masked), (name, item) in zip(pairs, value.items(), strict=True)
        )
        return value if same else dict(pairs)
    if isinstance(value, list | tuple):
        items = [_masked(item, secrets) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def mask_url(url: str, token: str) -> str:
    """The target URL with the token masked where it is a whole part of it: the password, a
    path segment, a query value or the fragment (``https://node.example/v3/KEY``,
    ``...?key=KEY``), raw or percent-encoded.

    A whole part only, so that a short token never cuts a host or a port in two; masking a
    part that merely equals the token costs nothing, as a reproduction puts the token back
    (``reproduce.curl`` reads it from its variable, a replay from ``--token``).
    """
    if not token:
        return url
    # the token raw or percent-encoded; their order in the pattern is moot: each must be
    # followed by the end or a delimiter that quote(safe="") never leaves, so where one form is
    # a prefix of the other ("a%", "a%25") only one of them can match (sorted: a stable pattern)
    part = "|".join(map(re.escape, sorted({token, quote(token, safe="")})))
    # the scheme's "//", the host and the port are never the token's place: a token of "/" or
    # of the port's digits left them masked ("http:***/host", "host:***")
    scheme, slashes, rest = url.partition("://")
    if not slashes:  # no authority: every part is a path's, a query's or the fragment's
        scheme, rest = "", url
    cut = next((i for i, c in enumerate(rest) if c in "/?#"), len(rest)) if slashes else 0
    authority, tail = rest[:cut], rest[cut:]
    userinfo, at, host = authority.rpartition("@")
    password = re.sub(rf"(?<=:)(?:{part})$", MASK, userinfo)
    tail = re.sub(rf"(?<=[/?#&=:@;])(?:{part})(?=$|[/?#&;@])", MASK, tail)
    return f"{scheme}{slashes}{password}{at}{host}{tail}"


def unmask_url(url: str, token: str) -> str:
    """A URL ``mask_url`` masked, with ``token`` back in place of ``***`` (percent-encoded
    where it holds a character a URL part cannot carry as is)."""
    return url.replace(MASK, quote(token, safe="!$'()*+,;=:@~"))


__all__ = [
    "MASK",
    "MIN_ECHO_LENGTH",
    "SECRET_MEMBERS",
    "is_secret_name",
    "is_secret_path",
    "mask",
    "mask_string",
    "mask_url",
    "quoted_forms",
    "secrets_in",
    "unmask_url",
]
