"""The deterministic families of cases, derived from the schemas: boundary, invalid, protocol,
references.

A ``Case`` is what the runner sends (a JSON payload, or raw bytes for bodies that are not JSON)
and what a conforming server must answer (an ``Expectation``). Cases are built from a valid
base request whose values come from the schemas themselves (``default``, ``examples``, a bound,
the first ``const``), then changed in one place:

- boundary: each numeric bound and its neighbour inside, each ``oneOf``/``enum`` edge, each
  length bound met exactly in ASCII, Cyrillic and astral text, each optional member alone;
- invalid: the base broken in exactly one way, labelled ``field:keyword`` (``widget_link.text:
  maxLength``), and kept only where the validator rejects it with a violation of that field
  alone, so that no field needs special handling here;
- protocol: the JSON-RPC envelope and transport broken (not JSON, a batch, a notification, ids
  of every JSON type, a wrong or missing token, ...);
- references: entity ids the target may or may not know, where success and -32602 both conform;
- duplicates: a site created, then created again for the same caller, as sent and with its
  domain name in another letter case (host names are case-insensitive, RFC 4343): the second
  and third are refused with -32602 ``duplicate_entity`` at ``domain_name``.

Every family follows the revision the ``Base`` was made for, from its schemas alone.

Nothing here draws from hypothesis's engine: the same arguments give the same cases.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
import json
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import field as field_
from typing import Any, Final, Literal

from conformance.contract import DEFAULT_REVISION, ROLES
from conformance.errors import ArgumentError
from conformance.generation.schema_tree import Node, node_validator, schema_types, tree
from conformance.generation.zones import FORMAT_ZONES
from conformance.validation.validator import best_match, validator_for
from conformance.validation.violations import DEFAULT_MNEMONIC, MNEMONIC_BY_KEYWORD

#: The probe of which param structure (by name, by position) a method takes.
STRUCTURE_FAMILY: Final = "structure"

FAMILIES: Final = (
    "valid",
    "boundary",
    "invalid",
    "protocol",
    "references",
    "duplicates",
    "robustness",
)

#: The mnemonics of params errors (-32602) a server may answer an invalid request with.
PARAMS_MNEMONICS: Final = frozenset(
    {*MNEMONIC_BY_KEYWORD.values(), DEFAULT_MNEMONIC, "invalid_parameters_combination"}
)

#: Text of a length bound is written in each of these scripts: a server that counts bytes or
#: UTF-16 units instead of code points gets the Cyrillic or astral case wrong.
SCRIPTS: Final = {"ascii": "a", "cyrillic": "ж", "astral": "\U0001f600"}

#: Characters a pattern that refuses ASCII white space still allows, sent inside each such
#: string as must-accept: no-break space and ideographic space (both category Zs).
NEAR_MISS_CHARACTERS: Final = ("\u00a0", "\u3000")

#: The member a real server keeps unique (a second site for a domain is refused): the runner
#: makes it unique in every request it sends, see ``conformance.engine.runner.unique_domain``.
UNIQUE_MEMBER: Final = "domain_name"

#: The name an unexpected member is added under.
UNEXPECTED_MEMBER: Final = "unexpected"

ABSENT: Final = object()


#: What a conforming server does with a case (see ``Expectation``).
Outcome = Literal[
    "success",
    "error",
    "success_or_params_error",
    "batch_or_error",
    "notification_or_error",
    "robust",
    "success_or_application_error",
]

#: What a reply's id must be: the request's (``echo``), ``null``, or either; ``any``: any id
#: (a string, a number or null), where the request's is a number no parser need hold exactly
#: (RFC 8259 section 6: an integer past 2^53 is not interoperable).
ReplyId = Literal["echo", "null", "echo_or_null", "any"]

#: How a case's unique member is sent: as made, or upper-cased (``"upper"``).
DomainCase = Literal["", "upper"]


@dataclass(frozen=True)
class Expectation:
    """What a conforming server answers a case with.

    ``outcome``: ``success``; ``error`` (``codes``, and ``mnemonics`` and ``field`` where
    given); ``success_or_params_error``; ``batch_or_error`` / ``notification_or_error``,
    where the vendor's -32099 error and plain JSON-RPC 2.0's behaviour both conform; or
    ``robust``: where neither the contract nor JSON-RPC 2.0 decides, any well-formed reply
    but an internal error (-32603); ``success_or_application_error``: a request a document's
    schemas accept, sent to a server whose state the run does not know: a success, or an
    error of the application (``codes``, the document's, a server error, or any code outside
    the range JSON-RPC 2.0 reserves), never one of JSON-RPC 2.0's own.
    ``reply_id``: ``echo`` (the request's id), ``null``, ``echo_or_null`` or ``any``.
    """

    outcome: Outcome
    codes: tuple[int, ...] = ()
    mnemonics: frozenset[str] | None = None
    field: str | None = None
    reply_id: ReplyId = "echo"
    #: what the verdict stands on (the method page, JSON-RPC 2.0, a standard, or the kit's
    #: decision); empty: the family's (``FAMILY_BASIS``)
    basis: str = field_(default="", compare=False)


SUCCESS: Final = Expectation("success")


@dataclass(frozen=True)
class Case:
    """One request to send and the reply it must get.

    ``label`` is the rule the case is about (``widget_link.text:maxLength``); ``name`` is unique
    in its family (the label, plus the variant where a label has several cases). ``payload`` is
    sent as JSON unless ``body`` (raw bytes) is given. ``unique_domain``: the runner makes the
    domain name unique at send time (not for cases about the domain name being broken).
    ``splices``: text no JSON encoder writes (a bare ``NaN``, ``1e400``, a lone surrogate, a
    duplicate key), as ``(marker, raw)``: the payload holds the string ``marker`` (made by
    ``marker()``) and the body sent has ``raw`` where the marker's JSON text stood, so that the
    runner still puts the token and the unique domain name in place.
    """

    family: str
    label: str
    name: str
    expect: Expectation
    payload: Any = None
    body: bytes | None = None
    unique_domain: bool = True
    headers: Mapping[str, str] = field(default_factory=dict)
    #: cases with one key get one unique domain name (the duplicates family sends one site
    #: three times); ``domain_case`` ``"upper"`` sends that name upper-cased
    domain_key: str | None = None
    domain_case: DomainCase = ""
    splices: tuple[tuple[str, bytes], ...] = ()
    #: the expectation ``--strict`` judges by, where ``expect`` leaves a decision of the kit
    #: unjudged (``conformance.generation.decisions``)
    strict: Expectation | None = None

    def judged(self, strict: bool) -> Case:
        """The case as a run judges it: with its strict expectation under ``--strict``."""
        if strict and self.strict is not None:
            return dataclasses.replace(self, expect=self.strict, strict=None)
        return self

    @property
    def test_id(self) -> str:
        """The pytest-style id: ``test_invalid_rejected[widget_link.text:maxLength]``."""
        return test_id(self.family, self.label)


def test_id(family: str, label: str) -> str:
    """The id of the test of one rule: a report names the rule, whichever variant broke it."""
    return f"{TEST_NAMES[family]}[{label}]"


TEST_NAMES: Final = {
    "valid": "test_valid_accepted",
    "boundary": "test_boundary_accepted",
    "invalid": "test_invalid_rejected",
    "protocol": "test_protocol",
    "references": "test_references",
    "duplicates": "test_duplicate_refused",
    "robustness": "test_robust",
    # not a family the user picks: the probe of the param structure a method takes
    # (``conformance.openrpc.structure``), in an OpenRPC document's run
    STRUCTURE_FAMILY: "test_param_structure",
}

#: What each family's verdicts stand on, where a case names nothing narrower.
FAMILY_BASIS: Final = {
    "valid": "the schemas (the method page): a request they accept succeeds",
    "boundary": "the schemas (the method page): a value at a bound they accept succeeds",
    "invalid": "the schemas (the method page): params they refuse are invalid params (-32602)",
    "protocol": "JSON-RPC 2.0 (the Request object, Parse error and Invalid Request)",
    "references": "the Data API's errors for create methods: an id that names nothing is "
    "entity_not_found (-32602)",
    "duplicates": "the Data API's errors for create methods (duplicate_entity) and RFC 4343 "
    "(host names are case-insensitive)",
    "robustness": "robustness: JSON-RPC 2.0 (a Response object for every request) and RFC 8259 "
    "(NaN and Infinity are not JSON: -32700)",
}

#: The error a second site for one domain name gets (the vendor's errors for create methods).
DUPLICATE_MNEMONIC: Final = "duplicate_entity"


# --- walking the params tree ------------------------------------------------------------------


def members(node: Node, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Node]]:
    """Every member below an object node, depth first, in the schema's order, with its path."""
    for name, child in node.get("properties", {}).items():
        yield (*prefix, name), child
        yield from members(child, (*prefix, name))


def marker(index: int) -> str:
    """The string a payload holds where a case splices raw text in (``Case.splices``): private
    use characters around a number, which no schema's value holds and JSON writes as is."""
    return f"\ue000splice-{index}\ue000"


def _dotted(path: Sequence[str]) -> str:
    return ".".join(path)


def _is_required(params: Node, path: Sequence[str]) -> bool:
    node = params
    for name in path[:-1]:
        node = node["properties"][name]
    return path[-1] in node.get("required", ())


def _get(params: Mapping[str, Any], path: Sequence[str]) -> Any:
    node: Any = params
    for name in path:
        if not isinstance(node, Mapping) or name not in node:
            return ABSENT
        node = node[name]
    return node


def member_value(base: Base, dotted: str) -> Any:
    """The base request's value of the params member at ``dotted`` (``ABSENT`` if it has none)."""
    return _get(base.complete, dotted.split("."))


def _with(params: Mapping[str, Any], path: Sequence[str], value: Any) -> dict[str, Any]:
    """A copy of ``params`` with the member at ``path`` set to ``value`` (or removed: ABSENT).

    Only the objects along ``path`` are copied; the members beside them are shared with
    ``params``, as nothing changes a case's payload once it is made (a deep copy of the
    whole request for each case was a third of the Ethereum document's plan time)."""
    result = dict(params)
    node = result
    for name in path[:-1]:
        child = node.get(name)
        # a parent the base left out (or gave another value): an empty object, so the case
        # is still made; the families keep it only where the validator agrees
        node[name] = dict(child) if isinstance(child, dict) else {}
        node = node[name]
    if value is ABSENT:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return result


# --- values taken from the schemas --------------------------------------------------------------


def _shortest_match(node: Node) -> Any:
    """The simplest value hypothesis finds for ``node``: for a pattern with no example given."""
    from hypothesis import HealthCheck, Phase, find, settings

    from conformance.generation.strategies import instances

    # no explain phase: it reruns the search for nothing here (2 s a pattern on this machine)
    chosen = settings(
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.shrink),
    )
    return find(instances(node), lambda _: True, settings=chosen)


