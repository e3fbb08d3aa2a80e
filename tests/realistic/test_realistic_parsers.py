"""The differential reference checks of parsers.py, on examples whose verdicts are known."""

from __future__ import annotations

import pytest
from parsers import (
    NAME_PARSERS,
    URL_PARSERS,
    idna_codec_accepts,
    idna_uts46_accepts,
    pydantic_httpurl_accepts,
    strict_name_rejects,
    strict_url_rejects,
    urlsplit_accepts,
    whatwg_host_accepts,
    whatwg_url_accepts,
)

CYRILLIC_63 = "ж" * 57  # xn--... of 57 ж is 63 octets; 58 make 64


@pytest.mark.parametrize(
    "name",
    [
        "example.com",
        "пример.рф",
        "sub.Example-1.COM",
        "a" * 63 + ".com",
        ".".join(["a" * 63] * 3 + ["a" * 61]),  # 253 octets
        f"{CYRILLIC_63}.рф",
        "日本語.中国",
        "ελληνικά.gr",
    ],
)
def test_every_parser_accepts_plain_host_names(name: str) -> None:
    assert {label: accepts(name) for label, accepts in NAME_PARSERS.items()} == dict.fromkeys(
        NAME_PARSERS, True
    )
    assert not strict_name_rejects(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "https://example.com",
        "example.com:8080",
        "example.com/path",
        "examp le.com",
        "example.com\n",
        "+example.com",
        "a_b.com",
        "a" * 64 + ".com",
        ".".join(["a" * 63] * 3 + ["a" * 62]),  # 254 octets
        f"{CYRILLIC_63}ж.рф",
    ],
)
def test_the_strict_name_check_rejects_what_the_page_and_dns_rule_out(name: str) -> None:
    assert strict_name_rejects(name)
    assert not idna_uts46_accepts(name)


@pytest.mark.parametrize(
    ("name", "uts46", "codec", "whatwg"),
    [
        # the codec is an encoder, not a validator: it passes spaces, underscores, schemes
        ("examp le.com", False, True, False),
        ("a_b.com", False, True, True),
        ("https://example.com", False, True, False),
        ("", False, True, False),
        # IDNA 2003 allows symbols that IDNA 2008 refuses; WHATWG follows UTS #46 leniently
        ("☃.com", False, True, True),
        # a label's length is DNS's rule: WHATWG (not strict) does not check it
        ("a" * 64 + ".com", False, False, True),
        # an all-digit last label is an IPv4 address to WHATWG, and not a valid one
        ("a.123", True, True, False),
        # upper-case non-ASCII is mapped by UTS #46 and nameprep
        ("ПРИМЕР.РФ", True, True, True),
    ],
)
def test_the_name_parsers_disagree_where_known(
    name: str, uts46: bool, codec: bool, whatwg: bool
) -> None:
    assert (idna_uts46_accepts(name), idna_codec_accepts(name), whatwg_host_accepts(name)) == (
        uts46,
        codec,
        whatwg,
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/contact",
        "HTTP://Example.com",
        "hTtPs://пример.рф/путь?q=1#x",
        "http://example.com:8080/a%20b?c=d",
        "http://example.com:65535",
    ],
)
def test_every_parser_accepts_plain_http_urls(url: str) -> None:
    assert {label: accepts(url) for label, accepts in URL_PARSERS.items()} == dict.fromkeys(
        URL_PARSERS, True
    )
    assert not strict_url_rejects(url)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "example.com/contact",
        "ftp://example.com/",
        "mailto:someone@example.com",
        "http://",
        "http://exa mple.com/",
        "http://example.com:65536/",
        "HTTP://[0]",
        "hTtpS://[C9a]/",
        "+https://example.com/",
    ],
)
def test_the_strict_url_check_rejects_what_no_browser_takes(url: str) -> None:
    assert strict_url_rejects(url)
    assert not whatwg_url_accepts(url)
    assert not pydantic_httpurl_accepts(url)


@pytest.mark.parametrize(
    ("url", "urlsplit", "whatwg", "pydantic"),
    [
        # urlsplit does not look into the host: a space passes
        ("http://exa mple.com/", True, False, False),
        # WHATWG and HttpUrl read an all-digit last label as a bad IPv4 address
        ("http://a.123/", True, False, False),
        # all three strip the spaces around and percent-encode one inside the path
        (" http://example.com ", True, True, True),
        ("http://example.com/a b", True, True, True),
        # urlsplit checks a bracketed host is an IP address (Python 3.11.4+)
        ("http://[0]/", False, False, False),
        ("http://[::1]/", True, True, True),
    ],
)
def test_the_url_parsers_disagree_where_known(
    url: str, urlsplit: bool, whatwg: bool, pydantic: bool
) -> None:
    assert (urlsplit_accepts(url), whatwg_url_accepts(url), pydantic_httpurl_accepts(url)) == (
        urlsplit,
        whatwg,
        pydantic,
    )


@pytest.mark.parametrize("value", ["\ud800.com", "a\x00b.com", "\U0001f600.com", "." * 300])
def test_no_parser_raises_on_hostile_values(value: str) -> None:
    for accepts in (*NAME_PARSERS.values(), *URL_PARSERS.values()):
        assert isinstance(accepts(value), bool)
        assert isinstance(accepts("http://" + value), bool)
    assert isinstance(strict_name_rejects(value), bool)
    assert isinstance(strict_url_rejects(value), bool)
