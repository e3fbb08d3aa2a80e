"""hypothesis strategies derived from the contract's schemas, by walking the inlined trees.

``instances(node)`` draws values that ``node`` accepts; ``requests(role, ...)`` draws whole
create.sites requests. Every keyword the schemas use is read here (``type``, ``properties``,
``required``, ``additionalProperties``, ``enum``, ``const``, ``minimum``/``maximum``,
``minLength``/``maxLength``, ``pattern``, ``oneOf``/``anyOf``; ``$ref`` and ``allOf`` are gone
once inlined); where a strategy cannot encode a keyword exactly (a pattern with a length bound,
a ``oneOf``), its draws are filtered by the real validator of that node.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Collection, Mapping
from typing import Any, Final

from hypothesis import strategies as st

from conformance.contract import DEFAULT_REVISION, ROLES
from conformance.errors import ArgumentError
from conformance.generation.patterns import python_pattern, simple_texts
from conformance.generation.schema_tree import Node, node_validator, schema_types, tree
from conformance.generation.zones import (
    ASCII_LETTERS,
    DIGITS,
    SCRIPTS,
    UNJUDGED_CATEGORIES,
    URL_CHARACTERS,
)

#: Text every reasonable server stores (see ``conformance.generation.zones``).
TEXT_CHARACTERS = st.characters(exclude_categories=UNJUDGED_CATEGORIES)

#: JSON values for nodes that do not constrain their type.
_JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.text()


#: Keywords no strategy here constructs values for: a node with any of them has its draws
#: filtered by its own validator (drawn around them, and checked).
FILTERED: Final = frozenset(
    {
        "not", "if", "then", "else", "allOf", "dependentRequired", "dependentSchemas",
        "contains", "minContains", "maxContains", "propertyNames", "minProperties",
        "maxProperties", "multipleOf", "unevaluatedItems", "unevaluatedProperties",
        "patternProperties", "uniqueItems", "prefixItems",
    }
)  # fmt: skip


def _any_json() -> st.SearchStrategy[Any]:
    return st.recursive(
        _JSON_SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=6,
    )


# --- the formats' must-accept values -----------------------------------------------------------


# Each strategy here is built once (``functools.cache``) and combined with ``map``/``tuples``:
# a strategy made inside a draw is validated anew on every draw, which cost more than the draw.


def _hyphenated(pieces: list[str]) -> str:
    # pieces joined by single hyphens: never a hyphen first, last or at positions 3-4 ("--")
    return "-".join(pieces)


@functools.cache
def _ascii_labels() -> st.SearchStrategy[str]:
    piece = st.text(ASCII_LETTERS + DIGITS, min_size=1, max_size=6)
    return st.lists(piece, min_size=1, max_size=3).map(_hyphenated)


@functools.cache
def _script_labels(script: str, min_size: int = 1, max_size: int = 10) -> st.SearchStrategy[str]:
    # one strategy a script, its letters given as code point ranges: an alphabet spelled out
    # (20,000 Han letters) is indexed letter by letter when the strategy is made
    letters = st.one_of(
        [st.characters(min_codepoint=low, max_codepoint=high) for low, high in SCRIPTS[script]]
    )
    return st.text(letters, min_size=min_size, max_size=max_size)


def _one_script(scripts: Collection[str], min_size: int, max_size: int) -> Any:
    return st.one_of([_script_labels(script, min_size, max_size) for script in sorted(scripts)])


@functools.cache
def _top_level_domains() -> st.SearchStrategy[str]:
    # two or more letters: a one-letter or digit-ending last label can be no real TLD, and
    # libraries refuse it (contested)
    ascii_tld = st.text(ASCII_LETTERS, min_size=2, max_size=6)
    return st.one_of(ascii_tld, _one_script(SCRIPTS, 2, 4))


def _joined(parts: tuple[list[str], str]) -> str:
    labels, top_level = parts
    return ".".join([*labels, top_level])


@functools.cache
def domain_names() -> st.SearchStrategy[str]:
    """Must-accept domain names: 1-3 labels and a top-level domain, each label ASCII letters
    and digits with inner hyphens or the letters of one script in ``SCRIPTS``."""
    label = st.one_of(_ascii_labels(), _one_script(SCRIPTS, 1, 10))
    return st.tuples(st.lists(label, min_size=1, max_size=3), _top_level_domains()).map(_joined)


def _url(parts: tuple[str, str, int | None, list[str], tuple[str, str] | None]) -> str:
    scheme, host, port, path, query = parts
    url = f"{scheme}://{host}" + (f":{port}" if port is not None else "") + "/" + "/".join(path)
    return url if query is None else f"{url}?{query[0]}={query[1]}"


@functools.cache
def http_urls() -> st.SearchStrategy[str]:
    """Must-accept URLs: http or https in any letter case, a must-accept domain name, maybe a
    port from 1, a path and a ``name=value`` query of unreserved characters or letters of a
    script. No fragment: RFC 3987 allows one, but ajv-formats-draft2019's ``iri`` refuses every
    fragment, so a fragment is contested (``conformance.generation.zones``)."""
    schemes = st.sampled_from(["http", "https", "HTTP", "HTTPS", "Http", "hTtPs"])
    segment = st.one_of(
        st.text(URL_CHARACTERS, min_size=1, max_size=8),
        _one_script(("cyrillic", "greek", "latin"), 1, 6),
    )
    return st.tuples(
        schemes,
        domain_names(),
        st.none() | st.integers(min_value=1, max_value=2**16 - 1),
        st.lists(segment, max_size=3),
        st.none() | st.tuples(segment, segment),
    ).map(_url)


#: Each format's must-accept strategy, by the name the schemas use.
FORMAT_STRATEGIES: Final[dict[str, Callable[[], st.SearchStrategy[str]]]] = {
    "idn-hostname": domain_names,
    "iri": http_urls,
}


def _strings(node: Node) -> st.SearchStrategy[str]:
    low, high = node.get("minLength", 0), node.get("maxLength")
    if node.get("format") in FORMAT_STRATEGIES:
        # the format's own alphabets; the node's validator (below) keeps its pattern and lengths
        return FORMAT_STRATEGIES[node["format"]]()
    if "pattern" not in node:
        # hypothesis counts text size in code points, as JSON Schema does
        return st.text(TEXT_CHARACTERS, min_size=low, max_size=high)
    # the pattern is ECMA-262's: drawn from its Python spelling where it has one, else drawn
    # around (any text, kept where the node's validator says so: instances filters)
    pattern = python_pattern(str(node["pattern"]))
    if pattern is None:
        return st.text(TEXT_CHARACTERS, min_size=low, max_size=high)
    # a run of one class at a time where the pattern is that simple (generation/patterns.py)
    simple = simple_texts(pattern, low, high)
    drawn: st.SearchStrategy[str] = (
        simple
        if simple is not None
        else st.from_regex(pattern, fullmatch=True, alphabet=TEXT_CHARACTERS)
    )
    if low or high is not None:
        drawn = drawn.filter(lambda text: low <= len(text) <= (len(text) if high is None else high))
    return drawn


def _typed(node: Node, json_type: str, fixed: Mapping[str, Any], omitted: Collection[str]) -> Any:
    if json_type == "integer":
        low, high, step = node.get("minimum"), node.get("maximum"), node.get("multipleOf")
        if isinstance(step, int) and not isinstance(step, bool) and step > 0:
            # multiples of the step within the bounds
            first = None if low is None else -(-math.ceil(low) // step)
            last = None if high is None else math.floor(high) // step
            return st.integers(min_value=first, max_value=last).map(lambda n: n * step)
        return st.integers(min_value=low, max_value=high)
    if json_type == "number":
        return st.floats(
            min_value=node.get("minimum"),
            max_value=node.get("maximum"),
            allow_nan=False,
            allow_infinity=False,
        )
    if json_type == "string":
        return _strings(node)
    if json_type == "boolean":
        return st.booleans()
    if json_type == "null":
        return st.none()
    if json_type == "array":
        return _arrays(node)
    if json_type == "object":
        return _objects(node, fixed, omitted)
    raise ArgumentError(f"the schema names an unknown JSON type {json_type!r}")


def _unique_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _arrays(node: Node) -> st.SearchStrategy[list[Any]]:
    """Lists of the node's items: a tuple's (``prefixItems``) positions each drawn from its own
    schema, then ``items``; unique where ``uniqueItems`` says (JSON equality)."""
    low, high = node.get("minItems", 0), node.get("maxItems")
    rest = node.get("items", {})
    unique = _unique_key if node.get("uniqueItems") is True else None
    prefix = node.get("prefixItems")
    if not isinstance(prefix, list) or not prefix:
        return st.lists(instances(rest), min_size=low, max_size=high, unique_by=unique)
    # a tuple is drawn whole up to some length: every position's schema in its place
    fewest = min(low, len(prefix))
    most = len(prefix) if high is None else min(high, len(prefix))
    heads = [
        st.tuples(*(instances(p) for p in prefix[:size])).map(list)
        for size in range(most, fewest - 1, -1)
    ]
    drawn: st.SearchStrategy[list[Any]] = st.one_of(heads) if heads else st.just([])
    if rest is not False and (high is None or high > len(prefix)):
        more = st.lists(
            instances(rest),
            min_size=max(low - len(prefix), 0),
            max_size=None if high is None else high - len(prefix),
        )
        full = st.tuples(*(instances(p) for p in prefix)).map(list)
        drawn = drawn | st.tuples(full, more).map(lambda parts: parts[0] + parts[1])
    return drawn.filter(lambda items: low <= len(items) and (high is None or len(items) <= high))


def _pattern_members(node: Node) -> st.SearchStrategy[dict[str, Any]] | None:
    """Members named by ``patternProperties`` (at most one a pattern, none a declared name),
    or ``None`` where no pattern has a Python spelling."""
    declared = set(node.get("properties", {}))
    parts = []
    for pattern, child in (node.get("patternProperties") or {}).items():
        translated = python_pattern(str(pattern))
        if translated is None or child is False:
            continue
        names = st.from_regex(translated, alphabet=TEXT_CHARACTERS).filter(
            lambda name: name not in declared
        )
        parts.append(
            st.dictionaries(names, instances(child if child is not True else {}), max_size=1)
        )
    if not parts:
        return None
    return st.tuples(*parts).map(lambda found: {k: v for each in found for k, v in each.items()})


def _objects(node: Node, fixed: Mapping[str, Any], omitted: Collection[str]) -> Any:
    required: dict[str, Any] = {}
    optional: dict[str, Any] = {}
    for name, child in node.get("properties", {}).items():
        if name in omitted:
            continue
        nested_fixed = _below(fixed, name)
        nested_omitted = [path.partition(".")[2] for path in omitted if path.startswith(name + ".")]
        if name in fixed:
            drawn = st.just(fixed[name])
        else:
            drawn = instances(child, fixed=nested_fixed, omitted=nested_omitted)
        (required if name in node.get("required", ()) else optional)[name] = drawn
    drawn = st.fixed_dictionaries(required, optional=optional)
    extra = _pattern_members(node) if "patternProperties" in node else None
    if extra is not None:
        # the declared members win where a drawn pattern member could shadow one
        drawn = st.tuples(extra, drawn).map(lambda parts: {**parts[0], **parts[1]})
    return drawn


def _below(fixed: Mapping[str, Any], name: str) -> dict[str, Any]:
    prefix = name + "."
    return {
        path.removeprefix(prefix): value for path, value in fixed.items() if path.startswith(prefix)
    }


def instances(
    node: Node,
    *,
    fixed: Mapping[str, Any] | None = None,
    omitted: Collection[str] = (),
) -> st.SearchStrategy[Any]:
    """Values that the inlined schema ``node`` accepts.

    ``fixed`` maps dotted member paths (``widget_link.url``) to the one value they take;
    ``omitted`` names optional members never drawn.
    """
    if not isinstance(node, Mapping):
        raise ArgumentError(f"Expected a schema object but got node={node!r} (type={type(node)})")
    fixed = dict(fixed or {})
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    for keyword in ("oneOf", "anyOf"):
        if keyword in node:
            rest = {key: value for key, value in node.items() if key != keyword}
            branches = [instances({**rest, **branch}) for branch in node[keyword]]
            return st.one_of(branches).filter(node_validator(node))
    types = schema_types(node)
    if not types:
        return _any_json().filter(node_validator(node))
    drawn = st.one_of([_typed(node, name, fixed, omitted) for name in types])
    if "pattern" in node or "format" in node or not FILTERED.isdisjoint(node):
        # from_regex follows the pattern and a format strategy its alphabets; the validator
        # settles what they may not (lookaheads, lengths as DNS counts them)
        drawn = drawn.filter(node_validator(node))
    return drawn


def requests(
    role: str = "customer",
    *,
    fixed: Mapping[str, Any] | None = None,
    omitted: Collection[str] = (),
    revision: str = DEFAULT_REVISION,
) -> st.SearchStrategy[dict[str, Any]]:
    """Whole create.sites requests of a ``role`` caller, valid by the contract's ``revision``.

    ``fixed`` and ``omitted`` name members of ``params`` (dotted: ``widget_link.url``): the
    access token and the entity references the target knows are fixed, others left out.
    """
    if role not in ROLES:
        raise ArgumentError(f"Expected role in {ROLES} but got role={role!r}")
    if not isinstance(omitted, Collection) or isinstance(omitted, str):
        raise ArgumentError(f"Expected a collection of member names but got omitted={omitted!r}")
    key = json.dumps(sorted((fixed or {}).items()))
    return _requests(role, key, tuple(sorted(omitted)), revision)


@functools.lru_cache(maxsize=32)
def _requests(
    role: str, fixed: str, omitted: tuple[str, ...], revision: str
) -> st.SearchStrategy[dict[str, Any]]:
    # built once per arguments: hypothesis validates a new strategy (and compiles its regular
    # expressions) on first use, which costs far more than drawing from it
    params_fixed = {f"params.{path}": value for path, value in json.loads(fixed)}
    params_omitted = [f"params.{path}" for path in omitted]
    return instances(tree("request", role, revision), fixed=params_fixed, omitted=params_omitted)