def sample(node: Node, *, complete: bool) -> Any:
    """A valid value of ``node`` read from the schema: its ``default``, first example, first
    constant, lower bound; objects with every member (``complete``) or the required ones."""
    is_valid = node_validator(node)
    for keyword in ("const", "default"):
        if keyword in node and is_valid(node[keyword]):
            return node[keyword]
    for candidate in [*node.get("examples", ()), *node.get("enum", ())]:
        if is_valid(candidate):
            return candidate
    for branch in node.get("oneOf", node.get("anyOf", ())):
        candidate = sample(
            {**{k: v for k, v in node.items() if k not in ("oneOf", "anyOf")}, **branch},
            complete=complete,
        )
        if is_valid(candidate):
            return candidate
    types = schema_types(node)
    if "object" in types:
        wanted = node.get("properties", {})
        return {
            name: sample(child, complete=complete)
            for name, child in wanted.items()
            if complete or name in node.get("required", ())
        }
    if "integer" in types or "number" in types:
        low, high = node.get("minimum"), node.get("maximum")
        return low if low is not None else min(0, high) if high is not None else 0
    if "boolean" in types:
        return True
    if "string" in types:
        # a letter at least: an empty text is what servers refuse beyond their schemas
        plain = SCRIPTS["ascii"] * (node.get("minLength") or 1)
        return plain if is_valid(plain) else _shortest_match(node)
    if "null" in types:
        return None
    if "array" in types:
        array = _array_sample(node, complete)
        if array is not None and is_valid(array):
            return array
    return _shortest_match(node)


