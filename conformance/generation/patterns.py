"""Text strategies for the simple patterns: anchored runs of one character class each.

hypothesis's ``from_regex`` draws ``[0-9]{6,14}`` one character at a time, one choice each,
where ``st.text`` draws the whole run as one choice: ``default_phone_number`` costs 1.6 ms a
draw through ``from_regex`` and 0.35 ms as text here, and the valid family spends most of its
time drawing. So a pattern that is ``^``, then runs (a literal, a character class or its
negation, each with a count), then ``$`` (and the schemas' ``(?!\\n)``, which only refuses a
trailing newline) is drawn as a tuple of text strategies, one a run. Any other pattern gives
``None``, and the caller keeps ``from_regex``. The node's own validator still filters every
draw, so a pattern read wrongly here could only cost draws, never a verdict.

The pattern is read with the parser of Python's ``re`` (``re._parser``), as hypothesis reads
it: no second grammar of regular expressions to get wrong.
"""

from __future__ import annotations

import functools
import importlib
import re
import unicodedata
import warnings
from collections.abc import Iterable
from typing import Any, Final

from hypothesis import strategies as st

from conformance.generation.zones import UNJUDGED_CATEGORIES

# private, but what hypothesis's from_regex reads patterns with (typeshed has no stubs)
sre: Any = importlib.import_module("re._constants")
sre_parse: Any = importlib.import_module("re._parser")

#: Most characters a class may list (its members, or a negated class's exclusions): a
#: negated class is drawn as every text character but those, and a class listing more is
#: left to ``from_regex``.
_MAX_SPELLED: Final = 4096

_BEGIN: Final = {sre.AT_BEGINNING, sre.AT_BEGINNING_STRING}
_END: Final = {sre.AT_END, sre.AT_END_STRING}
_REPEATS: Final = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)}


class _NotSimple(Exception):
    pass


def simple_texts(
    pattern: str, min_size: int = 0, max_size: int | None = None
) -> st.SearchStrategy[str] | None:
    """Strings matching ``pattern`` drawn run by run, or ``None`` for a pattern that is not a
    sequence of anchored runs. No character of ``UNJUDGED_CATEGORIES`` is drawn, as in all
    the kit's text (``conformance.generation.zones``).

    ``min_size`` and ``max_size`` (the node's ``minLength`` and ``maxLength``) bound a pattern
    of one run; with several runs the caller's filter keeps them.
    """
    try:
        runs = _runs(list(sre_parse.parse(pattern)))
        if len(runs) == 1:
            runs = [_bounded(runs[0], min_size, max_size)]
        strategies = [_run(run) for run in runs]
    except (_NotSimple, re.error, ValueError, TypeError):
        return None
    if not strategies:
        return st.just("")
    return st.tuples(*strategies).map("".join)


def _bounded(
    run: tuple[Any, int, int | None], min_size: int, max_size: int | None
) -> tuple[Any, int, int | None]:
    """``run`` within the node's lengths too; a run no length can satisfy is not simple."""
    item, low, high = run
    low = max(low, min_size)
    high = max_size if high is None else high if max_size is None else min(high, max_size)
    if high is not None and low > high:
        raise _NotSimple
    return item, low, high


def _runs(items: list[tuple[Any, Any]]) -> list[tuple[Any, int, int | None]]:
    """The runs between the anchors, each as (character set item, fewest, most)."""
    if not items or items[0][0] != sre.AT or items[0][1] not in _BEGIN:
        raise _NotSimple
    body = items[1:]
    if body and body[-1][0] == sre.ASSERT_NOT and _is_newline_lookahead(body[-1][1]):
        body = body[:-1]
    if not body or body[-1][0] != sre.AT or body[-1][1] not in _END:
        raise _NotSimple
    runs: list[tuple[Any, int, int | None]] = []
    for op, arg in body[:-1]:
        if op in _REPEATS:
            low, high, sub = arg
            sub = list(sub)
            if len(sub) != 1:
                raise _NotSimple
            runs.append((sub[0], low, None if high == sre.MAXREPEAT else high))
        else:
            runs.append(((op, arg), 1, 1))
    return runs


