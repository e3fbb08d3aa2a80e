"""The mutants: each the reference server (``CreateSitesApp``) with one deliberate defect.

A mutant overrides one pipeline step of the reference app (``parse`` ... ``encode``), or
``handle`` for a defect of the HTTP answer itself. ``@mutant`` registers it under a name, with
the runner's rule that must catch it (a check of ``conformance.engine.checks``) and ``shows``, the
family and name of the case that catches it first at tests/test_mutation_score.py's seed (that
test asserts it); the class's one-line docstring says the defect and the rule in words.

A mutant runs in each revision of the contract its defect exists in (``revisions``, both by
default); ``shows`` names the first case in every one of them, or ``{revision: case}`` where
they differ.
"""

from __future__ import annotations

import json
import math
import re
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from conformance.contract import REVISIONS
from conformance.errors import PayloadError
from conformance.server import CreateSitesApp, Response, RpcError
from conformance.server.app import params_error
from conformance.server.rpc import RequestId
from conformance.validation.formats import domain_name_problem
from conformance.validation.payloads import decode
from conformance.validation.validator import best_match, validator_for
from conformance.validation.violations import Violation


@dataclass(frozen=True)
class Mutant:
    """A registered mutant: its name, class, the defect (docstring), the rule that catches it."""

    name: str
    app: type[CreateSitesApp]
    rule: str
    shows: dict[str, str]
    revisions: tuple[str, ...] = REVISIONS
    #: the defect takes one of the kit's decisions the other way: only ``--strict`` judges it
    strict: bool = False
    #: the defect is the other revision's answer to the run's first valid request: the run
    #: stops there with one set-up message (``OtherRevision``, exit 2) that names the answer as
    #: the target's defect if it implements the run's revision. It counts as caught (the run
    #: fails and says what is wrong), and ``rule`` is what judges it in a run that goes on.
    told_once: bool = False

    @property
    def defect(self) -> str:
        return (self.app.__doc__ or "").strip()

    @property
    def shows_text(self) -> str:
        """How the README's table names the first case: one case, or one per revision."""
        cases = [self.shows[revision] for revision in self.revisions]
        told = " (told once as the other revision: exit 2)" if self.told_once else ""
        if len(set(cases)) == 1 and self.revisions == REVISIONS:
            return cases[0] + told
        shown = "; ".join(f"{revision}: {self.shows[revision]}" for revision in self.revisions)
        return shown + told


#: Every mutant by name, in the order they are defined (the order of the README's table).
MUTANTS: Final[dict[str, Mutant]] = {}

_App = type[CreateSitesApp]


def mutant(
    name: str,
    *,
    rule: str,
    shows: str | dict[str, str],
    revisions: tuple[str, ...] = REVISIONS,
    strict: bool = False,
    told_once: bool = False,
) -> Callable[[_App], _App]:
    """Register the decorated class as the mutant ``name``, caught by ``rule`` in each of
    ``revisions``."""

    def register(app: _App) -> _App:
        if name in MUTANTS:
            raise ValueError(f"a mutant named {name!r} is registered already")
        cases = shows if isinstance(shows, dict) else dict.fromkeys(revisions, shows)
        MUTANTS[name] = Mutant(name, app, rule, cases, revisions, strict, told_once)
        return app

    return register


# --- helpers ------------------------------------------------------------------------------------


