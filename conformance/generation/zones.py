"""What the runner sends as must-accept, what as must-reject, and what it never judges.

The contract's verdict on a value is the validator's. The runner is narrower: it judges a
server only on values where every mainstream parser and every reasonable server agree.

- **Must accept**: what the valid and boundary families draw. Strings are drawn from text
  without controls, surrogates, unassigned code points and noncharacters; a string with a
  ``format`` is drawn by that format's own strategy here, from alphabets every listed parser
  accepts (drawn in ``conformance.generation.strategies``; for names: the ``idna`` package with
  UTS #46, Python's ``idna`` codec, a WHATWG host parser; for URLs: ``urllib.parse.urlsplit``,
  a WHATWG URL parser, pydantic's ``HttpUrl``).
- **Must reject**: what the invalid family sends. For a string with a ``format``, only the
  format's own list below, each value refused by the strict parsers (UTS #46 for names; WHATWG
  and ``HttpUrl`` for URLs), and never the generic string mutations, which real parsers may
  repair (a WHATWG parser strips the spaces around a URL).
- **Contested**: ``CONTESTED``, said once in every report. Where a rule is generic (``null`` for
  an optional member, a required member that has a default), ``conformance.generation.cases`` reads
  it off the schemas; the rest is never drawn because nothing here draws it.

Formats are keyed by the name the schemas use, never by a field: a field gets these values
because its schema names the format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from conformance.validation.formats import MAX_LABEL_OCTETS, MAX_NAME_OCTETS

#: Unicode categories text drawn as must-accept leaves out: C0/C1 controls (a PostgreSQL text
#: column refuses NUL), surrogates, and unassigned code points and noncharacters (both Cn).
UNJUDGED_CATEGORIES: Final = ("Cc", "Cs", "Cn")

ASCII_LETTERS: Final = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS: Final = "0123456789"

#: Path, query and fragment characters every listed URL parser keeps as they are.
URL_CHARACTERS: Final = ASCII_LETTERS + DIGITS + "-._~"


#: Lower-case letters of major scripts that IDNA 2003 (Unicode 3.2) and IDNA 2008 both allow,
#: with no joiner, bidi or context rule: a label of them passes every listed parser. Left out
#: on purpose: sharp s and final sigma (IDNA 2003 maps them to ss and sigma), upper case (IDNA
#: 2008 refuses it, UTS #46 maps it), right-to-left scripts (bidi rules), letters newer than
#: Unicode 3.2. Each script is a list of inclusive code point ranges.
SCRIPTS: Final = {
    "latin": ((0xE0, 0xF6), (0xF8, 0xFF)),  # a-grave to y-diaeresis, without the division sign
    "cyrillic": ((0x430, 0x44F), (0x451, 0x451)),  # small a to ya, and yo
    "greek": ((0x3B1, 0x3C1), (0x3C3, 0x3C9)),  # alpha to omega, without final sigma
    "han": ((0x4E00, 0x9FA5),),
    "hiragana": ((0x3041, 0x3093),),
    "hangul": ((0xAC00, 0xD7A3),),
}


@dataclass(frozen=True)
class FormatZone:
    """A format's boundary values (must accept) and must-reject values, each
    ``(variant, value)``; its must-accept strategy is ``conformance.generation.strategies``'s."""

    boundary: tuple[tuple[str, str], ...]
    invalid: tuple[tuple[str, str], ...]


def _name_of_octets(octets: int) -> str:
    """An ASCII name of exactly ``octets`` octets, in labels of 63 and a last label of letters."""
    labels: list[str] = []
    left = octets
    while left > MAX_LABEL_OCTETS + 1 + 2:
        labels.append("a" * MAX_LABEL_OCTETS)
        left -= MAX_LABEL_OCTETS + 1
    return ".".join([*labels, "b" * left])


#: A Cyrillic label of ``n`` letters is 6 + n octets as an A-label: 57 is the most that fits.
_CYRILLIC_63_OCTETS: Final = "ж" * 57