def _is_newline_lookahead(arg: Any) -> bool:
    direction, sub = arg
    return direction == 1 and list(sub) == [(sre.LITERAL, ord("\n"))]


def _run(run: tuple[Any, int, int | None]) -> st.SearchStrategy[str]:
    item, low, high = run
    characters = _characters(item)
    if low == high == 1:  # one character: drawn as one, without text's length draw
        return characters
    return st.text(characters, min_size=low, max_size=high)


def _characters(item: tuple[Any, Any]) -> st.SearchStrategy[str]:
    op, arg = item
    if op == sre.LITERAL:
        return _spelled([chr(arg)])
    if op == sre.NOT_LITERAL:
        return st.characters(exclude_categories=UNJUDGED_CATEGORIES, exclude_characters=chr(arg))
    if op != sre.IN:
        raise _NotSimple
    members = list(arg)
    negated = bool(members) and members[0][0] == sre.NEGATE
    chars = list(_spell(members[1:] if negated else members))
    if negated:
        excluded = "".join(chars)
        return st.characters(exclude_categories=UNJUDGED_CATEGORIES, exclude_characters=excluded)
    return _spelled(chars)


def _spell(members: Iterable[tuple[Any, Any]]) -> Iterable[str]:
    count = 0
    for op, arg in members:
        if op == sre.LITERAL:
            codes: Iterable[int] = (arg,)
        elif op == sre.RANGE:
            codes = range(arg[0], arg[1] + 1)
        else:  # a category (\d, \w ...) means what Unicode says: not spelled out here
            raise _NotSimple
        for code in codes:
            count += 1
            if count > _MAX_SPELLED:
                raise _NotSimple
            yield chr(code)


def _spelled(chars: list[str]) -> st.SearchStrategy[str]:
    """Exactly ``chars``, less those of the excluded categories (a control character in a
    class is never drawn, as no text elsewhere draws one)."""
    kept = "".join(
        c for c in dict.fromkeys(chars) if unicodedata.category(c) not in UNJUDGED_CATEGORIES
    )
    if not kept:
        raise _NotSimple
    return st.characters(codec=None, categories=(), include_characters=kept)


# --- ECMA-262 patterns in Python's syntax --------------------------------------------------------

#: Unicode general categories by their long names, as ``\p{...}`` may spell them.
_CATEGORY_NAMES: Final = {
    "Letter": "L", "Cased_Letter": "LC", "Uppercase_Letter": "Lu", "Lowercase_Letter": "Ll",
    "Titlecase_Letter": "Lt", "Modifier_Letter": "Lm", "Other_Letter": "Lo", "Mark": "M",
    "Combining_Mark": "M", "Nonspacing_Mark": "Mn", "Spacing_Mark": "Mc",
    "Enclosing_Mark": "Me", "Number": "N", "Decimal_Number": "Nd", "digit": "Nd",
    "Letter_Number": "Nl", "Other_Number": "No", "Punctuation": "P", "punct": "P",
    "Connector_Punctuation": "Pc", "Dash_Punctuation": "Pd", "Open_Punctuation": "Ps",
    "Close_Punctuation": "Pe", "Initial_Punctuation": "Pi", "Final_Punctuation": "Pf",
    "Other_Punctuation": "Po", "Symbol": "S", "Math_Symbol": "Sm", "Currency_Symbol": "Sc",
    "Modifier_Symbol": "Sk", "Other_Symbol": "So", "Separator": "Z", "Space_Separator": "Zs",
    "Line_Separator": "Zl", "Paragraph_Separator": "Zp", "Other": "C", "Control": "Cc",
    "cntrl": "Cc", "Format": "Cf", "Surrogate": "Cs", "Private_Use": "Co", "Unassigned": "Cn",
}  # fmt: skip