def _strings(value: Any) -> Iterator[str]:
    """Every string value anywhere in ``value``."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for member in value.values():
            yield from _strings(member)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _link_text(params: dict[str, Any]) -> str | None:
    link = params.get("widget_link")
    text = link.get("text") if isinstance(link, dict) else None
    return text if isinstance(text, str) else None


class _Overlooks(CreateSitesApp):
    """Validates params as the reference does, but overlooks the violations ``overlooks`` picks."""

    def overlooks(self, violation: Violation, params: dict[str, Any]) -> bool:
        return False

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        try:
            found = list(validator_for("params", role, revision=self.revision).iter_errors(params))
        except PayloadError:
            return super().validate_params(params, role)
        violation = best_match(v for v in found if not self.overlooks(v, params))
        if violation is not None:
            raise params_error(violation, params)
        return params


class _Coerces(CreateSitesApp):
    """Converts params members the way a lax framework does before the schema sees them."""

    def coerce(self, value: Any, path: tuple[str, ...]) -> Any:
        return value

    def _walk(self, value: Any, path: tuple[str, ...]) -> Any:
        if isinstance(value, dict):
            return {name: self._walk(member, (*path, name)) for name, member in value.items()}
        return self.coerce(value, path)

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        return super().validate_params(self._walk(params, ()), role)


#: Members of integer type and of boolean type in the params schema (read from the reference
#: server's point of view: a lax server knows which of its fields are numbers).
_INTEGER_MEMBERS: Final = frozenset(
    {
        "default_scenario_id",
        "user_id",
        "industry_id",
        "target_call_min_duration",
        "cookie_lifetime",
        "campaign_lifetime",
        "second_communication_period",
        "length_visitor_id",
    }
)
_BOOLEAN_MEMBERS: Final = frozenset(
    {
        "track_subdomains_enabled",
        "sales_enabled",
        "services_enabled",
        "replacement_dynamical_block_enabled",
        "enabled",
    }
)


def _params_error(field: str, value: Any, mnemonic: str = "invalid_parameter_value") -> RpcError:
    return RpcError(mnemonic, f"{field} is not acceptable", field=field, value=value)


class _MeasuresLinkText(CreateSitesApp):
    """Validates as the reference does, then refuses widget_link.text over 100 by ``measure``."""

    def measure(self, text: str) -> int:
        return len(text)

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        params = super().validate_params(params, role)
        text = _link_text(params)
        if text is not None and self.measure(text) > 100:
            raise _params_error("widget_link.text", text)
        return params


# --- params: ranges, bounds and lengths ---------------------------------------------------------


@mutant(
    "range-unchecked", rule="expected-outcome", shows="invalid second_communication_period:minimum"
)
class RangeUnchecked(_Overlooks):
    """second_communication_period 0 and 366 accepted: no range check (expected-outcome)."""

    def overlooks(self, violation: Violation, params: dict[str, Any]) -> bool:
        return violation.field == "second_communication_period" and violation.keyword in {
            "minimum",
            "maximum",
        }


@mutant(
    "maximum-exclusive",
    rule="expected-outcome",
    shows="boundary second_communication_period:maximum/at=365",
)
class MaximumExclusive(CreateSitesApp):
    """Off by one: second_communication_period 365 refused, read as < 365 (expected-outcome)."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        params = super().validate_params(params, role)
        if params.get("second_communication_period", 1) >= 365:
            raise _params_error(
                "second_communication_period", params["second_communication_period"]
            )
        return params


@mutant(
    "text-max-off-by-one",
    rule="expected-outcome",
    shows="boundary widget_link.text:maxLength/ascii=100",
)
class TextMaxOffByOne(_MeasuresLinkText):
    """Off by one: widget_link.text of exactly 100 characters refused (expected-outcome)."""

    def measure(self, text: str) -> int:
        return len(text) + 1  # >= 100 where > 100 was meant


@mutant(
    "text-length-in-bytes",
    rule="expected-outcome",
    shows="boundary widget_link.text:maxLength/cyrillic=100",
)
class TextLengthInBytes(_MeasuresLinkText):
    """widget_link.text length counted in UTF-8 bytes: 100 Cyrillic refused (expected-outcome)."""

    def measure(self, text: str) -> int:
        return len(text.encode("utf-8"))


@mutant(
    "text-length-in-utf16",
    rule="expected-outcome",
    shows="boundary widget_link.text:maxLength/astral=100",
)
class TextLengthInUtf16(_MeasuresLinkText):
    """widget_link.text counted in UTF-16 units: 100 emoji refused (expected-outcome)."""

    def measure(self, text: str) -> int:
        return len(text.encode("utf-16-le")) // 2


