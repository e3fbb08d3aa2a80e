"""The runner's zones, proven by the panel (``panel.py``: every checker servers and schema
validators judge host names and URLs with):

- every domain name and URL the valid and boundary families send, every checker takes
  (must-accept: the boundary family as sent, and 10,000 drawn requests, in five parts that
  pytest-xdist spreads);
- every one the invalid family sends and judges, every checker that validates refuses
  (must-reject); every one it sends as the kit's decision (``x-decisions``), the panel splits
  on; so it does on each of the zones' ``contested`` examples, which are never sent;
- the docs' table of what each checker says about the contested values is the panel's
  verdicts (regenerate it with ``python tests/realistic/panel.py``);
- the validator's verdict on names and URLs agrees with the reference definition written here
  from the standards, over 10,000 strings drawn widely (any text, and mutations of valid
  names and URLs).

Each test over the zones runs twice: with the Python checkers alone (``make check``, no npm)
and with the whole panel, Node's checkers included (marked slow: ajv's plugin comes from
``make ajv-tools``). The whole panel on every zone value takes under a second.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import idna
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from panel import FORMATS, Verdicts, decided_variants, panel_tables, verdicts, zone

from conformance import create_sites
from conformance.create_sites import plan, valid_requests
from conformance.engine.settings import Settings
from conformance.generation.strategies import domain_names, http_urls
from conformance.generation.zones import FORMAT_ZONES
from conformance.validation.formats import domain_name_problem, url_problem

SETTINGS = Settings(token="differential-token")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "contract.md"

#: The members whose schema names each format.
MEMBERS = {"domain_name": "idn-hostname", "widget_link.url": "iri"}

#: Each test over the zones: the Python checkers alone, then the whole panel.
WHOLE_PANEL = pytest.mark.parametrize(
    "with_node", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["python", "panel"]
)


def _sent() -> dict[str, list[tuple[str, str, str]]]:
    """What the boundary and invalid families send in a name or a URL, as sent (the unique tag
    written in): ``(case, value, the zone it claims)`` by format."""
    session = create_sites.session("http://127.0.0.1:9/", SETTINGS)
    found: dict[str, list[tuple[str, str, str]]] = {fmt: [] for fmt in FORMATS}
    for case in plan(SETTINGS):
        if case.family not in ("boundary", "invalid"):
            continue
        member, _, keyword = case.label.rpartition(":")
        if keyword != "format" or member not in MEMBERS:
            continue
        params = (session.prepare(case) if case.family == "boundary" else case.payload)["params"]
        value = params["domain_name"] if member == "domain_name" else params["widget_link"]["url"]
        if case.family == "boundary":
            claim = "must-accept"
        else:
            claim = "contested" if case.strict is not None else "must-reject"
        found[MEMBERS[member]].append((case.name, value, claim))
    return found


def _mismatches(
    claimed: dict[str, list[tuple[str, str, str]]], with_node: bool
) -> list[tuple[str, str, str, Verdicts]]:
    """``(what, claimed zone, the panel's zone, verdicts)`` wherever they differ. With the
    Python checkers alone, only must-accept and must-reject claims can be proven (a split may
    come from Node's checkers)."""
    said = verdicts({fmt: [value for _, value, _ in rows] for fmt, rows in claimed.items()},
                    with_node=with_node)  # fmt: skip
    wrong = []
    for fmt, rows in claimed.items():
        for (what, _, claim), row in zip(rows, said[fmt], strict=True):
            found = zone(row)
            if found != claim and (with_node or claim != "contested"):
                wrong.append((what, claim, found, row))
    return wrong


@WHOLE_PANEL
def test_the_boundary_and_invalid_families_send_the_panels_zones(with_node: bool) -> None:
    """Boundary: must-accept; invalid and judged: must-reject; invalid and the kit's decision
    (robustness alone unless --strict): contested."""
    sent = _sent()
    assert {claim for rows in sent.values() for _, _, claim in rows} == {
        "must-accept",
        "must-reject",
        "contested",
    }
    assert _mismatches(sent, with_node) == []


@WHOLE_PANEL
def test_every_contested_example_splits_the_panel(with_node: bool) -> None:
    claimed = {
        fmt: [(what, value, "contested") for what, value in zones.contested]
        for fmt, zones in FORMAT_ZONES.items()
    }
    assert _mismatches(claimed, with_node) == []


def test_every_decided_variant_is_one_the_invalid_family_sends() -> None:
    """A decision naming a variant no zone has would decide nothing."""
    for fmt, zones in FORMAT_ZONES.items():
        assert decided_variants(fmt) <= {variant for variant, _ in zones.invalid}


def _drawn(strategy: Any, examples: int, part: int) -> list[Any]:
    found: list[Any] = []

    @seed(part)
    @settings(parent=settings.get_profile("generation"), max_examples=examples)
    @given(strategy)
    def draw(value: Any) -> None:
        found.append(value)

    draw()
    return found


def _refusals(values: dict[str, list[str]]) -> list[str]:
    said = verdicts(values)
    return [
        f"{name}({value!r})"
        for fmt, texts in values.items()
        for value, row in zip(texts, said[fmt], strict=True)
        for name, taken in row.items()
        if not taken
    ]


@pytest.mark.slow
@pytest.mark.parametrize("part", range(5))
def test_every_drawn_valid_name_and_url_is_accepted_by_the_whole_panel(part: int) -> None:
    """The strategies the valid family draws domain_name and widget_link.url from, 2,000 of
    each a part (10,000 in all): zero refusals by any checker."""
    names = _drawn(domain_names(), 2_000, part)
    urls = _drawn(http_urls(), 2_000, part)
    assert _refusals({"idn-hostname": names, "iri": urls}) == []
    assert len(set(names)) > 1_000 and len(set(urls)) > 1_000  # drawn widely, not one value


def _url(params: dict[str, Any]) -> str | None:
    link = params.get("widget_link")
    return link.get("url") if isinstance(link, dict) else None


@pytest.mark.slow
def test_every_drawn_valid_request_is_accepted_by_the_whole_panel() -> None:
    """Whole requests of the valid family (the strategies above, wired in): zero refusals."""
    requests = _drawn(valid_requests(SETTINGS), 1_000, 0)
    params = [request["params"] for request in requests]
    urls = [url for url in map(_url, params) if url is not None]
    names = [p["domain_name"] for p in params]
    assert _refusals({"idn-hostname": names, "iri": urls}) == []
    assert len(urls) > 100


@pytest.mark.slow
def test_the_docs_table_of_contested_values_is_the_panels_verdicts() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### What each checker says", 1)[1].split("\n### ", 1)[0]
    start = section.index("#### ")
    assert section[start:].rstrip() + "\n" == panel_tables()


# --- the validator against definitions written from the standards ------------------------------

_SPACE_OR_CONTROL = re.compile(
    r"[\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
)


def reference_name_ok(name: str) -> bool:
    """UTS #46 (non-transitional, STD3) then IDNA 2008 by ``idna.encode``; A-label lengths;
    two labels or more, none empty; the last not all digits; no white space."""
    if not name or _SPACE_OR_CONTROL.search(name):
        return False
    try:
        encoded = idna.encode(name, uts46=True, std3_rules=True, transitional=False)
    except (idna.IDNAError, UnicodeError):
        return False
    labels = encoded.split(b".")
    return (
        len(labels) >= 2
        and all(1 <= len(label) <= 63 for label in labels)
        and len(encoded) <= 253
        and not labels[-1].isdigit()
    )


def reference_url_ok(url: str) -> bool:
    """An absolute URL with //authority; the host a reference name, an IPv4 address or a
    bracketed IPv6 address; the port, if any, 0-65535; no white space or control."""
    if _SPACE_OR_CONTROL.search(url):
        return False
    match = re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)(?:[/?#].*)?", url, re.DOTALL)
    if match is None:
        return False
    host_port = match[1].rpartition("@")[2]
    bracketed = re.fullmatch(r"\[([^\]]*)\](?::(\d*))?", host_port)
    if bracketed is not None:
        host, port = bracketed[1], bracketed[2]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
    else:
        host, _, port = host_port.partition(":")
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            if not reference_name_ok(host):
                return False
    return not port or (port.isascii() and port.isdigit() and int(port) <= 65535)


_PIECES = st.sampled_from(
    ["a", "Ж", "ж", "-", ".", "..", "_", " ", "\n", "/", ":", "@", "[", "]", "1", "0", "xn--",
     "ß", "\u200d", "\U0001f600", "%", "。", "\u00a0", "A", "é", "例", "8080", "::1"]
)  # fmt: skip


@st.composite
def _mutated(draw: Any, base: st.SearchStrategy[str]) -> str:
    text = draw(base)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 2))
        text = text[:at] + draw(_PIECES) + text[at + cut :]
    return text


NAMES = st.one_of(st.text(max_size=40), _mutated(domain_names()), _mutated(st.just("a.com")))
URLS = st.one_of(st.text(max_size=40), _mutated(http_urls()), _mutated(st.just("https://a.com/")))


@pytest.mark.slow
@pytest.mark.parametrize("part", range(2))
def test_the_name_verdict_agrees_with_the_reference(part: int) -> None:
    """5,000 strings a part, 10,000 in all: zero disagreements."""
    names = _drawn(NAMES, 5_000, part)
    assert [n for n in names if (domain_name_problem(n) is None) != reference_name_ok(n)] == []
    assert sum(map(reference_name_ok, names)) > 500  # both verdicts are well represented


@pytest.mark.slow
@pytest.mark.parametrize("part", range(2))
def test_the_url_verdict_agrees_with_the_reference(part: int) -> None:
    """5,000 strings a part, 10,000 in all: zero disagreements."""
    urls = _drawn(URLS, 5_000, part)
    assert [u for u in urls if (url_problem(u) is None) != reference_url_ok(u)] == []
    assert sum(map(reference_url_ok, urls)) > 500
