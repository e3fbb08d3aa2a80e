"""The parsers real servers check host names and URLs with, as one-line verdicts.

These are the "mainstream parsers" of issue 8: a value the kit sends as valid must pass every
``*_accepts`` function here, and a value it sends as invalid must fail the strict ones
(``strict_name_rejects``, ``strict_url_rejects``). Each function calls the library the way a
server would and answers True or False; none raises.
"""

from __future__ import annotations

import urllib.parse
from typing import Final

import ada_url
import idna
from pydantic import HttpUrl, TypeAdapter, ValidationError

#: Characters that end a host inside a URL (a path, a query, a fragment, userinfo, a port):
#: a WHATWG parser handed ``http://`` + such a name parses a different, shorter host.
_URL_DELIMITERS: Final = frozenset("/\\?#@:")

#: What WHATWG's URL parser removes before it reaches the host parser (tabs and newlines
#: anywhere, C0 controls and spaces around): the host parser itself refuses them.
_REMOVED_BY_URL_PARSER: Final = frozenset("\t\n\r")
_C0_OR_SPACE: Final = "".join(map(chr, range(0x21)))

_HTTP_URL: Final = TypeAdapter(HttpUrl)


def idna_uts46_accepts(name: str) -> bool:
    """The ``idna`` package (IDNA 2008) after UTS #46 mapping: ``idna.encode(name, uts46=True)``."""
    try:
        idna.encode(name, uts46=True)
    except (idna.IDNAError, UnicodeError, ValueError):
        return False
    return True


def idna_codec_accepts(name: str) -> bool:
    """Python's own ``idna`` codec (IDNA 2003, nameprep on Unicode 3.2): ``name.encode("idna")``."""
    try:
        name.encode("idna")
    except UnicodeError:
        return False
    return True


def whatwg_host_accepts(name: str) -> bool:
    """A WHATWG URL host parser (ada-url) takes ``name`` as the whole host of an http URL."""
    if not name or name != name.strip(_C0_OR_SPACE):
        return False
    if any(char in _URL_DELIMITERS or char in _REMOVED_BY_URL_PARSER for char in name):
        return False
    try:
        return bool(ada_url.URL(f"http://{name}/").hostname)
    except ValueError:
        return False


def urlsplit_accepts(url: str) -> bool:
    """``urllib.parse.urlsplit``: no ValueError (its port included), an http or https scheme in
    any letter case, and a non-empty ``hostname``."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (reading the port is what raises for a bad one)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


def whatwg_url_accepts(url: str) -> bool:
    """A WHATWG URL parser (ada-url) parses ``url`` as an http or https URL."""
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        return False
    return parsed.protocol in {"http:", "https:"}


def pydantic_httpurl_accepts(url: str) -> bool:
    """pydantic v2's ``HttpUrl`` (the Rust ``url`` crate, WHATWG) validates ``url``."""
    try:
        _HTTP_URL.validate_python(url)
    except ValidationError:
        return False
    return True


def strict_name_rejects(name: str) -> bool:
    """The strict reference for names: UTS #46 with the STD3 rules (letters, digits, hyphens)
    refuses ``name``."""
    try:
        idna.encode(name, uts46=True, std3_rules=True)
    except (idna.IDNAError, UnicodeError, ValueError):
        return True
    return False


def strict_url_rejects(url: str) -> bool:
    """The strict reference for URLs: both a WHATWG parser and pydantic's ``HttpUrl`` refuse it."""
    return not whatwg_url_accepts(url) and not pydantic_httpurl_accepts(url)


NAME_PARSERS: Final = {
    "idna (UTS #46)": idna_uts46_accepts,
    "idna codec (IDNA 2003)": idna_codec_accepts,
    "WHATWG host (ada-url)": whatwg_host_accepts,
}

URL_PARSERS: Final = {
    "urlsplit": urlsplit_accepts,
    "WHATWG URL (ada-url)": whatwg_url_accepts,
    "pydantic HttpUrl": pydantic_httpurl_accepts,
}