@mutant(
    "ascii-only-domain",
    rule="expected-outcome",
    shows="boundary domain_name:format/label-63-octets-cyrillic",
)
class AsciiOnlyDomain(CreateSitesApp):
    """An internationalised domain_name (пример.рф) refused as invalid (expected-outcome)."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        params = super().validate_params(params, role)
        if not params["domain_name"].isascii():
            raise _params_error("domain_name", params["domain_name"])
        return params


@mutant(
    "label-length-in-characters",
    rule="expected-outcome",
    shows="invalid domain_name:format/label-64-octets-cyrillic",
    strict=True,
)
class LabelLengthInCharacters(CreateSitesApp):
    """A Cyrillic label of 64 A-label octets accepted: counted in characters (expected-outcome)."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        domain = params.get("domain_name")
        problem = domain_name_problem(domain) if isinstance(domain, str) else None
        if (
            problem
            and "as DNS counts it" in problem
            and len(domain) <= 253
            and all(len(label) <= 63 for label in domain.split("."))
        ):
            return {**super().validate_params({**params, "domain_name": "example.com"}, role),
                    "domain_name": domain}  # fmt: skip
        return super().validate_params(params, role)


@mutant(
    "upper-case-scheme-refused",
    rule="expected-outcome",
    shows="boundary widget_link.url:format/upper-case-scheme",
)
class UpperCaseSchemeRefused(CreateSitesApp):
    """widget_link.url with an upper-case scheme (HTTPS://) refused (expected-outcome)."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        params = super().validate_params(params, role)
        link = params.get("widget_link")
        url = link.get("url") if isinstance(link, dict) else None
        if isinstance(url, str) and not url.startswith(("http://", "https://")):
            raise _params_error("widget_link.url", url)
        return params


# --- params: required and unexpected members ----------------------------------------------------


@mutant("industry-optional", rule="expected-outcome", shows="invalid industry_id:required")
class IndustryOptional(_Overlooks):
    """Missing required check: a request without industry_id accepted (expected-outcome)."""

    def overlooks(self, violation: Violation, params: dict[str, Any]) -> bool:
        return violation.field == "industry_id" and violation.keyword == "required"


@mutant("nested-url-optional", rule="expected-outcome", shows="invalid widget_link.url:required")
class NestedUrlOptional(_Overlooks):
    """Missing nested required check: widget_link without url accepted (expected-outcome)."""

    def overlooks(self, violation: Violation, params: dict[str, Any]) -> bool:
        return violation.field == "widget_link.url" and violation.keyword == "required"


@mutant(
    "unknown-params-accepted",
    rule="expected-outcome",
    shows="invalid widget_link.unexpected:additionalProperties",
)
class UnknownParamsAccepted(_Overlooks):
    """Unknown params members ignored instead of refused (expected-outcome)."""

    def overlooks(self, violation: Violation, params: dict[str, Any]) -> bool:
        return violation.keyword == "additionalProperties"


@mutant(
    "optional-message-required",
    rule="expected-outcome",
    shows="boundary show_visitor_id.length_visitor_id:optional/alone",
)
class OptionalMessageRequired(CreateSitesApp):
    """Optional show_visitor_id.message treated as required (expected-outcome)."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        params = super().validate_params(params, role)
        shown = params.get("show_visitor_id")
        if isinstance(shown, dict) and "message" not in shown:
            raise RpcError(
                "required_parameter_missed",
                "message is required",
                field="show_visitor_id.message",
            )
        return params


@mutant(
    "latin1-message",
    rule="expected-outcome",
    shows="boundary show_visitor_id.message:type/cyrillic",
)
class Latin1Message(CreateSitesApp):
    """show_visitor_id.message in a Latin-1 column: text past U+00FF fails (expected-outcome)."""

    def create(self, params: dict[str, Any], owner: int) -> int:
        shown = params.get("show_visitor_id")
        message = shown.get("message") if isinstance(shown, dict) else None
        if isinstance(message, str) and any(ord(char) > 0xFF for char in message):
            raise RpcError("internal_error", "the message column is Latin-1")
        return super().create(params, owner)


