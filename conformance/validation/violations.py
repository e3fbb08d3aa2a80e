"""One typed violation of the contract, and the words that explain it to a person.

A ``Violation`` is an immutable value: every reporter (text, JSON, GitHub annotations, the
reference server's error replies, the runner's labels) reads it and recomputes nothing.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from conformance.validation.masking import MASK, is_secret_path

MISSING: Final = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
"""The value of ``Violation.instance`` where the offending member is absent (``required``)."""

#: How the vendor names each kind of params error (``error.data.mnemonic``).
MNEMONIC_BY_KEYWORD: Final = {
    "required": "required_parameter_missed",
    "additionalProperties": "unexpected_parameters",
    "type": "data_type_error",
}
DEFAULT_MNEMONIC: Final = "invalid_parameter_value"

#: Combinators whose failure only restates what a sibling keyword says better.
WEAK_KEYWORDS: Final = frozenset({"oneOf", "anyOf", "allOf", "not"})

#: The annotation naming each value of a numbered member (``industry_id``): ``{"1": "..."}``.
#: Validators in other languages ignore it; ajv's strict mode takes it once declared
#: (``ajv.addKeyword("x-labels")``). A ``oneOf`` of titled ``const``s said the same, but made
#: the engine try every branch on each bad value (most of an error's cost).
LABELS_KEYWORD: Final = "x-labels"

_KEYWORD_RANK: Final = {"required": 0, "additionalProperties": 1, "type": 2}


def _pointer_token(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Violation:
    """One way a payload breaks the contract.

    ``path`` locates the offending member from the payload's root (for ``required``, where the
    missing member belongs; for ``additionalProperties``, the unexpected member itself).
    ``keyword`` is the schema keyword that failed and ``schema_path`` where it stands
    (``params.schema.json#/properties/industry_id/maximum``). ``instance`` is the offending
    value, or ``MISSING``; a secret in it (the access token, by its member's name, a near
    miss of it, or inside the value) is ``***`` unless the validator was made with
    ``show_secrets``.
    """

    path: tuple[str | int, ...]
    keyword: str
    schema_path: str
    instance: Any
    message: str
    #: position of the member in the schema's property order, for a stable ranking
    order: int = field(default=1 << 30, compare=False, repr=False)

    @property
    def field(self) -> str:
        """The dotted name of the offending member (``widget_link.text``); ``""`` for the root."""
        return ".".join(str(part) for part in self.path)

    @property
    def pointer(self) -> str:
        """The JSON pointer of the offending member (``/widget_link/text``)."""
        return "".join("/" + _pointer_token(part) for part in self.path)

    @property
    def mnemonic(self) -> str:
        """The vendor's ``error.data.mnemonic`` for this violation of params."""
        return MNEMONIC_BY_KEYWORD.get(self.keyword, DEFAULT_MNEMONIC)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (``instance`` is masked where it is made)."""
        result: dict[str, Any] = {
            "field": self.field,
            "pointer": self.pointer,
            "keyword": self.keyword,
            "schema_path": self.schema_path,
            "mnemonic": self.mnemonic,
            "message": self.message,
        }
        if self.instance is not MISSING:
            result["value"] = self.instance
        return result


def relevance(violation: Violation) -> tuple[int, int, int, str, str]:
    """The default ranking key: lower is more relevant.

    Combinators last; then missing members, unexpected members, wrong types and wrong values,
    in that order (the order a server checks them in); then the member's place in the schema.
    """
    return (
        violation.keyword in WEAK_KEYWORDS,
        _KEYWORD_RANK.get(violation.keyword, 3),
        violation.order,
        violation.field,
        violation.keyword,
    )


# --- messages ------------------------------------------------------------------------------

_TYPE_WORDS: Final = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "a JSON boolean (true or false)",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


def json_type(value: Any) -> str:
    """The JSON type name of a Python value decoded from JSON."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    return "object"


#: A string as JSON text, as ``json.dumps(..., ensure_ascii=False)`` writes it.
_json_string: Final[Callable[[str], str]] = json.encoder.encode_basestring


def _unprintable(value: Any) -> str:
    """What a message shows for a value JSON cannot write (an integer past Python's digit
    limit, a value nested too deeply, an object of another kind)."""
    try:
        return repr(value)
    except (ValueError, RecursionError):
        return f"<{json_type(value)} too large to print>"


def show(value: Any, path: Sequence[str | int] = (), limit: int = 60) -> str:
    """``value`` as short JSON for a message; secrets print as ``***``."""
    if is_secret_path(path):
        return MASK
    kind = type(value)
    try:
        if kind is str:  # the common cases without json.dumps's set-up: the same text
            text = _json_string(value)
        elif kind is int:
            text = int.__repr__(value)
        else:
            text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = _unprintable(value)
    if len(text) > limit:
        size = f"{len(value)} characters" if isinstance(value, str) else f"{len(text)} characters"
        text = f"{text[:limit]}… ({size})"
    return text


def _name(path: Sequence[str | int]) -> str:
    return f"`{'.'.join(map(str, path))}`" if path else "the payload"


def _got(value: Any, path: Sequence[str | int]) -> str:
    if value is None:
        return "got null"
    if is_secret_path(path):
        return f"got {json_type(value)} (value masked)"
    return f"got {json_type(value)} {show(value, path)}"


def _one_of(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _between(low: Any, high: Any) -> str:
    """``between 1 and 365``, ``at least 1`` or ``at most 253``."""
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


#: Slips a value may show, each as (what the person is told, how the value would read without
#: it): a hint is given only where that repair makes the value match the pattern, so every
#: hint is derived from the schema's own rule, never from a field's name.
_REPAIRS: Final = (
    (
        "it includes a scheme such as https://",
        functools.partial(re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://").sub, ""),
    ),
    ("it includes a port", functools.partial(re.compile(r":[0-9]*$").sub, "")),
    ("it includes a path", lambda v: v.split("/", 1)[0]),
    ("it includes a port and a path", functools.partial(re.compile(r":[0-9]*(/.*)?$").sub, "")),
    ("one label: a top-level domain is missing", lambda v: f"{v}.com"),
    ("it starts with a plus sign", lambda v: v.removeprefix("+")),
)


@functools.lru_cache(maxsize=256)
def _searcher(pattern: str) -> Callable[[str], object] | None:
    """``pattern``'s search, compiled once (the contract's patterns are few); ``None`` for a
    pattern Python's ``re`` cannot read."""
    try:
        return re.compile(pattern).search
    except re.error:
        return None


def _pattern_hints(value: Any, pattern: str) -> str:
    """The slips a person makes most, where ``value`` shows one."""
    if not isinstance(value, str):
        return ""
    hints = []
    if value.endswith("\n"):
        hints.append("a trailing newline is not allowed")
    elif value != value.strip():
        hints.append("note the leading or trailing white space")
    elif len(value) <= 2048:  # a repair is tried on short values only: hints, not a parser
        search = _searcher(pattern)
        if search is None:
            return ""
        for hint, repair in _REPAIRS:
            repaired = repair(value)
            if repaired != value and search(repaired):
                hints.append(hint)
                break
    return f" ({'; '.join(hints)})" if hints else ""


@functools.lru_cache(maxsize=1024)
def _intended(name: str, allowed: tuple[str, ...]) -> str | None:
    """The allowed member ``name`` probably meant; cached, as the same slips recur and the
    comparison costs tens of microseconds, most of an unexpected member's cost."""
    import difflib  # here, not at the top: only a misspelt member needs it (cold start)

    hint = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    return hint[0] if hint else None


def _labels(schema: dict[str, Any]) -> str:
    """The values a labelled member takes, each with its label: `` (1 Auto, moto; 2 ...)``."""
    labels = schema.get(LABELS_KEYWORD)
    if not isinstance(labels, dict) or not labels:
        return ""
    # the schema's dict is the contract's own, loaded once: its text is made once too
    key = id(labels)
    cached = _LABEL_TEXTS.get(key)
    if cached is None or cached[0] is not labels:
        text = f" ({'; '.join(f'{value} {label}' for value, label in labels.items())})"
        if len(_LABEL_TEXTS) >= 64:  # schemas handed to describe() by hand: stay small
            _LABEL_TEXTS.clear()
        cached = _LABEL_TEXTS[key] = (labels, text)
    return cached[1]


#: Each labels dict's text, by identity (the dict kept beside it, so an id is never reused).
_LABEL_TEXTS: dict[int, tuple[dict[str, Any], str]] = {}


def describe(
    keyword: str,
    path: Sequence[str | int],
    instance: Any,
    subschema: Any,
    detail: Any = None,
    *,
    judged: Any = None,
    masking: Callable[[str], str | None] | None = None,
) -> str:
    """The message a person reads for ``keyword`` failing on ``instance`` at ``path``.

    ``subschema`` is the schema object holding the keyword; ``detail`` is what the engine adds
    (the allowed member names, for ``additionalProperties``). Where ``instance`` is the value
    as shown (masked), ``judged`` is the value itself: a length, a pattern's hint and a
    format's reason are its own (a name masked ``***`` would be refused for its asterisks),
    said through ``masking``, which masks the secrets in them (``None``: a hint would show part
    of one, and is left out).
    """
    own = instance if judged is None else judged

    def said(text: str) -> str | None:
        return text if masking is None or not text else masking(text)

    name = _name(path)
    schema: dict[str, Any] = subschema if isinstance(subschema, dict) else {}
    if keyword == "required":
        return f"{name} is required but missing"
    if keyword == "additionalProperties":
        hint = _intended(str(path[-1]), tuple(detail or ()))
        also = f"; you may have intended `{hint}`" if hint else ""
        return f"{name} is not an allowed member (unexpected){also}"
    if keyword == "type":
        types = schema.get("type", [])
        words = [_TYPE_WORDS.get(t, t) for t in ([types] if isinstance(types, str) else types)]
        return f"{name} must be {_one_of(words)}; {_got(instance, path)}"
    if keyword in ("minimum", "maximum"):
        return (
            f"{name} must be {_between(schema.get('minimum'), schema.get('maximum'))}; "
            f"got {show(instance, path)}{_labels(schema)}"
        )
    if keyword in ("minLength", "maxLength"):
        low, high = schema.get("minLength"), schema.get("maxLength")
        length = len(own) if isinstance(own, str) else "?"
        if low == 1 and high is None:
            return f"{name} must not be empty"
        span = f"{low} to {high}" if low is not None and high is not None else _between(low, high)
        return (
            f"{name} must be {span} characters long (counted as Unicode code points); "
            f"got {length} character{'' if length == 1 else 's'}"
        )
    if keyword == "pattern":
        pattern = str(schema.get("pattern", ""))
        hints = said(_pattern_hints(own, pattern)) or ""
        # the description says what the field is, then its rule: quoted, not read as a clause
        about = schema.get("description")
        rule = f"The schema describes it: {about}" if about else f"It must match {pattern}"
        return f"{name} is malformed{hints}; got {show(instance, path)}. {rule}"
    if keyword == "format" and isinstance(instance, str):
        from conformance.validation.formats import PROBLEMS

        check = PROBLEMS.get(str(schema.get("format")))
        problem = check(own) if check is not None and isinstance(own, str) else None
        problem = said(problem) if problem is not None else None
        why = problem or f"it is not a valid {schema.get('format')}"
        return f"{name} is malformed: {why}; got {show(instance, path)}"
    if keyword == "const":
        return f"{name} must be {show(schema.get('const'))}; got {show(instance, path)}"
    if keyword == "enum":
        choices = ", ".join(show(choice) for choice in schema.get("enum", []))
        return f"{name} must be one of {choices}; got {show(instance, path)}"
    if keyword in ("oneOf", "anyOf"):
        branches = schema.get(keyword, [])
        if branches and all(isinstance(b, dict) and "const" in b for b in branches):
            consts = [b["const"] for b in branches]
            return (
                f"{name} must be one of the {len(consts)} values from {consts[0]} to "
                f"{consts[-1]} listed in the schema; got {show(instance, path)}"
            )
        return f"{name} matches none of the alternatives the schema allows"
    return f"{name} breaks the schema keyword `{keyword}`; got {show(instance, path)}"


def sorted_violations(violations: Iterable[Violation]) -> list[Violation]:
    """``violations`` from most to least relevant, by ``relevance``, without restatements.

    A combinator (``oneOf`` ...) failing at a member that also breaks a specific keyword only
    restates it (``industry_id`` 22 breaks ``maximum``, and so no ``oneOf`` branch matches):
    it is left out, so a person reads each problem once; so is a ``pattern`` beside a failed
    ``format`` at the same member.
    """
    ranked = sorted(violations, key=relevance)
    specific = {v.path for v in ranked if v.keyword not in WEAK_KEYWORDS}
    # a failed format names the exact fault ("it includes a port"); the pattern beside it only
    # restates the shape, so it is left out too
    formatted = {v.path for v in ranked if v.keyword == "format"}
    return [
        v
        for v in ranked
        if (v.keyword not in WEAK_KEYWORDS or v.path not in specific)
        and (v.keyword != "pattern" or v.path not in formatted)
    ]
