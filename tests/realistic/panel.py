"""The panel: every checker a server or a schema validator judges host names and URLs with.

The zones of ``conformance/generation/zones.py`` are defined by it: a value is **must-accept**
when every checker of the panel takes it, **must-reject** when every checker that validates
refuses it, and **contested** otherwise (``test_zones_differential.py`` proves each zone value so).

Each checker is called as a server (or a validator's ``format``) calls it, and answers True
(taken) or False; none raises. Three are **encoders, not validators**, by their own
documentation: Python's ``idna`` codec (IDNA 2003's ToASCII with UseSTD3ASCIIRules off:
CPython's ``encodings/idna.py`` skips step 3, so spaces, ``/`` and ``:`` pass),
``urllib.parse.urlsplit`` ("does not perform validation", the Python docs' warning) and
Node's ``punycode.toASCII`` (converts, checks nothing). A server built on one of them must be
able to take every must-accept value, so they vote on must-accept; what they let through
decides nothing about must-reject (a server that validates with none of them takes
anything), and the docs' table shows it all the same.

The checkers of Node (``url.domainToASCII``, ``URL``, ``punycode``, ajv-formats-draft2019) run
in one ``node panel.js`` process for all the values at once.

An ``iri`` checker that takes any scheme is asked about http and https only: the field's
schema has the scheme in its ``pattern``, beside the format.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import jsonschema_rs
import rfc3986
import validators
from jsonschema import Draft202012Validator
from parsers import (
    idna_codec_accepts,
    idna_uts46_accepts,
    pydantic_httpurl_accepts,
    urlsplit_accepts,
    whatwg_host_accepts,
    whatwg_url_accepts,
)
from rfc3986 import exceptions as rfc3986_exceptions
from rfc3986 import validators as rfc3986_validators

from conformance.contract import REVISIONS
from conformance.generation.decisions import DECISIONS_KEYWORD
from conformance.generation.schema_tree import tree
from conformance.generation.zones import FORMAT_ZONES
from conformance.validation.formats import PROBLEMS

ROOT: Final = Path(__file__).resolve().parents[2]
AJV_TOOLS: Final = ROOT / "tools" / "ajv"
NODE_SCRIPT: Final = Path(__file__).with_name("panel.js")

FORMATS: Final = ("idn-hostname", "iri")
Zone = Literal["must-accept", "must-reject", "contested"]

_HTTP_SCHEME: Final = re.compile(r"https?:", re.IGNORECASE)
_FORMAT_CHECKER: Final = Draft202012Validator.FORMAT_CHECKER
_RS_NAME: Final = jsonschema_rs.validator_for({"format": "idn-hostname"}, validate_formats=True)
_RS_IRI: Final = jsonschema_rs.validator_for({"format": "iri"}, validate_formats=True)
_RFC3986_CHECKS: Final = (
    rfc3986_validators.Validator()
    .require_presence_of("scheme", "host")
    .check_validity_of("scheme", "userinfo", "host", "port", "path", "query", "fragment")
)


@dataclass(frozen=True)
class Checker:
    """One member of the panel: its name as the docs' table shows it, the format it checks,
    whether it validates (else it is an encoder: it votes on must-accept only), and its
    verdict on one value (``None`` for Node's checkers, asked all at once by ``panel.js``)."""

    name: str
    format: str
    validates: bool = True
    accepts: Callable[[str], bool] | None = None


def _jsonschema_name(value: str) -> bool:
    return bool(_FORMAT_CHECKER.conforms(value, "idn-hostname"))


def _jsonschema_rs_name(value: str) -> bool:
    return bool(_RS_NAME.is_valid(value))


def _validators_domain(value: str) -> bool:
    # validators returns True or a falsy ValidationError
    return validators.domain(value) is True


def _http(value: str) -> bool:
    return _HTTP_SCHEME.match(value) is not None


def _jsonschema_iri(value: str) -> bool:
    return _http(value) and bool(_FORMAT_CHECKER.conforms(value, "iri"))


def _jsonschema_rs_iri(value: str) -> bool:
    return _http(value) and bool(_RS_IRI.is_valid(value))


def _validators_url(value: str) -> bool:
    return _http(value) and validators.url(value) is True


def _rfc3986_url(value: str) -> bool:
    """rfc3986 as its documentation has an IRI checked: ``iri_reference(value).encode()`` (the
    host by IDNA, the rest percent-encoded), then a ``Validator`` requiring a scheme and a host
    and checking every component."""
    try:
        uri = rfc3986.iri_reference(value).encode()
        _RFC3986_CHECKS.validate(uri)
    except (rfc3986_exceptions.RFC3986Exception, ValueError, UnicodeError):
        return False
    return (uri.scheme or "").lower() in {"http", "https"}


PANEL: Final = (
    Checker("idna (UTS #46)", "idn-hostname", accepts=idna_uts46_accepts),
    Checker("Python idna codec (IDNA 2003)", "idn-hostname", False, idna_codec_accepts),
    Checker("WHATWG host (ada-url)", "idn-hostname", accepts=whatwg_host_accepts),
    Checker("Node url.domainToASCII", "idn-hostname"),
    Checker("Node punycode.toASCII", "idn-hostname", validates=False),
    Checker("python-jsonschema idn-hostname", "idn-hostname", accepts=_jsonschema_name),
    Checker("jsonschema-rs idn-hostname", "idn-hostname", accepts=_jsonschema_rs_name),
    Checker("ajv-formats-draft2019 idn-hostname", "idn-hostname"),
    Checker("validators.domain", "idn-hostname", accepts=_validators_domain),
    Checker("urllib.parse.urlsplit", "iri", False, urlsplit_accepts),
    Checker("WHATWG URL (ada-url)", "iri", accepts=whatwg_url_accepts),
    Checker("Node URL", "iri"),
    Checker("pydantic HttpUrl", "iri", accepts=pydantic_httpurl_accepts),
    Checker("python-jsonschema iri (rfc3987)", "iri", accepts=_jsonschema_iri),
    Checker("jsonschema-rs iri", "iri", accepts=_jsonschema_rs_iri),
    Checker("ajv-formats-draft2019 iri", "iri"),
    Checker("validators.url", "iri", accepts=_validators_url),
    Checker("rfc3986", "iri", accepts=_rfc3986_url),
)

#: The checkers of one format, in the panel's order.
CHECKERS: Final = {fmt: tuple(c for c in PANEL if c.format == fmt) for fmt in FORMATS}

#: What the zone is decided by: a value's verdicts, one a checker (by name).
Verdicts = dict[str, bool]


def _node_verdicts(values: Mapping[str, Sequence[str]]) -> dict[str, list[bool]]:
    node = shutil.which("node")
    assert node, "the panel's Node checkers need node on PATH"
    assert (AJV_TOOLS / "node_modules" / "ajv-formats-draft2019").is_dir(), "run make ajv-tools"
    done = subprocess.run(
        [node, str(NODE_SCRIPT)],
        input=json.dumps({fmt: list(values.get(fmt, ())) for fmt in FORMATS}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=True,
    )
    found: dict[str, list[bool]] = json.loads(done.stdout)
    return found


def verdicts(
    values: Mapping[str, Sequence[str]], *, with_node: bool = True
) -> dict[str, list[Verdicts]]:
    """Each value's verdicts, by format: ``{format: [{checker: taken}, ...]}`` in the order of
    ``values[format]``. ``with_node=False`` leaves Node's checkers out (no npm needed)."""
    from_node = _node_verdicts(values) if with_node else {}
    found: dict[str, list[Verdicts]] = {}
    for fmt, texts in values.items():
        rows: list[Verdicts] = [{} for _ in texts]
        for checker in CHECKERS[fmt]:
            if checker.accepts is not None:
                column = [checker.accepts(text) for text in texts]
            elif with_node:
                column = from_node[checker.name]
            else:
                continue
            for row, taken in zip(rows, column, strict=True):
                row[checker.name] = taken
        found[fmt] = rows
    return found


_VALIDATES: Final = {checker.name: checker.validates for checker in PANEL}


def zone(row: Verdicts) -> Zone:
    """Must-accept: every checker takes it; must-reject: every validating checker refuses it;
    else contested."""
    if all(row.values()):
        return "must-accept"
    if not any(taken for name, taken in row.items() if _VALIDATES[name]):
        return "must-reject"
    return "contested"


# --- the docs' table of the contested values ---------------------------------------------------

#: The field each format is the format of, for the table's headings.
FIELDS: Final = {"idn-hostname": "domain_name", "iri": "widget_link.url"}


def shown(value: str) -> str:
    """``value`` as the table writes it: in quotes (so spaces at its ends show), invisible
    characters as ``\\uXXXX``, a pipe escaped, in backticks."""
    text = "".join(
        f"\\u{ord(char):04x}"
        if unicodedata.category(char)[0] in "CZ" and char != " "
        else "\\|"
        if char == "|"
        else char
        for char in value
    )
    return f'`"{text}"`'


def table(fmt: str, rows: Sequence[tuple[str, str, str, bool, Verdicts]]) -> str:
    """The Markdown table of one format's contested values: each row ``(what, value, how the
    runner sends it, the kit's verdict, the panel's verdicts)``."""
    names = [checker.name for checker in CHECKERS[fmt]]
    encoders = {checker.name for checker in CHECKERS[fmt] if not checker.validates}
    heading = [
        "what",
        "value",
        "the runner",
        "the kit",
        *(f"{name} (encoder)" if name in encoders else name for name in names),
    ]
    lines = [
        f"#### `{fmt}` (`{FIELDS[fmt]}`)",
        "",
        "| " + " | ".join(heading) + " |",
        "|" + "---|" * len(heading),
    ]
    for what, value, runner, kit, row in rows:
        marks = ["✓" if row[name] else "✗" for name in names]
        kit_mark = "✓" if kit else "✗"
        lines.append("| " + " | ".join([what, shown(value), runner, kit_mark, *marks]) + " |")
    return "\n".join(lines) + "\n"


def decided_variants(fmt: str) -> set[str]:
    """The invalid variants of ``fmt`` the schemas mark as the kit's decision (``format/...``
    keys of ``x-decisions`` on a member of that format), in both revisions."""
    found: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        if node.get("format") == fmt:
            keys = node.get(DECISIONS_KEYWORD) or {}
            found.update(key.removeprefix("format/") for key in keys if key.startswith("format/"))
        for child in (node.get("properties") or {}).values():
            walk(child)

    for revision in REVISIONS:
        walk(tree("request", "customer", revision))
    return found


def panel_tables() -> str:
    """The docs' tables: for each format, every value the invalid family sends as the kit's
    decision, then each contested example, with the kit's verdict and each checker's."""
    parts = []
    for fmt, zones in FORMAT_ZONES.items():
        decided = decided_variants(fmt)
        rows = [
            (f"`{variant}`", value, "sent: robustness alone; `--strict`: refused")
            for variant, value in zones.invalid
            if variant in decided
        ]
        rows += [(what, value, "never sent") for what, value in zones.contested]
        said = verdicts({fmt: [value for _, value, _ in rows]})[fmt]
        parts.append(
            table(
                fmt,
                [
                    (what, value, runner, PROBLEMS[fmt](value) is None, row)
                    for (what, value, runner), row in zip(rows, said, strict=True)
                ],
            )
        )
    return "\n".join(parts)


if __name__ == "__main__":  # python tests/realistic/panel.py: the tables docs/contract.md holds
    print(panel_tables(), end="")