def _array_sample(node: Node, complete: bool) -> list[Any] | None:
    """The shortest array ``node`` allows, read from its item schemas (``prefixItems``, then
    ``items``; a document's draft-07 tuple is read as 2020-12's), or None where an item
    schema is not an object. hypothesis's search for it shrinks an array item by item: 0.3 s
    for one of 32 fixed items (lotus's hashes), about 40 of them in a lotus document."""
    prefix, rest = node.get("prefixItems", []), node.get("items")
    rest = {} if rest is None or rest is True else rest  # any item: None will do
    # an array and an int: a document is checked against its meta-schema, its counts read as
    # ints (conformance.openrpc.document), and the bundled schemas are written so
    length = node.get("minItems", 0)
    schemas = prefix[:length]
    if not all(isinstance(schema, Mapping) for schema in schemas):
        return None
    values = [sample(schema, complete=complete) for schema in schemas]
    if len(values) < length:
        if not isinstance(rest, Mapping):
            return None
        filler = None if not rest else sample(rest, complete=complete)
        values += [filler] * (length - len(values))
    return values


def stretched(value: str, length: int, char: str) -> Iterator[str]:
    """Strings of exactly ``length`` code points made of ``char``, plainly or grown around a
    valid ``value`` in blocks cut by the separators ``value`` itself uses (``.``, ``/``), so
    that a patterned value keeps its shape. Candidates only: the validator picks."""
    yield char * length
    if len(value) > length:
        yield value[:length]
        return
    need = length - len(value)
    separators = list(dict.fromkeys(c for c in value if not c.isalnum()))
    for separator in separators:
        # every even split, fewest blocks first (the longest: a DNS label's 63 octets or a
        # pattern's fixed block size is met by one of them); a block holds a letter at least
        for count in itertools.count(1):
            letters = need - count * len(separator)
            if letters < count:
                break
            sizes = [letters // count + (i < letters % count) for i in range(count)]
            filler = [char * size for size in sizes]
            yield "".join(part + separator for part in filler) + value
            yield value + "".join(separator + part for part in filler)


# --- the families -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """The valid requests the deterministic cases start from, for one role and target."""

    role: str
    params_tree: Node
    complete: dict[str, Any]
    minimal: dict[str, Any]
    fixed: Mapping[str, Any]
    omitted: tuple[str, ...]
    revision: str = DEFAULT_REVISION

    def request(self, params: Mapping[str, Any], request_id: Any = 1) -> dict[str, Any]:
        """A request around ``params``, with the envelope's values read from the schema."""
        envelope = tree("request", self.role, self.revision)["properties"]
        given = {"params": params, "id": request_id}
        return {
            name: given[name] if name in given else sample(child, complete=True)
            for name, child in envelope.items()
        }

    def params_valid(self, params: Any) -> bool:
        return validator_for("params", self.role, revision=self.revision).is_valid(params)

    def violations(self, params: Any) -> list[tuple[str, str]]:
        """``(field, keyword)`` of each way ``params`` breaks the params schema (the invalid
        family keeps a case only where every violation is of one field); a subclass over
        another params schema (``conformance.openrpc.generation``) overrides this."""
        validator = validator_for("params", self.role, revision=self.revision)
        return [(v.field, v.keyword) for v in validator.iter_errors(params)]


def base(
    role: str = "customer",
    *,
    fixed: Mapping[str, Any] | None = None,
    omitted: Sequence[str] = (),
    revision: str = DEFAULT_REVISION,
) -> Base:
    """The base requests: every member (``complete``) and only the required ones (``minimal``),
    with ``fixed`` members (dotted params paths: the token, known ids) set and ``omitted`` ones
    left out."""
    if role not in ROLES:
        raise ArgumentError(f"Expected role in {ROLES} but got role={role!r}")
    fixed = dict(fixed or {})
    params_tree = tree("params", role, revision)
    complete = sample(params_tree, complete=True)
    minimal = sample(params_tree, complete=False)
    for path in omitted:
        if _is_required(params_tree, path.split(".")):
            raise ArgumentError(f"{path!r} is required for role={role!r}; a value must be given")
        complete = _with(complete, path.split("."), ABSENT)
    for path, value in fixed.items():
        complete = _with(complete, path.split("."), value)
        if _is_required(params_tree, path.split(".")):
            minimal = _with(minimal, path.split("."), value)
    result = Base(role, params_tree, complete, minimal, fixed, tuple(omitted), revision)
    validator = validator_for("params", role, revision=revision)
    for params in (complete, minimal):
        worst = best_match(validator.iter_errors(params))
        if worst is not None:  # a value the user gave (--user-id, --scenario-id) the schema refuses
            raise ArgumentError(f"the values given make every request invalid: {worst.message}")
    return result


def _untouchable(base: Base, path: Sequence[str]) -> bool:
    dotted = _dotted(path)
    return any(dotted == p or dotted.startswith(p + ".") for p in (*base.fixed, *base.omitted))


def boundary_cases(base: Base) -> list[Case]:
    """Valid requests at every bound the schemas state, and each optional member alone."""
    cases: list[Case] = []
    seen: set[str] = set()

    def add(label: str, variant: str, params: dict[str, Any]) -> None:
        name = f"{label}/{variant}"
        if name in seen or not base.params_valid(params):
            return
        seen.add(name)
        cases.append(
            Case("boundary", label, name, SUCCESS, base.request(params), unique_domain=True)
        )

    for path, node in members(base.params_tree):
        if _untouchable(base, path):
            continue
        dotted = _dotted(path)
        put = functools.partial(_with, base.complete, path)
        for keyword, step in (("minimum", 1), ("maximum", -1)):
            bound = node.get(keyword)
            if bound is not None:
                add(f"{dotted}:{keyword}", f"at={bound}", put(bound))
                add(f"{dotted}:{keyword}", f"inside={bound + step}", put(bound + step))
        for keyword in ("oneOf", "anyOf", "enum"):
            choices = node.get(keyword)
            if not choices:
                continue
            edges = [c.get("const") if isinstance(c, Mapping) else c for c in choices]
            for variant, value in (("first", edges[0]), ("last", edges[-1])):
                if value is not None:
                    add(f"{dotted}:{keyword}", f"{variant}={value}", put(value))
        if "boolean" in schema_types(node):
            for value in (False, True):
                add(f"{dotted}:type", f"{json.dumps(value)}", put(value))
        current = _get(base.complete, path)
        zone = FORMAT_ZONES.get(node.get("format", ""))
        for variant, text in zone.boundary if zone else ():
            add(f"{dotted}:format", variant, put(text))
        if "pattern" in node and "format" not in node and isinstance(current, str):
            # white space that is not ASCII white space: what a pattern's class of "no white
            # space" lets through, and a hand-written check too easily refuses
            for char in NEAR_MISS_CHARACTERS:
                middle = len(current) // 2
                add(
                    f"{dotted}:pattern",
                    f"U+{ord(char):04X}",
                    put(current[:middle] + char + current[middle:]),
                )
        if _free_text(node) and isinstance(current, str):
            # text the schema bounds in no way is any text: letters past Latin-1 and astral
            # characters, which a Latin-1 or three-byte UTF-8 column refuses, are sent for sure
            # rather than left to the valid family's draws
            for script, char in SCRIPTS.items():
                if script != "ascii":
                    add(f"{dotted}:type", script, put(char * max(node.get("minLength", 0), 3)))
        for keyword in ("minLength", "maxLength"):
            length = node.get(keyword)
            if length is None or not isinstance(current, str):
                continue
            for script, char in SCRIPTS.items():
                # a case named for a script holds its letters: the example cut to length (a
                # candidate for ASCII) is no Cyrillic text, and the base request sends it anyway
                taken = (
                    candidate
                    for candidate in stretched(current, length, char)
                    if _written_in(script, candidate) and node_validator(node)(candidate)
                )
                found = next(taken, None)
                if found is not None:
                    add(f"{dotted}:{keyword}", f"{script}={length}", put(found))
        if not _is_required(base.params_tree, path):
            parent = path[:-1]
            alone = base.minimal
            if _get(alone, parent) is ABSENT:  # a top-level member's parent is the params
                alone = _with(
                    alone, parent, sample(node_at(base.params_tree, parent), complete=False)
                )
            add(f"{dotted}:optional", "alone", _with(alone, path, _get(base.complete, path)))
    add("params:required", "only", copy.deepcopy(base.minimal))
    add("params:properties", "all", copy.deepcopy(base.complete))
    return cases


def _written_in(script: str, text: str) -> bool:
    """``text`` is in ``script`` (a key of ``SCRIPTS``): all ASCII, or holding its letter."""
    return text.isascii() if script == "ascii" else SCRIPTS[script] in text


def _free_text(node: Node) -> bool:
    """A string member the schema says nothing more of: no pattern, format, choice or maximum
    length (a maximum gets its own cases in every script, at the bound)."""
    return schema_types(node) == ["string"] and not any(
        keyword in node for keyword in ("pattern", "format", "enum", "const", "maxLength")
    )


def node_at(params_tree: Node, path: Sequence[str]) -> Node:
    """The schema node of the member at ``path`` (KeyError where the tree names none)."""
    node = params_tree
    for name in path:
        node = node["properties"][name]
    return node


def _wrong_types(value: Any) -> list[tuple[str, Any]]:
    """Values of other JSON types that real clients send in place of ``value``."""
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    candidates: list[tuple[str, Any]] = [("string", text), ("null", None)]
    if isinstance(value, bool):
        candidates += [(f"integer-{number}", number) for number in (int(value), 1 - int(value))]
    elif isinstance(value, int):
        candidates += [("boolean", True), ("float", value + 0.5)]
    elif isinstance(value, str):
        candidates += [("integer", 5), ("boolean", True), ("array", [value])]
    elif isinstance(value, dict):
        candidates += [("array", [value]), ("boolean", True)]
    return candidates


#: Ways real clients get a string wrong: a scheme put in front, white space, a sign or letter
#: inserted, a trailing newline, an emptied value.
def _string_mutations(value: str) -> list[tuple[str, str]]:
    middle = len(value) // 2
    return [
        ("scheme", "https://" + value),
        ("space-inside", value[:middle] + " " + value[middle:]),
        ("space-around", f" {value} "),
        ("plus", "+" + value),
        ("letter", value[:middle] + "x" + value[middle:]),
        ("letter-first", "x" + value),
        ("newline", value + "\n"),
        ("empty", ""),
    ]


def invalid_cases(base: Base, references: Sequence[str] = ()) -> list[Case]:
    """The base request broken in exactly one way, each labelled with the rule it breaks.

    The ``references`` (members that name entities) are left out of the range cases: their
    bounds are the contract's decision, not the page's, and an id out of range may as well be
    "not found"; ``reference_cases`` sends them, where success and -32602 both conform."""
    cases: list[Case] = []
    seen: set[str] = set()
    by_label: dict[str, int] = {}

    def add(dotted: str, variant: str, params: dict[str, Any], wanted: str | None) -> None:
        violations = base.violations(params)
        if not violations or any(field != dotted for field, _ in violations):
            return  # valid, or broken in more places than one
        keywords = [keyword for _, keyword in violations]
        keyword = wanted if wanted in keywords else keywords[0]
        key = json.dumps([dotted, keyword, params], sort_keys=True, default=repr)
        if key in seen:
            return
        seen.add(key)
        label = f"{dotted}:{keyword}"
        by_label[label] = by_label.get(label, 0) + 1
        expect = Expectation("error", (-32602,), PARAMS_MNEMONICS, dotted)
        cases.append(
            Case(
                "invalid",
                label,
                f"{label}/{variant}",
                expect,
                base.request(params),
                unique_domain=dotted != UNIQUE_MEMBER,
            )
        )

    for path, node in members(base.params_tree):
        dotted = _dotted(path)
        current = _get(base.complete, path)
        if current is ABSENT:
            current = sample(node, complete=False)
        put = functools.partial(_with, base.complete, path)
        required = _is_required(base.params_tree, path)
        for variant, value in _wrong_types(current):
            if value is None and not required:
                continue  # contested: pydantic's `X | None = None` takes null as absent
            add(dotted, variant, put(value), "type")
        for keyword, step in (("minimum", -1), ("maximum", 1)):
            bound = node.get(keyword)
            if bound is not None and dotted not in references:
                add(dotted, f"{bound + step}", put(bound + step), keyword)
        for keyword in ("oneOf", "anyOf", "enum"):
            choices = [
                c.get("const") if isinstance(c, Mapping) else c for c in node.get(keyword, ())
            ]
            for choice in choices:
                if isinstance(choice, int) and not isinstance(choice, bool):
                    relaxed = node_validator({k: v for k, v in node.items() if k != keyword})
                    for near in (choice - 1, choice + 1):
                        # only values that nothing but the list of choices refuses
                        if near not in choices and relaxed(near):
                            add(dotted, f"{near}", put(near), keyword)
        if isinstance(current, str):
            if node.get("minLength"):
                text = SCRIPTS["ascii"] * (node["minLength"] - 1)
                add(dotted, f"ascii={len(text)}", put(text), "minLength")
            if node.get("maxLength") is not None:
                for script, char in SCRIPTS.items():
                    for text in stretched(current, node["maxLength"] + 1, char):
                        if len(text) == node["maxLength"] + 1 and _only_too_long(node, text):
                            add(dotted, f"{script}={len(text)}", put(text), "maxLength")
                            break
            zone = FORMAT_ZONES.get(node.get("format", ""))
            if zone is not None:
                # only values the strict parsers refuse too: the generic mutations below
                # include some that real parsers repair (spaces around a URL)
                for variant, text in zone.invalid:
                    add(dotted, variant, put(text), "format")
            else:
                for variant, text in _string_mutations(current):
                    add(dotted, variant, put(text), "pattern")
        # a required member with a default is contested when omitted: the page says both
        if required and "default" not in node:
            add(dotted, "removed", put(ABSENT), "required")
        # a member the object does not name, kept where the schema refuses it (add() drops
        # it elsewhere): additionalProperties false, or a schema the value 1 breaks
        if isinstance(current, dict):
            add(
                f"{dotted}.{UNEXPECTED_MEMBER}",
                "added",
                put({**current, UNEXPECTED_MEMBER: 1}),
                None,
            )
    add(UNEXPECTED_MEMBER, "added", {**base.complete, UNEXPECTED_MEMBER: 1}, None)
    # a label with one case is named by the label alone
    return [dataclasses.replace(c, name=c.label) if by_label[c.label] == 1 else c for c in cases]


def _only_too_long(node: Node, text: str) -> bool:
    """Whether ``text`` breaks ``node`` by its length alone."""
    relaxed = {key: value for key, value in node.items() if key != "maxLength"}
    return node_validator(relaxed)(text)


def _error(codes: tuple[int, ...], reply_id: ReplyId = "echo", **kwargs: Any) -> Expectation:
    return Expectation("error", codes, reply_id=reply_id, **kwargs)


PARSE_ERROR: Final = _error((-32700,), "null")
INVALID_REQUEST: Final = _error((-32600,), "echo_or_null")
INVALID_REQUEST_NO_ID: Final = _error((-32600,), "null")


def reference_cases(base: Base, references: Sequence[str], seed: int, count: int = 3) -> list[Case]:
    """Requests naming entity ids the target may not know: at each bound, ``count`` random ones
    and one past each bound; success and a -32602 error both conform."""
    rng = random.Random(seed)
    # entity errors (entity_not_found, ...) are -32602 too, but not params mnemonics
    expect = Expectation("success_or_params_error", (-32602,))
    cases: list[Case] = []
    for dotted in references:
        path = dotted.split(".")
        node = node_at(base.params_tree, path)
        low = node.get("minimum", 1)
        high = node.get("maximum", low + 10**6)
        values = [low, high, *(rng.randint(low, high) for _ in range(count)), low - 1, high + 1]
        for value in dict.fromkeys(values):
            params = _with(base.complete, path, value)
            name = f"{dotted}={value}"
            cases.append(Case("references", name, name, expect, base.request(params)))
    return cases


def duplicate_cases(base: Base) -> list[Case]:
    """One site created, then created again for the same caller: as sent, and with the domain
    name in another letter case. The first must succeed, the others be refused as duplicates.

    A name's U-label and A-label forms (пример.рф, xn--e1afmkfd.xn--p1ai) name one host too,
    but whether a server compares them is contested (``conformance.generation.zones.CONTESTED``)."""
    request = base.request(base.complete)
    refused = Expectation("error", (-32602,), frozenset({DUPLICATE_MNEMONIC}), UNIQUE_MEMBER)
    # one label: the three go out in order, in one test (one pytest-xdist worker)
    key = label = UNIQUE_MEMBER
    return [
        Case("duplicates", label, "created", SUCCESS, request, domain_key=key),
        Case("duplicates", label, "same-name", refused, request, domain_key=key),
        Case(
            "duplicates",
            label,
            "other-letter-case",
            refused,
            request,
            domain_key=key,
            domain_case="upper",
        ),
    ]
