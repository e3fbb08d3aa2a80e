"""The protocol family: the JSON-RPC 2.0 envelope and transport broken, for any method.

One family for every contract: what differs between APIs is said by an ``Envelope`` (the
method's name, the errors its conventions give for batches and notifications, whether the
vendor's mnemonics are asked for, the token's param). The bundled create.sites contract and
an OpenRPC document that carries the vendor's ``x-`` extensions give the same envelope, hence
the same cases (``tests/openrpc/test_openrpc_runner.py``).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Final

from conformance.generation.cases import (
    ABSENT,
    INVALID_REQUEST,
    INVALID_REQUEST_NO_ID,
    PARSE_ERROR,
    SUCCESS,
    UNEXPECTED_MEMBER,
    Base,
    Case,
    Expectation,
    _with,
)
from conformance.generation.decisions import UNDECIDED, split

#: A string id as a public client of the vendor builds it (the vendor's Data API docs,
#: https://callgear.github.io/data_api/).
VENDOR_STRING_ID: Final = "req_create_sites_1795701519.17"

#: A string id of any API: a name and a timestamp, as clients build them.
GENERIC_STRING_ID: Final = "req-1795701519.17"


def success_ids(string_id: str) -> tuple[tuple[str, str | int], ...]:
    """The ids sent on a success path, by kind: strings (one a client really sends, one of
    digits, an empty one) and integers up to beyond 64 bits."""
    return (
        ("string", string_id),
        ("numeric-string", "1"),
        ("empty-string", ""),
        ("integer", 7),
        ("zero", 0),
        ("negative", -1),
        ("beyond-double", 2**53 + 1),
        ("beyond-int64", 2**64 + 1),
    )


#: Params refused by being an array, where JSON-RPC 2.0 alone decides: the request is
#: well-formed (params may be an array), so invalid params (-32602) conforms as well.
INVALID_REQUEST_OR_PARAMS: Final = Expectation("error", (-32600, -32602), reply_id="echo_or_null")

#: Where neither the contract nor JSON-RPC 2.0 decides: any well-formed reply but -32603.
ROBUST: Final = dataclasses.replace(
    UNDECIDED,
    basis="robustness alone: nothing decides this input (any well-formed reply but -32603)",
)

#: The vendor's envelope, read by the kit where the pages leave it open.
EXTRA_MEMBER: Final = (
    "the Data API lists jsonrpc, id, method and params; JSON-RPC 2.0 defines no other member "
    "but does not say one must be refused"
)
FRACTION_ADVICE: Final = (
    "not judged: JSON-RPC 2.0 asks clients not to send fractional ids (SHOULD NOT), and says "
    "nothing of what a server does with one"
)
PARAMS_ARRAY: Final = (
    "JSON-RPC 2.0 makes params by position a well-formed Request (invalid params, -32602), the "
    "Data API says params is an object (an invalid Request, -32600): refused either way"
)
FRACTIONAL_ID: Final = (
    'the Data API says the id is "string or number"; JSON-RPC 2.0\'s "SHOULD NOT contain '
    'fractional parts" is advice to clients'
)


@dataclass(frozen=True)
class Envelope:
    """What a contract says about its JSON-RPC envelope, for the protocol family."""

    method: str
    #: the string id a client of this API sends
    string_id: str = GENERIC_STRING_ID
    #: the errors a batch and a notification may get where the API does not take them
    batch_codes: tuple[int, ...] = (-32600,)
    notification_codes: tuple[int, ...] = (-32600,)
    #: the method has required params: a request without params is refused
    params_required: bool = True
    #: params by name only: an array of params is refused
    by_name_only: bool = True
    #: the vendor's conventions: errors carry ``data.mnemonic`` and ``data.field``, an
    #: array of params and a fractional id are invalid requests, and so is an extra member
    vendor: bool = False
    #: an envelope member besides jsonrpc, id, method and params is refused
    extra_member_refused: bool = False
    #: the params member the token goes in, and the code a wrong token gets
    token_member: str | None = None
    token_error: int = -32602
    #: every method the contract defines: an unknown method's name is none of them
    methods: frozenset[str] = frozenset()

    def unknown_method(self) -> str:
        """A near miss of the method's name (one letter short) that names no method of the
        contract (lotus has both ``StateGetClaim`` and ``StateGetClaims``)."""
        for candidate in (self.method[:-1], f"{self.method}_unknown", "x"):
            if candidate and candidate not in self.methods | {self.method}:
                return candidate
        return f"{self.method}_{len(self.methods)}"


def protocol_cases(base: Base, envelope: Envelope) -> list[Case]:
    """The JSON-RPC envelope and transport broken, and ids of every JSON type."""
    good = base.request(base.complete)
    body = json.dumps(good, ensure_ascii=False).encode()
    name = envelope.method
    cases: list[Case] = []

    def add(label: str, expect: Expectation, payload: Any = None, raw: bytes | None = None) -> None:
        cases.append(Case("protocol", label, label, expect, payload, raw))

    def without(member: str) -> dict[str, Any]:
        return {key: value for key, value in good.items() if key != member}

    # ids of every allowed type first: a success path, so that the run's first case checks
    # the token and a whole success reply
    for kind, request_id in success_ids(envelope.string_id):
        add(f"id-{kind}", SUCCESS, {**good, "id": request_id})
    add("not-json", PARSE_ERROR, raw=body[: len(body) // 2])
    add("not-json-text", PARSE_ERROR, raw=f"{name} please".encode())
    add("empty-body", PARSE_ERROR, raw=b"")
    add("not-utf8", PARSE_ERROR, raw=body.replace(b'"2.0"', b'"2.0\xff"', 1))
    batch = envelope.batch_codes
    add("batch", Expectation("batch_or_error", batch, reply_id="null"), [good])
    empty = tuple(dict.fromkeys((*batch, -32600)))
    add("batch-empty", Expectation("batch_or_error", empty, reply_id="null"), [])
    add(
        "notification",
        Expectation("notification_or_error", envelope.notification_codes, reply_id="null"),
        without("id"),
    )
    for kind, value in (("string", name), ("integer", 1), ("null", None), ("boolean", True)):
        add(f"non-object-{kind}", INVALID_REQUEST_NO_ID, value)
    add("jsonrpc-wrong", INVALID_REQUEST, {**good, "jsonrpc": "1.0"})
    add("jsonrpc-number", INVALID_REQUEST, {**good, "jsonrpc": 2.0})
    add("jsonrpc-missing", INVALID_REQUEST, without("jsonrpc"))
    add("method-missing", INVALID_REQUEST, without("method"))
    add("method-not-string", INVALID_REQUEST, {**good, "method": 1})
    not_found = Expectation("error", (-32601,))
    add("method-unknown", not_found, {**good, "method": envelope.unknown_method()})
    # no method, no params to judge: JSON-RPC 2.0 §5.1 makes it "Method not found" whatever the
    # params (a server that validates params first answers -32602; found by a proof server)
    add(
        "method-unknown-empty-params",
        not_found,
        {**good, "method": envelope.unknown_method(), "params": {}},
    )
    shouted = ".".join(part.capitalize() for part in name.split("."))
    if shouted != name:
        add("method-case", not_found, {**good, "method": shouted})
    if envelope.params_required:
        # JSON-RPC 2.0 lets params be omitted: a method with required params refuses that
        mnemonics = frozenset({"invalid_request", "required_parameter_missed"})
        add(
            "params-missing",
            Expectation(
                "error",
                (-32600, -32602),
                mnemonics if envelope.vendor else None,
                reply_id="echo_or_null",
            ),
            without("params"),
        )
    if envelope.by_name_only:
        # JSON-RPC 2.0 makes an array of params a well-formed request: a method that wants
        # them by name may call that invalid params (-32602) as well, unless the vendor's
        # contract says which (create.sites: -32600)
        add("params-array", INVALID_REQUEST, {**good, "params": [base.complete]})
        if envelope.vendor:
            # refused either way; which code is the vendor's reading ("params: an object")
            cases[-1] = split(cases[-1], PARAMS_ARRAY, (-32600, -32602))
        else:
            cases[-1] = dataclasses.replace(cases[-1], expect=INVALID_REQUEST_OR_PARAMS)
    add("params-string", INVALID_REQUEST, {**good, "params": "x"})
    if envelope.extra_member_refused:
        add("envelope-unexpected-member", INVALID_REQUEST, {**good, UNEXPECTED_MEMBER: 1})
        cases[-1] = split(cases[-1], EXTRA_MEMBER)
    # a fractional id: JSON-RPC 2.0's "SHOULD NOT contain fractional parts" is advice to
    # clients; only the vendor's "string or number", read as integer, refuses it
    add("id-float", INVALID_REQUEST_NO_ID, {**good, "id": 1.5})
    cases[-1] = split(cases[-1], FRACTIONAL_ID) if envelope.vendor else (
        dataclasses.replace(cases[-1], expect=dataclasses.replace(ROBUST, basis=FRACTION_ADVICE))
    )  # fmt: skip
    wrong_ids: tuple[tuple[str, Any], ...] = (
        ("boolean", True),
        # "id": null is contested: JSON-RPC 2.0 allows it, the vendor says string or number
        ("array", [1]),
        ("object", {"id": 1}),
    )
    for kind, wrong in wrong_ids:
        add(f"id-{kind}", INVALID_REQUEST_NO_ID, {**good, "id": wrong})
    member = envelope.token_member
    if member is not None:
        add(
            "token-wrong",
            Expectation("error", (envelope.token_error,)),
            {**good, "params": _with(base.complete, member.split("."), "wrong-" + "0" * 24)},
        )
        add(
            "token-missing",
            Expectation(
                "error",
                (-32602,),
                frozenset({"required_parameter_missed"}) if envelope.vendor else None,
                field=member if envelope.vendor else None,
            ),
            {**good, "params": _with(base.complete, member.split("."), ABSENT)},
        )
    return cases


__all__ = [
    "GENERIC_STRING_ID",
    "INVALID_REQUEST_OR_PARAMS",
    "ROBUST",
    "VENDOR_STRING_ID",
    "Envelope",
    "protocol_cases",
    "success_ids",
]