# --- params: types ------------------------------------------------------------------------------


@mutant(
    "coerces-numeric-strings",
    rule="expected-outcome",
    shows="invalid default_scenario_id:type/string",
)
class CoercesNumericStrings(_Coerces):
    """Type coercion: "5" taken as 5 for integer members (expected-outcome)."""

    def coerce(self, value: Any, path: tuple[str, ...]) -> Any:
        numeric = isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value)
        if path and path[-1] in _INTEGER_MEMBERS and numeric:
            return int(value)
        return value


@mutant(
    "coerces-boolean-strings",
    rule="expected-outcome",
    shows="invalid track_subdomains_enabled:type/string",
)
class CoercesBooleanStrings(_Coerces):
    """Type coercion: "true" and "false" taken as booleans (expected-outcome)."""

    def coerce(self, value: Any, path: tuple[str, ...]) -> Any:
        if path and path[-1] in _BOOLEAN_MEMBERS and value in ("true", "false"):
            return value == "true"
        return value


@mutant(
    "integers-as-booleans",
    rule="expected-outcome",
    shows="invalid track_subdomains_enabled:type/integer-1",
)
class IntegersAsBooleans(_Coerces):
    """0 and 1 accepted as booleans (expected-outcome)."""

    def coerce(self, value: Any, path: tuple[str, ...]) -> Any:
        if path and path[-1] in _BOOLEAN_MEMBERS and type(value) is int and value in (0, 1):
            return bool(value)
        return value


# --- params: patterns ---------------------------------------------------------------------------


@mutant(
    "domain-scheme-stripped", rule="expected-outcome", shows="invalid domain_name:format/scheme"
)
class DomainSchemeStripped(CreateSitesApp):
    """domain_name https://example.com accepted: the scheme is stripped (expected-outcome)."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        domain = params.get("domain_name")
        if isinstance(domain, str):
            stripped = re.sub(r"^[A-Za-z]+://", "", domain)
            params = {**params, "domain_name": stripped}
        return super().validate_params(params, role)


@mutant(
    "phone-trailing-newline",
    rule="expected-outcome",
    shows="invalid default_phone_number:pattern/newline",
)
class PhoneTrailingNewline(_Overlooks):
    """Phone checked by re.match with $: a trailing newline accepted (expected-outcome)."""

    def overlooks(self, violation: Violation, params: dict[str, Any]) -> bool:
        phone = params.get("default_phone_number")
        return (
            violation.field == "default_phone_number"
            and violation.keyword == "pattern"
            and isinstance(phone, str)
            and re.match(r"^[1-9][0-9]{6,14}$", phone) is not None
        )


# --- errors: codes, mnemonics, fields -----------------------------------------------------------


@mutant(
    "params-error-as-invalid-request",
    rule="expected-outcome",
    shows="protocol token-missing",
)
class ParamsErrorAsInvalidRequest(CreateSitesApp):
    """Wrong error code: -32600 instead of -32602 for params errors (expected-outcome)."""

    def error(self, request_id: RequestId, error: RpcError) -> dict[str, Any]:
        reply = super().error(request_id, error)
        if error.code == -32602:
            reply["error"]["code"] = -32600
        return reply


@mutant(
    "field-not-dotted",
    rule="expected-outcome",
    shows="invalid widget_link.unexpected:additionalProperties",
)
class FieldNotDotted(CreateSitesApp):
    """Wrong data.field: a nested member named by its leaf, "url" (expected-outcome)."""

    def error(self, request_id: RequestId, error: RpcError) -> dict[str, Any]:
        if error.field is not None:
            error.field = error.field.rpartition(".")[2]
        return super().error(request_id, error)


@mutant("mnemonic-missing", rule="reply-schema", shows="protocol not-json")
class MnemonicMissing(CreateSitesApp):
    """error.data without the mnemonic (reply-schema)."""

    def error(self, request_id: RequestId, error: RpcError) -> dict[str, Any]:
        reply = super().error(request_id, error)
        del reply["error"]["data"]["mnemonic"]
        return reply


@mutant(
    "internal-error-on-astral",
    rule="expected-outcome",
    shows={
        "seed": "boundary widget_link.text:minLength/astral=1",
        "current": "boundary name:type/astral",
    },
)
class InternalErrorOnAstral(CreateSitesApp):
    """Emoji in any text: -32603 internal error for a valid request (expected-outcome)."""

    def create(self, params: dict[str, Any], owner: int) -> int:
        if any(ord(char) > 0xFFFF for text in _strings(params) for char in text):
            raise RpcError("internal_error", "a database column in UCS-2")
        return super().create(params, owner)


@mutant("result-and-error", rule="result-xor-error", shows="protocol not-json")
class ResultAndError(CreateSitesApp):
    """Error replies carry "result": null beside "error" (result-xor-error)."""

    def error(self, request_id: RequestId, error: RpcError) -> dict[str, Any]:
        return {**super().error(request_id, error), "result": None}


# --- protocol: envelope, method, token ----------------------------------------------------------


@mutant("any-method-creates", rule="expected-outcome", shows="protocol method-unknown")
class AnyMethodCreates(CreateSitesApp):
    """The method is not checked: create.site creates a site too (expected-outcome)."""

    def check_method(self, request: dict[str, Any]) -> None:
        return None


@mutant("any-token-accepted", rule="expected-outcome", shows="protocol token-wrong")
class AnyTokenAccepted(CreateSitesApp):
    """An unknown access_token accepted as the first customer's (expected-outcome)."""

    def authenticate(self, params: dict[str, Any]) -> Any:
        try:
            return super().authenticate(params)
        except RpcError:
            return self._tokens[0][1]


