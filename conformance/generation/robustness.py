"""The robustness family: what a parser, a type or a database may choke on, in every run.

One family for every contract (the bundled create.sites contract and any OpenRPC document),
made from the base request alone, one case per kind per member:

- ``NaN``, ``Infinity`` and ``-Infinity`` as bare literals, in the id and in the first integer
  member: no JSON (RFC 8259 section 6: "Numeric values that cannot be represented in the
  grammar below (such as Infinity and NaN) are not permitted"), so JSON-RPC 2.0 decides: -32700
  Parse error with id null. A server that reads them leniently and echoes the id sends a reply
  that is no JSON either (``body-parses``);
- integers past what the common types hold (±2^63 and ±2^64: int64 and uint64; 10^20; 400
  digits) and ``1e400`` (past any double) in the id and in each integer member;
- a lone surrogate in each string member, escaped (``"\\ud800"``: JSON's grammar takes it, RFC
  8259 section 8.2 says what a reader does with it is unpredictable) and raw (its three UTF-8
  style bytes, which RFC 3629 makes no UTF-8);
- a duplicate key in the envelope and in params (RFC 8259 section 4: names SHOULD be unique,
  and what a reader does with a duplicate is unpredictable).

Everything but the non-finite literals is judged on robustness alone (``ROBUST``): the contract,
JSON-RPC 2.0 and the standards leave the answer open, so any well-formed JSON-RPC reply
conforms but -32603 (a crash turned into an error), a dropped connection, a timeout, an HTTP
5xx or a body that is no JSON. An id no parser need hold exactly (RFC 8259 section 6 calls
integers past 2^53 not interoperable) may come back rounded, or null (``reply_id="any"``).

Text no JSON encoder writes goes out through ``Case.splices``: the payload holds a marker, the
body the raw text, so the runner still puts the token and a unique domain name in place.
Labels read ``member:kind`` (``industry_id:big-integer``, ``id:non-finite``,
``domain_name:lone-surrogate``), one test per label, a case per variant
(``industry_id:big-integer/2^64``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from conformance.generation.cases import (
    PARSE_ERROR,
    UNIQUE_MEMBER,
    Base,
    Case,
    Expectation,
    _with,
    marker,
    members,
)
from conformance.generation.protocol import ROBUST
from conformance.generation.schema_tree import schema_types

FAMILY: Final = "robustness"

#: An id that is a number no parser need hold exactly: any answer but a crash, any reply id.
ROBUST_ID: Final = Expectation("robust", reply_id="any")

#: Integers past the common integer types and doubles, by name, in the order sent; ``1e400``
#: (past any double) is spliced in as written.
BIG_INTEGERS: Final[tuple[tuple[str, int | bytes], ...]] = (
    ("2^63", 2**63),
    ("-2^63", -(2**63)),
    ("2^64", 2**64),
    ("-2^64", -(2**64)),
    ("10^20", 10**20),
    ("400-digits", int("9" * 400)),
    ("1e400", b"1e400"),
)

#: The bare literals that are no JSON numbers, as lenient parsers (Python's, JSON5) read them.
NON_FINITE: Final = (b"NaN", b"Infinity", b"-Infinity")

#: A lone high surrogate, escaped as JSON text and raw (the bytes UTF-8's scheme would give it).
LONE_SURROGATE: Final = (("escaped", b'"\\ud800"'), ("raw", b'"\xed\xa0\x80"'))


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def robustness_cases(base: Base, *, params_by_name: bool = True) -> list[Case]:
    """The family for the method of ``base``: ``params_by_name`` where its params go as an
    object (a duplicate key in params needs one)."""
    cases: list[Case] = []
    good = base.request(base.complete)

    def add(
        label: str,
        variant: str,
        expect: Expectation,
        payload: Any,
        splices: Sequence[tuple[str, bytes]] = (),
        *,
        unique_domain: bool = True,
    ) -> None:
        cases.append(
            Case(
                FAMILY,
                label,
                f"{label}/{variant}",
                expect,
                payload,
                splices=tuple(splices),
                unique_domain=unique_domain,
            )
        )

    def in_params(path: tuple[str, ...], value: Any) -> dict[str, Any]:
        return base.request(_with(base.complete, path, value))

    integers = [path for path, node in members(base.params_tree) if "integer" in schema_types(node)]
    strings = [path for path, node in members(base.params_tree) if "string" in schema_types(node)]

    # the literals JSON has no place for, where every parser reads them: the id first
    spot = marker(0)
    for literal in NON_FINITE:
        variant = literal.decode()
        add(
            "id:non-finite",
            variant,
            PARSE_ERROR,
            base.request(base.complete, spot),
            [(spot, literal)],
        )
    if integers:
        label = f"{'.'.join(integers[0])}:non-finite"
        for literal in NON_FINITE:
            payload = in_params(integers[0], spot)
            add(label, literal.decode(), PARSE_ERROR, payload, [(spot, literal)])

    for variant, number in BIG_INTEGERS:
        if isinstance(number, bytes):
            add(
                "id:big-integer",
                variant,
                ROBUST_ID,
                base.request(base.complete, spot),
                [(spot, number)],
            )
        else:
            add("id:big-integer", variant, ROBUST_ID, base.request(base.complete, number))
    for path in integers:
        label = f"{'.'.join(path)}:big-integer"
        for variant, number in BIG_INTEGERS:
            if isinstance(number, bytes):
                add(label, variant, ROBUST, in_params(path, spot), [(spot, number)])
            else:
                add(label, variant, ROBUST, in_params(path, number))

    for path in strings:
        dotted = ".".join(path)
        for variant, text in LONE_SURROGATE:
            add(
                f"{dotted}:lone-surrogate",
                variant,
                ROBUST,
                in_params(path, spot),
                [(spot, text)],
                unique_domain=dotted != UNIQUE_MEMBER,
            )

    # a duplicate key: the envelope's jsonrpc, and the first params member the run does not fix
    if "jsonrpc" in good:
        version = _json(good["jsonrpc"])
        add(
            "jsonrpc:duplicate-key",
            "same-value",
            ROBUST,
            {**good, "jsonrpc": spot},
            [(spot, version + b',"jsonrpc":' + version)],
        )
    if params_by_name and isinstance(base.complete, dict):
        name = next(
            (n for n in base.complete if n not in base.fixed and n != UNIQUE_MEMBER),
            None,
        )
        if name is not None:
            value = _json(base.complete[name])
            add(
                f"{name}:duplicate-key",
                "same-value",
                ROBUST,
                in_params((name,), spot),
                [(spot, value + b"," + _json(name) + b":" + value)],
            )
    return cases


__all__ = [
    "BIG_INTEGERS",
    "FAMILY",
    "LONE_SURROGATE",
    "NON_FINITE",
    "ROBUST_ID",
    "robustness_cases",
]
