"""Validate payloads against the contract: ``iter_errors``, ``is_valid``, ``validate``.

The engine is jsonschema-rs (about 60 times faster than python-jsonschema here; see
``make bench``). ``tests/validation/test_properties.py`` proves, on generated payloads, that it
agrees with python-jsonschema on validity and on where each violation is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final

import jsonschema_rs

from conformance import contract
from conformance.contract.decisions import without_decisions
from conformance.errors import ArgumentError, ContractViolation, PayloadError
from conformance.validation.formats import FORMATS
from conformance.validation.masking import (
    MASK,
    MIN_ECHO_LENGTH,
    is_secret_path,
    mask,
    secrets_in,
)
from conformance.validation.violations import MISSING, Violation, describe, relevance

#: What the engine raises on payloads that JSON text cannot carry; see ``_unreadable``.
ENGINE_INPUT_ERRORS = (UnicodeError, ValueError, OverflowError, RecursionError, TypeError)


def _refuse_retrieval(uri: str) -> Any:
    raise LookupError(
        f"{uri} is not one of this kit's schemas; nothing is fetched from the network"
    )


_SCALARS: Final = frozenset({int, bool, float, type(None)})

#: The secrets of the payload being reported on, found when first asked for.
_Secrets = Callable[[], frozenset[str]]
_LONE_SURROGATE = re.compile("[\ud800-\udfff]").search


def has_lone_surrogate(instance: Any) -> bool:
    """Whether a string or member name anywhere in ``instance`` holds a lone surrogate.

    The engine converts only the strings a keyword reads (a pattern, a length), so a lone
    surrogate in an id or a token would pass unseen; this walk finds it everywhere. It is a
    loop over a stack, not a recursion, so that deep nesting cannot exhaust Python's stack,
    and tests exact types first: it runs on every valid payload (``is_valid``'s fast path), and
    values decoded from JSON are plain ``str``, ``dict`` and ``list``.
    """
    stack = [instance]
    pop, extend = stack.pop, stack.extend
    while stack:
        value = pop()
        kind = type(value)
        if kind in _SCALARS:
            continue
        if kind is str:
            if not value.isascii() and _LONE_SURROGATE(value):
                return True
        elif kind is dict:
            for name in value:
                if type(name) is str and not name.isascii() and _LONE_SURROGATE(name):
                    return True
            extend(value.values())
        elif kind is list:
            extend(value)
        elif isinstance(value, str):  # a subclass: check it as a plain string
            stack.append(str(value))
        elif isinstance(value, dict):  # a subclass: names and values alike
            extend(value.items())
        elif isinstance(value, list | tuple):
            extend(value)
    return False


@functools.cache
def _documents(strict: bool) -> Mapping[str, Any]:
    schemas = contract.load_schemas()
    return (
        schemas
        if strict
        else {uri: without_decisions(document) for uri, document in schemas.items()}
    )


@functools.cache
def _engine_registry(strict: bool) -> Any:
    # every revision's documents in one registry: their $ids differ, so each resolves its own
    return jsonschema_rs.Registry(list(_documents(strict).items()))


@functools.cache
def _engine(uri: str, strict: bool) -> Any:
    return jsonschema_rs.validator_for(
        _documents(strict)[uri],
        registry=_engine_registry(strict),
        retriever=_refuse_retrieval,
        formats=FORMATS,
        validate_formats=True,
    )


@functools.cache
def _member_order(uri: str) -> Mapping[tuple[str, ...], int]:
    """Each member path the schema names, numbered in the schema's own order."""
    order: dict[tuple[str, ...], int] = {}

    def walk(node: Any, base: str, prefix: tuple[str, ...]) -> None:
        for part, part_base in contract.parts(node, base):
            for name, child in part.get("properties", {}).items():
                order.setdefault((*prefix, name), len(order))
                walk(child, part_base, (*prefix, name))

    walk(contract.load_schemas()[uri], uri, ())
    return order


class Validator:
    """Validates one kind of payload (``request``, ``params`` or a reply) for one role.

    The violations it finds never show an access token (``conformance.validation.masking``):
    not by its member's name, nor a near miss of it, nor inside a reported value, whatever the
    kind; ``show_secrets=True`` shows them as they are.
    """

    def __init__(
        self,
        kind: str = "request",
        role: str = "customer",
        *,
        show_secrets: bool = False,
        revision: str = contract.DEFAULT_REVISION,
        strict: bool = True,
    ) -> None:
        self.kind = kind
        self.role = role
        self.revision = revision
        self.show_secrets = show_secrets
        #: ``False``: the kit's decisions (``x-decisions``) not applied, as a default run judges
        self.strict = strict
        self.schema_uri = contract.schema_uri(kind, role, revision)
        self._engine = _engine(self.schema_uri, strict)
        self._order = _member_order(self.schema_uri)

    def __repr__(self) -> str:
        shown = ", show_secrets=True" if self.show_secrets else ""
        if self.revision != contract.DEFAULT_REVISION:
            shown += f", revision={self.revision!r}"
        if not self.strict:
            shown += ", strict=False"
        return f"Validator(kind={self.kind!r}, role={self.role!r}{shown})"

    def is_valid(self, instance: Any) -> bool:
        """Whether ``instance`` keeps the contract (a payload JSON cannot carry does not)."""
        try:
            return bool(self._engine.is_valid(instance)) and not has_lone_surrogate(instance)
        except ENGINE_INPUT_ERRORS:
            return False

    def iter_errors(self, instance: Any) -> Iterator[Violation]:
        """Every violation in ``instance``, lazily, in the engine's order.

        Raises ``PayloadError`` for a payload that JSON text cannot carry (a lone surrogate,
        nesting deeper than the engine follows).
        """
        if has_lone_surrogate(instance):
            raise _unreadable(UnicodeError())
        engine = self._branch_engine(instance)
        # looked for once, and only where a violation's value could hold a token (a string,
        # an object, an array): a number out of range needs no walk of the payload
        secrets: _Secrets = functools.cache(lambda: secrets_in(instance))

        try:
            for error in engine.iter_errors(instance):
                yield from self._violations(error, instance, secrets)
        except ENGINE_INPUT_ERRORS as error:
            raise _unreadable(error) from None

    def validate(self, instance: Any) -> None:
        """Raise ``ContractViolation`` with the most relevant violation, if there is one."""
        best = best_match(self.iter_errors(instance))
        if best is not None:
            raise ContractViolation(best)

    def _branch_engine(self, instance: Any) -> Any:
        # "Any reply" is a oneOf, and a failed oneOf only says that no branch matched. A reply
        # carrying exactly one of result and error can only mean one branch, so validate it
        # against that branch and report what is wrong inside it.
        if self.kind == "reply" and isinstance(instance, dict):
            has = ("result" in instance, "error" in instance)
            if has == (True, False):
                return _engine(
                    contract.schema_uri("reply.success", revision=self.revision), self.strict
                )
            if has == (False, True):
                return _engine(
                    contract.schema_uri("reply.error", revision=self.revision), self.strict
                )
        return self._engine

    def _violations(self, error: Any, root: Any, secrets: _Secrets) -> Iterator[Violation]:
        keyword = error.kind.name
        detail = error.kind.as_dict()
        path = tuple(error.instance_path)
        # the value as the caller gave it: the engine hands back a converted copy
        value = _at(root, path)
        holder, schema_path = _keyword_site(error.absolute_keyword_location or "")
        if keyword == "required":
            members = [(detail["property"], MISSING)]
        elif keyword == "additionalProperties":
            members = [(name, value[name]) for name in detail["unexpected"]]
        else:
            members = []
        # a secret member's own value goes to ``describe`` whole: it says the value's type and
        # masks the rest; any other value is masked first, as it may hold the token inside
        if not members:
            shown = self._shown(value, path, secrets)
            if is_secret_path(path) or shown is value:
                message = describe(keyword, path, value if is_secret_path(path) else shown, holder)
            else:
                # a value that holds the token: shown masked, judged as it is (its fault is its
                # own, not the mask's), the token masked in the words as in the value
                masked = _masked_secrets(value, secrets())
                message = describe(
                    keyword, path, shown, holder, judged=value, masking=_words(masked)
                )
            value = shown
            if keyword == "oneOf":  # the contract's one oneOf: a reply's success or error
                message = "a reply carries exactly one of `result` and `error`"
            yield Violation(path, keyword, schema_path, value, message, self._rank(path))
            return
        allowed = list(holder.get("properties", {})) if isinstance(holder, dict) else []
        for name, member in members:
            where = (*path, name)
            shown = self._shown(member, where, secrets)
            # a missing or unexpected member's message names it, never its value
            message = describe(keyword, where, shown, holder, allowed)
            yield Violation(where, keyword, schema_path, shown, message, self._rank(where))

    def _shown(self, value: Any, path: tuple[str | int, ...], secrets: _Secrets) -> Any:
        if self.show_secrets or value is MISSING:
            return value
        if type(value) in _SCALARS:  # a number, a boolean or null holds no token
            return MASK if is_secret_path(path) else value
        return mask(value, secrets(), path)

    def _rank(self, path: tuple[str | int, ...]) -> int:
        return self._order.get(tuple(map(str, path)), len(self._order))


def _masked_secrets(value: str, secrets: frozenset[str]) -> list[str]:
    """The secrets ``mask_string`` masks in the string ``value``: one that is the whole value,
    or one long enough to be told from chance anywhere in it."""
    return [s for s in secrets if s == value or len(s) >= MIN_ECHO_LENGTH]


def _words(secrets: list[str]) -> Callable[[str], str | None]:
    """Words made from a value, with ``secrets`` masked; ``None`` where a quote cut short
    (``…``) ends inside one, whose beginning would show.

    Looked for in any case: a hint may quote the value as IDNA maps it, lowercased (the label
    ``'bbzq8w-secret-t…'`` of a name that held the token ``Zq8W-secret-token``)."""

    def masked(text: str) -> str | None:
        for secret in sorted(secrets, key=len, reverse=True):
            text = re.sub(re.escape(secret), MASK, text, flags=re.IGNORECASE)
        folded = text.casefold()
        for secret in secrets:
            secret = secret.casefold()
            if any(secret[:cut] + "…" in folded for cut in range(1, len(secret))):
                return None
        return text

    return masked


@functools.lru_cache(maxsize=1024)
def _keyword_site(location: str) -> tuple[Any, str]:
    """The schema object holding the keyword at ``location``, and the location as reported.

    Cached: the contract's keyword locations are few, and resolving one walks a pointer."""
    holder = contract.resolve(location.rpartition("/")[0]) if "#" in location else {}
    return holder, contract.relative(location)


def _at(root: Any, path: tuple[str | int, ...]) -> Any:
    node = root
    for part in path:
        node = node[part]
    return node


def _unreadable(error: BaseException) -> PayloadError:
    if isinstance(error, UnicodeError):
        return PayloadError("a string holds a lone surrogate, which is not Unicode text")
    if "recursion" in str(error).lower() or isinstance(error, RecursionError):
        return PayloadError("the payload is nested too deeply to validate")
    return PayloadError(f"the payload cannot be validated: {error}")


def best_match(
    violations: Iterable[Violation],
    key: Callable[[Violation], Any] = relevance,
) -> Violation | None:
    """The most relevant violation by ``key`` (``relevance`` unless given), or ``None``."""
    return min(violations, key=key, default=None)


@functools.cache
def validator_for(
    kind: str = "request",
    role: str = "customer",
    *,
    show_secrets: bool = False,
    revision: str = contract.DEFAULT_REVISION,
    strict: bool = True,
) -> Validator:
    """The (shared, immutable) validator for ``kind`` and ``role`` in ``revision``;
    ``strict=False`` leaves out the kit's decisions (``x-decisions``), as a default run does."""
    return Validator(kind, role, show_secrets=show_secrets, revision=revision, strict=strict)


#: JSON text of an object or an array: its first character after JSON's blanks (RFC 8259 §2).
_JSON_TEXT: Final = re.compile(r"[ \t\n\r]*[{\[]")
_JSON_BYTES: Final = re.compile(rb"[ \t\n\r]*[{\[]")


def _refuse_json_text(instance: Any, function: str) -> None:
    """A payload is a parsed value: text that holds JSON would only ever be "invalid", which
    hides the caller's slip, so it is refused with what to do instead, after blanks of any
    length (a match reads only them: no copy of a long text)."""
    if isinstance(instance, bytes | bytearray):
        looks_like_json = _JSON_BYTES.match(instance) is not None
    else:
        looks_like_json = isinstance(instance, str) and _JSON_TEXT.match(instance) is not None
    if looks_like_json:
        kind = type(instance).__name__
        raise ArgumentError(
            f"{function}() got a {kind} holding JSON text; it checks a parsed payload: "
            f"parse it first, e.g. conformance.{function}(conformance.loads(text))"
        )


def iter_errors(
    instance: Any,
    kind: str = "request",
    role: str = "customer",
    *,
    revision: str = contract.DEFAULT_REVISION,
    strict: bool = True,
) -> Iterator[Violation]:
    """Every violation of ``instance`` as a ``kind`` payload sent by a ``role`` caller, by the
    contract's ``revision`` (``seed``, the default, or ``current``)."""
    _refuse_json_text(instance, "iter_errors")
    return validator_for(kind, role, revision=revision, strict=strict).iter_errors(instance)


def is_valid(
    instance: Any,
    kind: str = "request",
    role: str = "customer",
    *,
    revision: str = contract.DEFAULT_REVISION,
    strict: bool = True,
) -> bool:
    """Whether ``instance`` keeps the contract's ``revision`` as a ``kind`` payload of a
    ``role`` caller (``strict=False``: without the kit's decisions, ``x-decisions``).

    Raises ``ArgumentError`` for a ``str`` or ``bytes`` holding JSON text (parse it first), or
    for an unknown kind, role or revision.
    """
    _refuse_json_text(instance, "is_valid")
    return validator_for(kind, role, revision=revision, strict=strict).is_valid(instance)


def validate(
    instance: Any,
    kind: str = "request",
    role: str = "customer",
    *,
    revision: str = contract.DEFAULT_REVISION,
    strict: bool = True,
) -> None:
    """Raise ``ContractViolation`` for the most relevant violation of ``instance``, if any."""
    _refuse_json_text(instance, "validate")
    validator_for(kind, role, revision=revision, strict=strict).validate(instance)