@mutant("missing-token-accepted", rule="expected-outcome", shows="protocol token-missing")
class MissingTokenAccepted(_Overlooks):
    """A request without access_token served as the first customer's (expected-outcome)."""

    def overlooks(self, violation: Violation, params: dict[str, Any]) -> bool:
        return violation.field == "access_token" and violation.keyword == "required"

    def authenticate(self, params: dict[str, Any]) -> Any:
        if "access_token" not in params:
            return self._tokens[0][1]
        return super().authenticate(params)


@mutant("empty-token-accepted", rule="expected-outcome", shows="invalid access_token:minLength")
class EmptyTokenAccepted(_Overlooks):
    """An empty access_token served as the first customer's (expected-outcome)."""

    # the page makes the token the caller's authentication: refusing an empty one is no
    # decision of the kit's, a default run judges it (which error it gets is: -32602 or -32001)

    def overlooks(self, violation: Violation, params: dict[str, Any]) -> bool:
        return violation.field == "access_token" and violation.keyword == "minLength"

    def authenticate(self, params: dict[str, Any]) -> Any:
        if params.get("access_token") == "":
            return self._tokens[0][1]
        return super().authenticate(params)


@mutant("jsonrpc-unchecked", rule="expected-outcome", shows="protocol jsonrpc-wrong")
class JsonrpcUnchecked(CreateSitesApp):
    """jsonrpc not checked: "1.0" or none served as 2.0 (expected-outcome)."""

    def check_envelope(self, request: Any) -> None:
        if isinstance(request, dict):
            request = {**request, "jsonrpc": "2.0"}
        super().check_envelope(request)


@mutant("falsy-id-is-notification", rule="expected-outcome", shows="protocol id-empty-string")
class FalsyIdIsNotification(CreateSitesApp):
    """Truthiness: id 0 or "" taken for a missing id, a notification (expected-outcome)."""

    def check_notification(self, request: dict[str, Any]) -> None:
        if not request.get("id"):
            raise RpcError("notifications_not_supported", "send an id with every request")


@mutant("notification-served", rule="expected-outcome", shows="protocol notification")
class NotificationServed(CreateSitesApp):
    """A notification creates a site, answered by a result with id null (expected-outcome)."""

    def check_notification(self, request: dict[str, Any]) -> None:
        return None


# --- replies: id, result ------------------------------------------------------------------------


