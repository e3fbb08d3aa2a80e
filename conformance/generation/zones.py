"""What the runner sends as must-accept, what as must-reject, and what it never judges.

The contract's verdict on a value is the validator's. The runner is narrower: it judges a
server only on values where the panel agrees, the checkers servers and schema validators judge
host names and URLs with (``tests/realistic/panel.py``: the ``idna`` package with UTS #46,
Python's ``idna`` codec, WHATWG's host and URL parsers in ada-url and Node, Node's
``punycode``, python-jsonschema's ``FormatChecker`` with its format extras, jsonschema-rs, ajv's
ajv-formats-draft2019 plugin, pydantic's ``HttpUrl``, ``validators``, ``rfc3986``,
``urllib.parse``).

- **Must accept**: what every checker of the panel takes; what the valid and boundary families
  draw. Strings are drawn from text without controls, surrogates, unassigned code points and
  noncharacters; a string with a ``format`` is drawn by that format's own strategy
  (``conformance.generation.strategies``) from alphabets every checker takes, and its
  ``boundary`` values below.
- **Must reject**: what every checker that validates refuses (an encoder, such as Python's
  ``idna`` codec, refuses nothing it can encode); what the invalid family sends and judges.
  For a string with a ``format``, only the format's ``invalid`` values below, never the generic
  string mutations, which real parsers may repair (a WHATWG parser strips the spaces around a
  URL). An ``invalid`` value the panel splits on is sent too, but the schemas mark it as the
  kit's decision (``x-decisions``): judged for robustness alone unless ``--strict``.
- **Contested**: what the panel splits on. ``CONTESTED`` says it once in every report; a
  format's ``contested`` values below are examples of each kind (never sent), and the
  differential test proves each one splits the panel. Where a rule is generic (``null`` for an
  optional member, a required member that has a default), ``conformance.generation.cases``
  reads it off the schemas; the rest is never drawn because nothing here draws it.

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

#: Path and query characters every checker of the panel keeps as they are.
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
    """A format's boundary values (must accept), its invalid values (must reject, or the kit's
    decision where the schemas say so in ``x-decisions``), each ``(variant, value)``, and its
    ``contested`` kinds, each ``(what, example)``: never sent. Its must-accept strategy is
    ``conformance.generation.strategies``'s."""

    boundary: tuple[tuple[str, str], ...]
    invalid: tuple[tuple[str, str], ...]
    contested: tuple[tuple[str, str], ...] = ()


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
        contested=(
            ("one label", "example"),
            ("an all-digit last label", "shop.123"),
            ("a one-letter last label", "example.c"),
            ("an IP address", "127.0.0.1"),
            ("a trailing dot", "example.com."),
            ("'--' at positions 3-4", "ab--cd.com"),
            ("an xn-- label that is no Punycode", "xn--abc.com"),
            ("upper-case non-ASCII", "ПРИМЕР.рф"),
            ("a joiner out of context", "a\u200db.com"),
            ("emoji", "\U0001f600.com"),
            ("symbols", "\u2603.com"),
            ("digits of another script", "\u0661\u0662\u0663.com"),
        ),
    ),
    "iri": FormatZone(
        boundary=(
            ("upper-case-scheme", "HTTPS://example.com/contact"),
            ("http", "http://example.com/"),
            ("idn-host", "https://пример.рф/контакты"),
            ("port-65535", "https://example.com:65535/"),
            ("query", "https://example.com/a/b?c=d"),
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
        contested=(
            ("white space around", " https://example.com/ "),
            ("an empty port", "https://example.com:/"),
            ("port 0", "https://example.com:0/"),
            ("a port with a leading zero", "https://example.com:080/"),
            ("an underscore in the host", "https://my_shop.example.com/"),
            ("a fragment", "https://example.com/a#top"),
            ("a query without '='", "https://example.com/?q"),
            ("characters a WHATWG parser percent-encodes", "https://example.com/a{b}"),
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
        "a request's id answered null in a -32600 reply, though the id could be read",
        'JSON-RPC 2.0 §5: the id is null "if there was an error in detecting the id in the '
        'Request object (e.g. Parse error/Invalid Request)": a server that finds a request '
        "invalid may read its id or not",
    ),
    (
        "a raw lone surrogate (the bytes ED A0 80) in a string answered other than -32700",
        "RFC 3629 makes those bytes no UTF-8 and RFC 8259 §8.1 asks for UTF-8, so -32700 "
        "conforms; but decoders of CESU-8 and WTF-8 read them as U+D800, and JSON's own "
        "escape (\\ud800) is grammatical (RFC 8259 §8.2): judged for robustness alone "
        "(never -32603)",
    ),
    (
        "domain names: " + ", ".join(what for what, _ in FORMAT_ZONES["idn-hostname"].contested),
        "the checkers servers and validators judge names with disagree (IDNA 2003, IDNA 2008, "
        "UTS #46, WHATWG, the JSON Schema format checkers): docs/contract.md shows each verdict",
    ),
    (
        "URLs: "
        + ", ".join(what for what, _ in FORMAT_ZONES["iri"].contested)
        + " (but letters of a script in a path or query, which every checker takes)",
        "the checkers servers and validators judge URLs with disagree (RFC 3986 and 3987, "
        "WHATWG, the JSON Schema format checkers): docs/contract.md shows each verdict",
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
