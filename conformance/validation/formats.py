"""The formats the schemas name, checked the way real servers check them.

A regular expression cannot say what a valid internationalised domain name is: that takes the
IDNA 2008 tables, UTS #46 mapping, the bidi and joiner rules, and DNS lengths measured on the
A-label (``xn--``) form, which a pattern counting code points cannot see (63 ``ж`` are 69
octets as an A-label). So the schemas keep a portable ``pattern`` for the shape, and name a
``format`` that this module checks with the ``idna`` package (the one requests and httpx
depend on):

- ``idn-hostname`` (``domain_name``): UTS #46 processing (non-transitional, STD3 rules) then
  IDNA 2008; each label at most 63 octets and the name at most 253 as A-labels; at least two
  labels; the last not all digits (an IP address is no site's name).
- ``iri`` (``widget_link.url``): an absolute IRI with an authority whose host is a domain name
  as above, an IPv4 address or a bracketed IPv6 address, and whose port, if any, is 0-65535;
  no white space or control character anywhere. The scheme is the pattern's business.

Each check is a ``*_problem(value) -> str | None`` function: ``None`` when the value is valid,
else a sentence saying what is wrong, which the validator's messages quote. ``FORMATS`` maps
format names to ``is_valid`` predicates for the engines.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable
from typing import Final

import idna

#: Longest domain name DNS carries, in A-label octets; and one label.
MAX_NAME_OCTETS: Final = 253
MAX_LABEL_OCTETS: Final = 63

#: Values longer than this are refused before any parsing: no valid name comes near it, and a
#: huge string must cost nothing (a hostile payload may carry megabytes).
_MAX_NAME_CHARS: Final = 4 * MAX_NAME_OCTETS
#: Results are cached for values up to this many characters only, so the cache stays small.
_CACHED_CHARS: Final = 2048

# The common case, plain lower- or upper-case LDH labels with no "--" at positions 3-4, needs no
# IDNA tables: UTS #46 only lower-cases such a name, and IDNA 2008 accepts every such label.
# Checking it here keeps a typical request about 50 times cheaper than the idna package would.
_LDH_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")

#: White space and controls: refused anywhere in a name or a URL, whatever a parser would strip.
_SPACE_OR_CONTROL = re.compile(
    r"[\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
)


def _plain_ascii_name(value: str) -> bool:
    labels = value.split(".")
    return (
        len(labels) >= 2
        and all(_LDH_LABEL.fullmatch(label) and label[2:4] != "--" for label in labels)
        and not labels[-1].isdigit()
        and len(value) <= MAX_NAME_OCTETS
    )


def _octets(label: str) -> int:
    """A label's length as DNS counts it: its A-label form in octets."""
    if label.isascii():
        return len(label)
    return len(b"xn--" + label.encode("punycode"))


def _shape_problem(value: str) -> str | None:
    """The slips people make, named before the IDNA tables are consulted."""
    if not value:
        return "it is empty"
    if "://" in value:
        return "it includes a scheme such as https://: give the host name alone (example.com)"
    found = _SPACE_OR_CONTROL.search(value)
    if found:
        return f"it holds white space or a control character ({found.group()!r})"
    if "/" in value:
        return "it includes a path: give the host name alone"
    if "@" in value:
        return "it includes user information (@): give the host name alone"
    if ":" in value:
        return "it includes a port or a colon: give the host name alone"
    return None