@mutant("constant-id", rule="reply-id", shows="protocol id-string")
class ConstantId(CreateSitesApp):
    """The id not echoed: every success reply has id 1 (reply-id)."""

    def success(self, request_id: RequestId, site_id: int) -> dict[str, Any]:
        return super().success(1, site_id)


@mutant("numeric-string-id-as-integer", rule="reply-id", shows="protocol id-numeric-string")
class NumericStringIdAsInteger(CreateSitesApp):
    """A string id of digits ("1") echoed as the integer 1 (reply-id)."""

    def read_id(self, request: Any) -> RequestId:
        found = super().read_id(request)
        return int(found) if isinstance(found, str) and found.isdigit() else found


@mutant("big-id-as-float", rule="reply-id", shows="protocol id-beyond-double", strict=True)
class BigIdAsFloat(CreateSitesApp):
    """Ids held as doubles: 2**53 + 1 echoed as 9007199254740992.0 (reply-id)."""

    def read_id(self, request: Any) -> RequestId:
        found = super().read_id(request)
        return float(found) if type(found) is int and abs(found) > 2**53 else found


@mutant("integer-id-as-float", rule="reply-id", shows="protocol id-integer")
class IntegerIdAsFloat(CreateSitesApp):
    """Integer ids held as doubles: 7 echoed as 7.0 (reply-id)."""

    def read_id(self, request: Any) -> RequestId:
        found = super().read_id(request)
        return float(found) if type(found) is int and abs(found) <= 2**53 else found


@mutant("integer-id-as-boolean", rule="reply-id", shows="protocol id-zero")
class IntegerIdAsBoolean(CreateSitesApp):
    """Ids 1 and 0 echoed as true and false (reply-id)."""

    def read_id(self, request: Any) -> RequestId:
        found = super().read_id(request)
        return bool(found) if type(found) is int and found in (0, 1) else found


@mutant("string-result-id", rule="reply-schema", shows="protocol id-string", revisions=("seed",))
class StringResultId(CreateSitesApp):
    """result.id a string ("42"), not an integer (reply-schema)."""

    def success(self, request_id: RequestId, site_id: int) -> dict[str, Any]:
        reply = super().success(request_id, site_id)
        reply["result"]["id"] = str(site_id)
        return reply


@mutant("success-missing", rule="reply-schema", shows="protocol id-string", revisions=("seed",))
class SuccessMissing(CreateSitesApp):
    """result without success: true (reply-schema)."""

    def success(self, request_id: RequestId, site_id: int) -> dict[str, Any]:
        reply = super().success(request_id, site_id)
        del reply["result"]["success"]
        return reply


@mutant(
    "data-missing",
    rule="reply-schema",
    shows="protocol id-string",
    revisions=("current",),
    told_once=True,
)
class DataMissing(CreateSitesApp):
    """The seed's success shape under current: result.id, no result.data (reply-schema)."""

    def success(self, request_id: RequestId, site_id: int) -> dict[str, Any]:
        reply = super().success(request_id, site_id)
        reply["result"] = {"id": reply["result"]["data"]["id"], "success": True}
        return reply


@mutant("string-data-id", rule="reply-schema", shows="protocol id-string", revisions=("current",))
class StringDataId(CreateSitesApp):
    """result.data.id a string ("42"), not an integer (reply-schema)."""

    def success(self, request_id: RequestId, site_id: int) -> dict[str, Any]:
        reply = super().success(request_id, site_id)
        reply["result"]["data"]["id"] = str(site_id)
        return reply


@mutant(
    "seed-industries-accepted",
    rule="expected-outcome",
    shows="invalid industry_id:maximum",
    revisions=("current",),
)
class SeedIndustriesAccepted(CreateSitesApp):
    """The seed's 21 industries under current: industry_id 20 accepted (expected-outcome)."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        industry = params.get("industry_id")
        if type(industry) is int and industry in (20, 21):
            return super().validate_params({**params, "industry_id": 19}, role) and params
        return super().validate_params(params, role)


@mutant(
    "name-refused",
    rule="expected-outcome",
    shows="protocol id-string",
    revisions=("current",),
    told_once=True,
)
class NameRefused(CreateSitesApp):
    """A seed server under current: the optional name refused as unexpected (expected-outcome)."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        if "name" in params:
            raise RpcError("unexpected_parameters", "unexpected member", field="name")
        return super().validate_params(params, role)