_PROPERTY: Final = re.compile(r"\{([A-Za-z_]+)(?:=([A-Za-z_]+))?\}")


@functools.cache
def _category_runs() -> tuple[tuple[int, int, str], ...]:
    """Every code point but the surrogates, as runs of one general category."""
    runs: list[tuple[int, int, str]] = []
    for code in (*range(0xD800), *range(0xE000, 0x110000)):
        category = unicodedata.category(chr(code))
        if runs and runs[-1][2] == category and runs[-1][1] == code - 1:
            runs[-1] = (runs[-1][0], code, category)
        else:
            runs.append((code, code, category))
    return tuple(runs)


def _class_text(low: int, high: int) -> str:
    def one(code: int) -> str:
        return f"\\U{code:08x}"

    return one(low) if low == high else f"{one(low)}-{one(high)}"


@functools.cache
def _property_class(name: str, value: str | None) -> str | None:
    """The inside of a character class for ``\\p{name}`` (``\\p{name=value}``), or ``None``
    for a property spelled here by no table (scripts, most binary properties)."""
    if value is not None:
        if name not in ("General_Category", "gc"):
            return None  # Script=, Script_Extensions=: no script table in the standard library
        name = value
    if name == "Any":
        return _class_text(0, 0xD7FF) + _class_text(0xE000, 0x10FFFF)
    if name == "ASCII":
        return _class_text(0, 0x7F)
    category = _CATEGORY_NAMES.get(name, name)
    if category == "LC":
        wanted: tuple[str, ...] = ("Lu", "Ll", "Lt")
    elif len(category) in (1, 2) and category[0] in "LMNPSZC":
        wanted = (category,)
    else:
        return None
    runs = [
        (low, high)
        for low, high, found in _category_runs()
        if found in wanted or (len(category) == 1 and found[0] == category)
    ]
    merged: list[tuple[int, int]] = []
    for low, high in runs:
        if merged and merged[-1][1] == low - 1:
            merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return "".join(_class_text(low, high) for low, high in merged) or None


#: ECMA-262's classes are ASCII (``\d`` is [0-9]); Python's match any script's digits.
_ASCII_CLASSES: Final = {"d": "0-9", "w": "A-Za-z0-9_"}


def python_pattern(pattern: str) -> str | None:
    """``pattern`` (ECMA-262, as JSON Schema writes it) in the syntax of Python's ``re``, for
    hypothesis to draw from: ``\\p{L}``-style Unicode properties as the code points of their
    general categories, ``\\d`` and ``\\w`` as ASCII, ``(?<name>`` as ``(?P<name>``,
    ``\\u{...}``; ``None`` for what has no such spelling here (``\\p{Script=Greek}``, a
    pattern Python cannot compile). The real validator still judges every value drawn."""
    out: list[str] = []
    i, in_class = 0, False
    try:
        while i < len(pattern):
            c = pattern[i]
            if c == "\\":
                n = pattern[i + 1]
                if n in "pP":
                    found = _PROPERTY.match(pattern, i + 2)
                    inside = _property_class(*found.groups()) if found else None
                    if found is None or inside is None or (in_class and n == "P"):
                        return None
                    out.append(inside if in_class else f"[{'^' if n == 'P' else ''}{inside}]")
                    i = found.end()
                    continue
                if n in "dw":
                    ascii_class = _ASCII_CLASSES[n]
                    out.append(ascii_class if in_class else f"[{ascii_class}]")
                elif n in "DW" and not in_class:
                    out.append(f"[^{_ASCII_CLASSES[n.lower()]}]")
                elif n == "u" and pattern[i + 2 : i + 3] == "{":
                    end = pattern.index("}", i)
                    out.append(f"\\U{int(pattern[i + 3 : end], 16):08x}")
                    i = end + 1
                    continue
                elif n == "k" and pattern[i + 2 : i + 3] == "<":
                    end = pattern.index(">", i)
                    out.append(f"(?P={pattern[i + 3 : end]})")
                    i = end + 1
                    continue
                elif n == "c" and pattern[i + 2 : i + 3].isalpha():
                    out.append(f"\\x{ord(pattern[i + 2]) % 32:02x}")
                    i += 3
                    continue
                elif n == "/":
                    out.append("/")
                else:
                    out.append(pattern[i : i + 2])
                i += 2
                continue
            if not in_class and pattern.startswith("[^]", i):
                out.append("[\\s\\S]")  # ECMA-262: any character
                i += 3
                continue
            if not in_class and pattern.startswith("[]", i):
                out.append("(?!)")  # ECMA-262: no character
                i += 2
                continue
            if c == "[" and not in_class:
                in_class = True
                out.append("[^" if pattern.startswith("[^", i) else "[")
                i += 2 if pattern.startswith("[^", i) else 1
                continue
            if c == "]" and in_class:
                in_class = False
            elif in_class and c in "[&~|":
                c = "\\" + c  # literal in ECMA-262; a set operation to come in Python's
            elif not in_class and pattern.startswith("(?<", i) and pattern[i + 3] not in "=!":
                c, i = "(?P<", i + 2
            elif c == "$" and not in_class:
                c = "\\Z"  # ECMA-262's $ ends the text; Python's allows a newline after
            out.append(c)
            i += 1
    except (IndexError, ValueError):
        return None
    translated = "".join(out)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            re.compile(translated)
        except (re.error, Warning, OverflowError, RecursionError):
            return None
    return translated


