"""The runner's zones, checked against the parsers real servers use (``parsers.py``):

- every domain name and URL the valid and boundary families send is accepted by every listed
  parser (10,000 drawn requests, in five parts that pytest-xdist spreads);
- every domain name and URL the invalid family sends is refused by the strict ones;
- the validator's verdict on names and URLs agrees with the reference definition written here
  from the standards, over 10,000 strings drawn widely (any text, and mutations of valid
  names and URLs).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import idna
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from parsers import (
    idna_codec_accepts,
    idna_uts46_accepts,
    pydantic_httpurl_accepts,
    strict_name_rejects,
    strict_url_rejects,
    urlsplit_accepts,
    whatwg_host_accepts,
    whatwg_url_accepts,
)

from conformance import create_sites
from conformance.create_sites import plan, valid_requests
from conformance.engine.settings import Settings
from conformance.generation.strategies import domain_names, http_urls
from conformance.validation.formats import domain_name_problem, url_problem

NAME_PARSERS = (idna_uts46_accepts, idna_codec_accepts, whatwg_host_accepts)
URL_PARSERS = (urlsplit_accepts, whatwg_url_accepts, pydantic_httpurl_accepts)
SETTINGS = Settings(token="differential-token")


def _refusals(name: str, url: str | None) -> list[str]:
    found = [f"{p.__name__}({name!r})" for p in NAME_PARSERS if not p(name)]
    if url is not None:
        found += [f"{p.__name__}({url!r})" for p in URL_PARSERS if not p(url)]
    return found


def _url(params: dict[str, Any]) -> str | None:
    link = params.get("widget_link")
    return link.get("url") if isinstance(link, dict) else None


def _drawn(strategy: Any, examples: int, part: int) -> list[Any]:
    found: list[Any] = []

    @seed(part)
    @settings(parent=settings.get_profile("generation"), max_examples=examples)
    @given(strategy)
    def draw(value: Any) -> None:
        found.append(value)

    draw()
    return found


@pytest.mark.slow
@pytest.mark.parametrize("part", range(5))
def test_every_drawn_valid_name_and_url_is_accepted_by_every_parser(part: int) -> None:
    """The strategies the valid family draws domain_name and widget_link.url from, 2,000 of
    each a part (10,000 in all): zero refusals by any listed parser."""
    names = _drawn(domain_names(), 2_000, part)
    urls = _drawn(http_urls(), 2_000, part)
    refused = [r for name in names for r in _refusals(name, None)]
    refused += [f"{p.__name__}({url!r})" for url in urls for p in URL_PARSERS if not p(url)]
    assert refused == []
    assert len(set(names)) > 1_000 and len(set(urls)) > 1_000  # drawn widely, not one value


@pytest.mark.slow
def test_every_drawn_valid_request_is_accepted_by_every_parser() -> None:
    """Whole requests of the valid family (the strategies above, wired in): zero refusals."""
    requests = _drawn(valid_requests(SETTINGS), 1_000, 0)
    params = [request["params"] for request in requests]
    refused = [r for p in params for r in _refusals(p["domain_name"], _url(p))]
    assert refused == []
    assert sum(_url(p) is not None for p in params) > 100


def test_every_boundary_name_and_url_is_accepted_by_every_parser() -> None:
    """The deterministic boundary family, as sent (the unique tag written in)."""
    session = create_sites.session("http://127.0.0.1:9/", SETTINGS)
    refused = []
    for case in plan(SETTINGS):
        if case.family == "boundary":
            params = session.prepare(case)["params"]
            refused += _refusals(params["domain_name"], _url(params))
    assert refused == []


def test_every_invalid_name_and_url_is_refused_by_the_strict_parsers() -> None:
    """What the invalid family sends as a broken name or URL, no strict parser accepts."""
    accepted = []
    for case in plan(SETTINGS):
        if case.family != "invalid":
            continue
        params = case.payload["params"]
        name, url = params.get("domain_name"), _url(params)
        if case.label.startswith("domain_name:") and isinstance(name, str):
            accepted += [case.name] if not strict_name_rejects(name) else []
        if case.label.startswith("widget_link.url:") and isinstance(url, str):
            accepted += [case.name] if not strict_url_rejects(url) else []
    assert accepted == []


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