@mutant("wrong-jsonrpc-in-reply", rule="jsonrpc-version", shows="protocol id-string")
class WrongJsonrpcInReply(CreateSitesApp):
    """Replies say "jsonrpc": "2", not "2.0" (jsonrpc-version)."""

    def encode(self, reply: dict[str, Any] | None) -> Response:
        return super().encode(None if reply is None else {**reply, "jsonrpc": "2"})


@mutant(
    "ids-per-industry", rule="distinct-result-ids", shows="boundary industry_id:minimum/inside=2"
)
class IdsPerIndustry(CreateSitesApp):
    """Site ids numbered per industry: two sites share an id (distinct-result-ids)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._counters: dict[int, int] = {}
        self._lock = threading.Lock()

    def create(self, params: dict[str, Any], owner: int) -> int:
        super().create(params, owner)
        with self._lock:
            industry = int(params["industry_id"])
            self._counters[industry] = self._counters.get(industry, 0) + 1
            return self._counters[industry]


class _KeepsDuplicates(CreateSitesApp):
    """Stores a refused duplicate anyway, under a name the store has not seen, where ``same``
    says two names are not one domain."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._names: set[tuple[int, str]] = set()
        self._copies = 0
        self._lock = threading.Lock()

    def same(self, seen: set[tuple[int, str]], owner: int, name: str) -> bool:
        raise NotImplementedError

    def create(self, params: dict[str, Any], owner: int) -> int:
        name = params["domain_name"]
        with self._lock:
            same = self.same(self._names, owner, name)
            self._names.add((owner, name))
            try:
                return super().create(params, owner)
            except RpcError as error:
                if error.mnemonic != "duplicate_entity" or same:
                    raise
                self._copies += 1
                return self.store.add(owner, f"{name}#{self._copies}", params)


@mutant("duplicates-accepted", rule="expected-outcome", shows="duplicates same-name")
class DuplicatesAccepted(_KeepsDuplicates):
    """A second site for one domain name created, not refused (expected-outcome)."""

    def same(self, seen: set[tuple[int, str]], owner: int, name: str) -> bool:
        return False


@mutant("duplicates-case-sensitive", rule="expected-outcome", shows="duplicates other-letter-case")
class DuplicatesCaseSensitive(_KeepsDuplicates):
    """Domain names compared case-sensitively: EXAMPLE.COM beside example.com (expected-outcome)."""

    def same(self, seen: set[tuple[int, str]], owner: int, name: str) -> bool:
        return (owner, name) in seen


# --- HTTP: status, content type, body, time -----------------------------------------------------


@mutant(
    "server-error-on-idn",
    rule="no-server-error",
    shows="boundary domain_name:format/label-63-octets-cyrillic",
)
class ServerErrorOnIdn(CreateSitesApp):
    """HTTP 500 for a valid request with a Cyrillic domain_name (no-server-error)."""

    def handle(self, body: bytes) -> Response:
        response = super().handle(body)
        try:
            domain = json.loads(body)["params"]["domain_name"]
        except (ValueError, TypeError, KeyError):
            return response
        created = "result" in json.loads(response.body)
        if created and isinstance(domain, str) and not domain.isascii():
            return Response(b'{"detail": "idna codec failed"}', status=500)
        return response


@mutant("html-parse-error", rule="http-200-json", shows="protocol not-json")
class HtmlParseError(CreateSitesApp):
    """Bodies that are not JSON get an HTML 400 page, not -32700 (http-200-json)."""

    def encode(self, reply: dict[str, Any] | None) -> Response:
        if reply is not None and "error" in reply and reply["error"]["code"] == -32700:
            page = b"<html><body><h1>400 Bad Request</h1></body></html>"
            return Response(page, status=400, content_type="text/html; charset=utf-8")
        return super().encode(reply)