# --- one short match, read from the pattern -------------------------------------------------------


@functools.cache
def shortest_text(pattern: str) -> str | None:
    """A short string ``pattern`` (Python syntax) matches, built from its parse: the fewest
    repeats, the first branch, the first character of each class; ``None`` where the parse
    holds what this does not build (lookarounds, back references). A candidate only: the
    caller checks it (hypothesis's ``find`` costs about 30 ms a pattern, this a few µs)."""
    try:
        return _built(list(sre_parse.parse(pattern)))
    except (_NotSimple, re.error, ValueError, TypeError, IndexError, OverflowError):
        return None


def _built(items: list[tuple[Any, Any]]) -> str:
    out: list[str] = []
    for op, arg in items:
        if op == sre.LITERAL:
            out.append(chr(arg))
        elif op == sre.AT:
            continue
        elif op in _REPEATS:
            low, _, sub = arg
            out.append(_built(list(sub)) * low)
        elif op == sre.SUBPATTERN:
            out.append(_built(list(arg[-1])))
        elif op == sre.BRANCH:
            out.append(_built(list(arg[1][0])))
        elif op == sre.IN:
            out.append(_first_in(list(arg)))
        elif op == sre.ANY:
            out.append("a")
        elif op == sre.NOT_LITERAL:
            out.append("a" if arg != ord("a") else "b")
        else:
            raise _NotSimple
    return "".join(out)


_CATEGORY_CHARS: Final = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
}


def _first_in(members: list[tuple[Any, Any]]) -> str:
    if members and members[0][0] == sre.NEGATE:
        excluded = {chr(code) for code in _codes(members[1:])}
        for candidate in "a0-_ A":
            if candidate not in excluded:
                return candidate
        raise _NotSimple
    for op, arg in members:
        if op == sre.LITERAL:
            return chr(arg)
        if op == sre.RANGE:
            return chr(arg[0])
        if op == sre.CATEGORY and str(arg) in _CATEGORY_CHARS:
            return _CATEGORY_CHARS[str(arg)]
    raise _NotSimple


def _codes(members: list[tuple[Any, Any]]) -> Iterable[int]:
    for op, arg in members:
        if op == sre.LITERAL:
            yield arg
        elif op == sre.RANGE:
            yield from range(arg[0], min(arg[1], arg[0] + _MAX_SPELLED) + 1)
        else:
            raise _NotSimple


__all__ = ["python_pattern", "shortest_text", "simple_texts"]
