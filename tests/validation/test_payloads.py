"""Reading payloads strictly: what is not one JSON payload is said so, with where."""

from __future__ import annotations

import json

import pytest

from conformance import PayloadError, loads
from conformance.validation.payloads import MAX_DEPTH, iter_documents


def test_reads_utf8_json() -> None:
    """UTF-8 JSON, with or without a byte-order mark, reads as JSON."""
    assert loads('{"a": "пример"}'.encode()) == {"a": "пример"}
    assert loads(b"\xef\xbb\xbf[1]") == [1]


def test_invalid_utf8_is_located() -> None:
    """A byte that is not UTF-8 is named, with its offset, line and column."""
    with pytest.raises(PayloadError) as raised:
        loads(b'{"a":\n "\xff"}')
    assert "byte 0xff at offset 8" in str(raised.value)
    assert (raised.value.line, raised.value.column) == (2, 3)


def test_syntax_error_is_located() -> None:
    """A syntax error names line and column."""
    with pytest.raises(PayloadError, match=r"not JSON: .* \(line 2, column 1\)"):
        loads(b'{"a": 1,\n}')


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity", b"[NaN]"])
def test_nan_and_infinity_are_not_json(constant: bytes) -> None:
    """NaN and Infinity, which Python's json accepts, are refused."""
    with pytest.raises(PayloadError, match="is not JSON"):
        loads(constant)


def test_deep_nesting_is_refused_before_parsing() -> None:
    """10,000 levels of nesting are refused with the limit named, not a RecursionError."""
    with pytest.raises(PayloadError, match=f"nested deeper than {MAX_DEPTH} levels"):
        loads(b"[" * 10_000 + b"]" * 10_000)
    assert loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None


def test_brackets_inside_strings_are_not_nesting() -> None:
    """Brackets in strings do not count towards the depth limit."""
    text = '["' + "[" * 1_000 + '\\"' + "{" * 1_000 + '"]'
    assert loads(text) == ["[" * 1_000 + '"' + "{" * 1_000]


def test_huge_integers_are_refused_with_a_reason() -> None:
    """An integer of more digits than Python converts is refused, not raised as ValueError."""
    with pytest.raises(PayloadError, match="not acceptable JSON"):
        loads(b"1" * 5_000)


def test_documents_of_a_json_file() -> None:
    """A pretty-printed file is one document."""
    (document,) = iter_documents("a.json", [b"{\n", b'  "a": 1\n', b"}\n"])
    assert (document.line, document.payload, document.error) == (None, {"a": 1}, None)


def test_documents_of_a_json_lines_file() -> None:
    """A file whose first line is a whole value is JSON Lines; errors give the file's line."""
    lines = [b"\n", b'{"a": 1}\n', b"\n", b"{oops\n", b"[2]"]
    documents = list(iter_documents("a.jsonl", lines))
    assert [(d.line, d.payload) for d in documents] == [(2, {"a": 1}), (4, None), (5, [2])]
    error = documents[1].error
    assert error is not None and (error.line, error.column) == (4, 2)


def test_what_the_grammar_takes_is_read_and_raw_surrogates_are_not_utf8() -> None:
    """A reply quoting a request's escaped lone surrogate is JSON (RFC 8259's grammar takes
    it); its raw bytes are no UTF-8 (json.loads of bytes would let them through)."""
    assert loads(b'{"a": "\\ud800"}') == {"a": "\ud800"}
    assert loads(b'{"a": 1e400, "a": 2}') == {"a": 2}
    assert loads(b"1e400") == float("inf")
    assert json.loads(b'"\xed\xa0\x80"') == "\ud800"
    with pytest.raises(PayloadError, match="not UTF-8: byte 0xed at offset 1"):
        loads(b'"\xed\xa0\x80"')