@mutant("text-plain-replies", rule="http-200-json", shows="protocol id-string")
class TextPlainReplies(CreateSitesApp):
    """Every reply sent as text/plain, not application/json (http-200-json)."""

    def encode(self, reply: dict[str, Any] | None) -> Response:
        response = super().encode(reply)
        return Response(response.body, response.status, "text/plain; charset=utf-8")


@mutant("errors-with-http-400", rule="http-200-json", shows="protocol not-json", strict=True)
class ErrorsWithHttp400(CreateSitesApp):
    """Error replies sent with HTTP 400, REST style, not 200 (http-200-json)."""

    def encode(self, reply: dict[str, Any] | None) -> Response:
        response = super().encode(reply)
        if reply is not None and "error" in reply:
            return Response(response.body, 400, response.content_type)
        return response


@mutant("batch-crashes", rule="no-server-error", shows="protocol batch")
class BatchCrashes(CreateSitesApp):
    """A batch (JSON array) crashes the handler: HTTP 500, plain text (no-server-error)."""

    def handle(self, body: bytes) -> Response:
        if body.lstrip().startswith(b"["):
            return Response(b"Internal Server Error", 500, "text/plain")
        return super().handle(body)


@mutant(
    "hangs-on-long-text",
    rule="answer-in-time",
    shows="boundary widget_link.text:maxLength/ascii=100",
)
class HangsOnLongText(CreateSitesApp):
    """widget_link.text of 100 characters: no answer in time (answer-in-time)."""

    #: how long a hanging request waits at most, should ``close`` never be called
    HANG_SECONDS: Final = 60.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._released = threading.Event()

    def create(self, params: dict[str, Any], owner: int) -> int:
        text = _link_text(params)
        if text is not None and len(text) >= 100 and self._released.wait(self.HANG_SECONDS):
            # released by close(): the store is closing too, and the client gave up long ago
            raise RpcError("internal_error", "the server is stopping")
        return super().create(params, owner)

    def close(self) -> None:
        """End every hanging request (called before the server stops)."""
        self._released.set()


# --- robustness: what a parser, a type or a database chokes on ---------------------------------


@mutant("echoes-nan-id", rule="body-parses", shows="robustness id:non-finite/NaN")
class EchoesNanId(CreateSitesApp):
    """A bare NaN read as a number (json.loads) and echoed as the id: no JSON (body-parses)."""

    def parse(self, body: bytes) -> Any:
        try:
            return json.loads(decode(body))  # Python's default: NaN and Infinity read as floats
        except (PayloadError, ValueError) as error:
            raise RpcError("parse_error", str(error)) from None

    def read_id(self, request: Any) -> RequestId:
        sent = request.get("id") if isinstance(request, dict) else None
        if isinstance(sent, float) and not math.isfinite(sent):
            return sent
        return super().read_id(request)

    def encode(self, reply: dict[str, Any] | None) -> Response:
        if reply is None:
            return super().encode(reply)
        return Response(json.dumps(reply, separators=(",", ":")).encode("ascii"))


@mutant(
    "int64-overflow-crashes",
    rule="expected-outcome",
    shows="robustness default_scenario_id:big-integer/2^63",
)
class Int64OverflowCrashes(CreateSitesApp):
    """Integer params packed as int64 first: 2**63 answered -32603 (expected-outcome)."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        for value in params.values():
            if isinstance(value, int) and not isinstance(value, bool):
                struct.pack("<q", value)  # struct.error past 64 bits: an internal error
        return super().validate_params(params, role)


@mutant(
    "lone-surrogate-crashes",
    rule="expected-outcome",
    shows="robustness domain_name:lone-surrogate/escaped",
)
class LoneSurrogateCrashes(CreateSitesApp):
    """Params logged as UTF-8 first: a lone surrogate U+D800 answered -32603 (expected-outcome)."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        json.dumps(params, ensure_ascii=False).encode("utf-8")  # UnicodeEncodeError
        return super().validate_params(params, role)
