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

import importlib
import re
import unicodedata
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


__all__ = ["simple_texts"]