FORMAT_ZONES: Final = {
    "idn-hostname": FormatZone(
        boundary=(
            (f"name-{MAX_NAME_OCTETS}-octets", _name_of_octets(MAX_NAME_OCTETS)),
            (f"label-{MAX_LABEL_OCTETS}-ascii", "a" * MAX_LABEL_OCTETS + ".com"),
            # an ASCII label first, which the runner's unique tag is written over
            (f"label-{MAX_LABEL_OCTETS}-octets-cyrillic", f"shop.{_CYRILLIC_63_OCTETS}.рф"),
            ("idn", "пример.рф"),
            ("idn-han", "例子.中国"),
            ("upper-case-ascii", "Shop.Example.COM"),
            ("hyphens-inside", "my-shop-1.example.com"),
            ("digits-label", "shop.123.example.com"),
        ),
        invalid=(
            (f"name-{MAX_NAME_OCTETS + 1}-octets", _name_of_octets(MAX_NAME_OCTETS + 1)),
            (f"label-{MAX_LABEL_OCTETS + 1}-ascii", "a" * (MAX_LABEL_OCTETS + 1) + ".com"),
            (f"label-{MAX_LABEL_OCTETS + 1}-octets-cyrillic", f"shop.{_CYRILLIC_63_OCTETS}ж.рф"),
            ("scheme", "https://example.com"),
            ("port", "example.com:8080"),
            ("path", "example.com/contact"),
            ("space-inside", "exam ple.com"),
            ("space-around", " example.com "),
            ("newline", "example.com\n"),
            ("underscore", "my_shop.example.com"),
            ("plus", "+example.com"),
            ("leading-hyphen", "-shop.example.com"),
            ("trailing-hyphen", "shop-.example.com"),
            ("empty-label", "shop..example.com"),
            ("empty", ""),
        ),
    ),
    "iri": FormatZone(
        boundary=(
            ("upper-case-scheme", "HTTPS://example.com/contact"),
            ("http", "http://example.com/"),
            ("idn-host", "https://пример.рф/контакты"),
            ("port-65535", "https://example.com:65535/"),
            ("query-fragment", "https://example.com/a/b?c=d#e"),
        ),
        invalid=(
            ("no-scheme", "example.com/contact"),
            ("relative", "/contact"),
            ("ftp", "ftp://example.com/"),
            ("mailto", "mailto:info@example.com"),
            # "https:///contact" would be no example: a WHATWG parser reads host "contact"
            ("empty-host", "https://?contact"),
            ("space-in-host", "https://exam ple.com/"),
            ("port-65536", "https://example.com:65536/"),
            ("ipv6-not-an-address", "https://[0]/"),
            ("empty", ""),
        ),
    ),
}

#: What the runner never sends as must-accept nor as must-reject, and why: a conforming server
#: may go either way. Every report says it once.
CONTESTED: Final = (
    (
        "ids past 2^53 echoed as a double rounds them",
        "RFC 8259 §6: such integers are not interoperable (JavaScript reads every number as a "
        "double); --strict judges the exact echo",
    ),
    ("null for an optional member", "pydantic's `X | None = None` takes it as absent"),
    (
        "omitting a required member that has a default (show_visitor_id.enabled)",
        "the page says both required and a default",
    ),
    ("params missing", "-32600 and -32602 required_parameter_missed both conform"),
    ('"id": null', "JSON-RPC 2.0 allows it; the vendor says string or number"),
    (
        "domain names: one label, an all-digit or one-letter last label, an IP address, "
        "a trailing dot, '--' at positions 3-4, upper-case non-ASCII, ß/ς/joiners/emoji/"
        "symbols, letters newer than Unicode 3.2, dots other than U+002E",
        "IDNA 2003, IDNA 2008, UTS #46 and WHATWG disagree on them",
    ),
    (
        "URLs: white space around, userinfo, IP literals, an empty port, an underscore in "
        "the host, non-ASCII letters in a fragment, characters a WHATWG parser "
        "percent-encodes (but letters of a script in a path or query, which every listed "
        "parser takes)",
        "WHATWG parsers repair or accept what RFC 3986 refuses",
    ),
    (
        "controls, noncharacters and unassigned code points in free text",
        "a PostgreSQL text column refuses NUL",
    ),
    (
        "`name` (current revision) judged beyond being a string: a length limit, an empty or "
        "blank name",
        "the page states no bounds: the contract takes any string and the runner refuses only "
        "non-strings; the valid family sends it as free text, as show_visitor_id.message",
    ),
    (
        "a duplicate site named by the other IDN form of its domain (пример.рф, then "
        "xn--e1afmkfd.xn--p1ai)",
        "one host to DNS, but servers that store the name as sent compare them as two",
    ),
    ("integer-valued floats (5.0) for integers", "JSON Schema says integer; strict parsers refuse"),
    (
        "entity ids (user_id, default_scenario_id) past their 32-bit bounds: sent where success "
        "and -32602 both conform",
        "the bound is the contract's decision; an id out of range may be 'not found', and a "
        "customer's user_id may be ignored",
    ),
)