@functools.lru_cache(maxsize=4096)
def _cached_domain_problem(value: str) -> str | None:
    if _plain_ascii_name(value):
        return None
    shaped = _shape_problem(value)
    if shaped is not None:
        return shaped
    try:
        # UTS #46 first (lower-casing, full stops such as U+3002 to "."), as browsers do
        mapped = idna.uts46_remap(value, std3_rules=True, transitional=False)
    except (idna.IDNAError, UnicodeError) as error:
        return f"it is not a valid internationalised domain name ({error})"
    labels = mapped.split(".")
    if any(not label for label in labels):
        return "it has an empty label (two dots in a row, or a leading or trailing dot)"
    if len(labels) < 2:
        return "it is a single label: a top-level domain is missing (example.com, not example)"
    if labels[-1].isdigit():
        return "its last label is all digits: an IP address or a name without a top-level domain"
    total = len(labels) - 1
    for label in labels:
        octets = _octets(label)
        if octets > MAX_LABEL_OCTETS:
            return (
                f"the label {_shorten(label)!r} is {octets} octets as DNS counts it (its "
                f"A-label form); a label may have at most {MAX_LABEL_OCTETS}"
            )
        total += octets
        try:
            idna.alabel(label)  # IDNA 2008: code points, hyphens, joiners, bidi
        except (idna.IDNAError, UnicodeError) as error:
            return f"the label {_shorten(label)!r} is not valid IDNA 2008 ({error})"
    if total > MAX_NAME_OCTETS:
        return (
            f"the name is {total} octets as DNS counts it (its A-label form); a name may "
            f"have at most {MAX_NAME_OCTETS}"
        )
    return None


def _shorten(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def domain_name_problem(value: str) -> str | None:
    """What makes ``value`` no valid domain name (``idn-hostname``), or ``None``."""
    if len(value) > _MAX_NAME_CHARS:
        return f"it is {len(value)} characters long; a name has at most {MAX_NAME_OCTETS}"
    return _cached_domain_problem(value)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _host_problem(host: str) -> str | None:
    if not host:
        return "its host is empty"
    if host.startswith("["):
        if not host.endswith("]"):
            return f"its host {_shorten(host)!r} opens a bracket it does not close"
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return f"its host {_shorten(host)!r} is no IPv6 address"
        return None
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        pass
    else:
        return None
    problem = domain_name_problem(host)
    return None if problem is None else f"its host {_shorten(host)!r} is no domain name: {problem}"


def _uncached_url_problem(value: str) -> str | None:
    found = _SPACE_OR_CONTROL.search(value)
    if found:
        return f"it holds white space or a control character ({found.group()!r})"
    scheme = _SCHEME.match(value)
    if scheme is None:
        return "it has no scheme: write an absolute URL such as https://example.com/"
    rest = value[scheme.end() :]
    if not rest.startswith("//"):
        return "it has no host: // and a host must follow the scheme"
    authority = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
    host_port = authority.rpartition("@")[2]
    if host_port.startswith("["):
        if "]" not in host_port:
            return f"its bracketed host {_shorten(host_port)!r} has no closing ]"
        host, _, after = host_port.partition("]")
        host += "]"
        port = after[1:] if after.startswith(":") else None if not after else "x"
    else:
        host, colon, port_text = host_port.partition(":")
        port = port_text if colon else None
    if port is not None and port and not (port.isascii() and port.isdigit() and int(port) < 2**16):
        return f"its port {_shorten(port)!r} is not a number from 0 to 65535"
    return _host_problem(host)


@functools.lru_cache(maxsize=4096)
def _cached_url_problem(value: str) -> str | None:
    return _uncached_url_problem(value)


def url_problem(value: str) -> str | None:
    """What makes ``value`` no absolute URL with a valid host (``iri``), or ``None``."""
    if len(value) > _CACHED_CHARS:
        return _uncached_url_problem(value)
    return _cached_url_problem(value)


#: Each format's check, by the name the schemas use.
PROBLEMS: Final[dict[str, Callable[[str], str | None]]] = {
    "idn-hostname": domain_name_problem,
    "iri": url_problem,
}


def _predicate(problem: Callable[[str], str | None]) -> Callable[[str], bool]:
    def is_valid(value: str) -> bool:
        # engines hand every string to a format check; anything else is not ours to judge
        return not isinstance(value, str) or problem(value) is None

    return is_valid


#: Each format's ``is_valid`` predicate, for the engines (``jsonschema_rs`` ``formats=``).
FORMATS: Final[dict[str, Callable[[str], bool]]] = {
    name: _predicate(problem) for name, problem in PROBLEMS.items()
}


def format_checker() -> object:
    """A python-jsonschema ``FormatChecker`` that checks these formats as the kit does: pass it
    with ``conformance.registry()`` to validate with python-jsonschema and get the same verdicts.
    """
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name, is_valid in FORMATS.items():
        checker.checks(name)(is_valid)
    return checker
