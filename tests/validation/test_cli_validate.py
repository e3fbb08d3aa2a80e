"""``conformance validate``: exit codes, reporters and streaming, through ``main``."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.example_files import CASES

from conformance.cli import Streams, main

# The child's own peak memory: VmHWM starts afresh at exec, while ru_maxrss keeps the peak
# of the parent it was forked from.
PEAK = (
    "def peak_kib():\n"
    "    for row in open('/proc/self/status'):\n"
    "        if row.startswith('VmHWM:'):\n"
    "            return int(row.split()[1])\n"
)

VALID = CASES / "valid" / "request__minimal.json"
INVALID = CASES / "invalid" / "request__params.second_communication_period__minimum__below-1.json"


def run(*argv: str, stdin: bytes = b"") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), Streams(io.BytesIO(stdin), out, err))
    return code, out.getvalue(), err.getvalue()


def test_valid_file_exits_0() -> None:
    """All payloads valid: exit 0 and a summary."""
    code, out, _ = run("validate", str(VALID))
    assert code == 0
    assert out == "1 request payload(s) in 1 file (customer): 1 valid, 0 invalid, 0 unreadable\n"


def test_invalid_file_exits_1_with_one_line_per_violation() -> None:
    """An invalid payload: exit 1, the file, the pointer, the message and the rule."""
    code, out, _ = run("validate", str(INVALID))
    assert code == 1
    assert out.splitlines()[0] == (
        f"{INVALID}: /params/second_communication_period: `params.second_communication_period` "
        "must be between 1 and 365; got 0 [minimum at "
        "shared.schema.json#/$defs/second_communication_period/minimum]"
    )


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_every_example_file_gets_its_exit_code() -> None:
    """The valid request examples exit 0 together, each invalid one exits 1."""
    valid = sorted(str(p) for p in (CASES / "valid").glob("request__*.json"))
    assert run("validate", *valid)[0] == 0
    for path in sorted((CASES / "invalid").glob("request__*.json")):
        assert run("validate", str(path))[0] == 1, path


def test_kind_and_role_select_the_schema() -> None:
    """--kind params and --role agent validate params as an agent sends them."""
    params = json.loads(VALID.read_text())["params"]
    data = json.dumps(params).encode()
    assert run("validate", "--kind", "params", "-", stdin=data)[0] == 0
    code, out, _ = run("validate", "--kind", "params", "--role", "agent", "-", stdin=data)
    assert code == 1 and "`user_id` is required but missing" in out


def test_not_json_exits_2_with_line_and_column(tmp_path: Path) -> None:
    """A file that is not JSON is unreadable: exit 2, with line and column."""
    path = tmp_path / "broken.json"
    path.write_text('{\n  "a": 1,\n}\n')
    code, out, _ = run("validate", str(path))
    assert code == 2
    assert f"{path}: unreadable: not JSON: Expecting property name" in out
    assert "(line 3, column 1)" in out


def test_missing_file_exits_2() -> None:
    """A file that cannot be opened is said so: exit 2."""
    code, out, _ = run("validate", "/nonexistent/x.json")
    assert code == 2 and "cannot read: No such file or directory" in out


def test_unreadable_beats_invalid(tmp_path: Path) -> None:
    """Invalid and unreadable input together exit 2."""
    (tmp_path / "bad.json").write_bytes(b"\xff")
    assert run("validate", str(INVALID), str(tmp_path / "bad.json"))[0] == 2


@pytest.mark.parametrize("argv", [["validate"], ["validate", "--kind", "nope", "x"], ["nope"]])
def test_usage_errors_exit_2(argv: list[str]) -> None:
    """A command line the parser refuses: exit 2 and the usage on stderr."""
    code, out, err = run(*argv)
    assert code == 2 and out == "" and "usage: conformance" in err


def test_help_exits_0() -> None:
    """--help prints the usage and the exit codes on stdout."""
    code, out, _ = run("validate", "--help")
    assert code == 0 and "exit codes:\n  0    every payload is valid" in out


def test_json_lines_from_stdin_with_json_output() -> None:
    """JSON Lines on stdin, reported as one JSON document with counts."""
    good = VALID.read_bytes().replace(b"\n", b"").replace(b" ", b"")
    bad = INVALID.read_bytes().replace(b"\n", b"").replace(b" ", b"")
    code, out, _ = run(
        "validate", "--output", "json", "-", stdin=b"\n".join([good, bad, b"[", good])
    )
    assert code == 2
    report = json.loads(out)
    assert report["summary"] == {
        "kind": "request", "role": "customer", "sources": 1,
        "checked": 4, "valid": 2, "invalid": 1, "unreadable": 1, "interrupted": False,
    }  # fmt: skip
    invalid, unreadable = report["outcomes"]
    assert invalid["line"] == 2
    assert invalid["violations"][0]["field"] == "params.second_communication_period"
    assert unreadable["line"] == 3 and unreadable["unreadable"]["line"] == 3


def test_json_output_masks_the_access_token(tmp_path: Path) -> None:
    """A token that breaks a rule never reaches the report."""
    payload = json.loads(VALID.read_text())
    payload["params"]["access_token"] = 98765
    path = tmp_path / "token.json"
    path.write_text(json.dumps(payload))
    code, out, _ = run("validate", "--output", "json", str(path))
    assert code == 1 and "98765" not in out and '"value": "***"' in out


def test_github_output_is_workflow_commands() -> None:
    """--output github writes ::error annotations with file, line and escaped title."""
    line = INVALID.read_bytes().replace(b"\n", b"").replace(b" ", b"")
    code, out, _ = run("validate", "--output", "github", "-", stdin=b"\n" + line)
    assert code == 1
    assert out.splitlines()[0].startswith(
        "::error file=<stdin>,line=2,title=create.sites contract%3A "
        "params.second_communication_period (minimum)::`params.second_communication_period`"
    )


def test_python_dash_m_runs_the_same_command() -> None:
    """python -m conformance validate works as the console script does."""
    result = subprocess.run(
        [sys.executable, "-m", "conformance", "validate", str(INVALID)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1 and "must be between 1 and 365" in result.stdout


@pytest.mark.slow
def test_json_lines_stream_in_constant_memory(tmp_path: Path) -> None:
    """Peak memory for 100,000 requests is that of 10,000, give or take noise."""
    line = VALID.read_bytes().replace(b"\n", b"").replace(b" ", b"") + b"\n"
    peaks = []
    for count in (10_000, 100_000):
        path = tmp_path / f"{count}.jsonl"
        path.write_bytes(line * count)
        script = (
            PEAK + "import sys; from conformance.cli import main;"
            "code = main(['validate', sys.argv[1]]);"
            "print(peak_kib()); sys.exit(code)"
        )
        result = subprocess.run(
            [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        summary, peak = result.stdout.splitlines()
        assert summary.startswith(f"{count} request payload(s)")
        peaks.append(int(peak))
    assert peaks[1] - peaks[0] < 8 * 1024, f"peak RSS in KiB grew from {peaks[0]} to {peaks[1]}"


@pytest.mark.parametrize(
    ("content", "code", "said"),
    [
        (b"\xff\xfe{}", 2, "not UTF-8"),
        (b"[" * 10_000 + b"]" * 10_000, 2, "nested deeper than 200 levels"),
        (b'{"a": NaN}', 2, "NaN is not JSON"),
        (b"", 2, "not JSON"),
        (b'"' + b"x" * 10_000_000 + b'"', 1, "must be an object; got string"),
        (b'{"jsonrpc": "2.0", "id": "\\ud800"}', 2, "lone surrogate"),
    ],
    ids=["invalid-utf8", "deep-nesting", "nan", "empty", "10mb-string", "lone-surrogate"],
)
def test_hostile_files_get_a_clear_word_and_a_documented_code(
    tmp_path: Path, content: bytes, code: int, said: str
) -> None:
    """Hostile input never crashes the CLI: it says what is wrong and exits 1 or 2."""
    path = tmp_path / "hostile.json"
    path.write_bytes(content)
    result, out, err = run("validate", str(path))
    assert (result, err) == (code, "")
    assert said in out
    assert len(out) < 2_000


@pytest.mark.parametrize("name", ["capture.jsonl", "capture.ndjson", "capture.json"])
def test_a_broken_first_line_does_not_hide_the_rest(tmp_path: Path, name: str) -> None:
    """JSON Lines is decided by the file: a capture whose first line was cut is still read line
    by line, the broken line reported with its number and the others checked."""
    good = VALID.read_bytes().replace(b"\n", b"").replace(b" ", b"")
    bad = INVALID.read_bytes().replace(b"\n", b"").replace(b" ", b"")
    path = tmp_path / name
    path.write_bytes(b"\n".join([good[7:], good, bad, good]) + b"\n")
    code, out, _ = run("validate", str(path))
    assert code == 2
    assert f"{path}:1: unreadable: not JSON" in out
    assert f"{path}:3: /params/second_communication_period" in out
    assert out.rstrip().endswith(
        "4 request payload(s) in 1 file (customer): 2 valid, 1 invalid, 1 unreadable"
    )


def test_a_pretty_printed_document_is_still_one_document(tmp_path: Path) -> None:
    """A document over many lines, with a line that parses alone, is read whole."""
    payload = json.loads(VALID.read_text())
    payload["params"]["widget_link"] = {"enabled": True, "text": "x", "url": "http://a.b"}
    path = tmp_path / "pretty.json"
    path.write_text(json.dumps([payload, [1, 2]], indent=2))
    code, out, _ = run("validate", "--kind", "request", str(path))
    assert code == 1 and f"{path}: /: " in out and f"{path}:" not in out.replace(f"{path}: ", "")


def test_revision_picks_the_contract() -> None:
    """A request with name is valid under --revision current only; an unknown revision is a
    usage error naming the known ones."""
    path = str(CASES / "current" / "valid" / "request__name.json")
    assert run("validate", "--revision", "current", path)[0] == 0
    code, out, _ = run("validate", path)
    assert code == 1 and "`params.name` is not an allowed member" in out
    code, _, err = run("validate", "--revision", "2019", path)
    assert code == 2 and "'seed', 'current'" in err


def test_a_reply_checked_as_a_request_gets_a_hint() -> None:
    """A reply validated without --kind reply: its violations, and one hint naming --kind
    reply; with --kind reply it is valid and no hint is given."""
    reply = CASES / "valid" / "reply__success.json"
    code, _, err = run("validate", str(reply))
    assert code == 1
    assert err == (
        "conformance validate: hint: 1 payload(s) look like replies (a `result` or `error` "
        "member, which no request has): check them with --kind reply\n"
    )
    assert run("validate", "--kind", "reply", str(reply))[::2] == (0, "")


def test_a_folder_is_the_files_in_it(tmp_path: Path) -> None:
    """validate DIR takes the payload files in it and its subfolders (it said "Is a
    directory"), --glob narrowing them; a folder with none that match is a usage error."""
    (tmp_path / "deeper").mkdir()
    (tmp_path / "a.json").write_bytes(VALID.read_bytes())
    (tmp_path / "deeper" / "b.json").write_bytes(INVALID.read_bytes())
    (tmp_path / "notes.txt").write_text("not a payload", encoding="utf-8")
    code, out, _ = run("validate", str(tmp_path))
    assert code == 1
    assert out.endswith(
        "2 request payload(s) in 2 files (customer): 1 valid, 1 invalid, 0 unreadable\n"
    )
    code, out, _ = run("validate", str(tmp_path), "--glob", "a.*")
    assert (code, out) == (
        0,
        "1 request payload(s) in 1 file (customer): 1 valid, 0 invalid, 0 unreadable\n",
    )
    code, _, err = run("validate", str(tmp_path), "--glob", "*.yaml")
    assert code == 2 and f"no file in {tmp_path} matches --glob *.yaml" in err


def test_lenient_leaves_out_the_kits_decisions() -> None:
    """`conformance validate --lenient`: a fractional id and a cookie lifetime past 32 bits pass
    (the kit's decisions), an empty token does not (the page decides it is refused)."""
    request = {
        "jsonrpc": "2.0",
        "id": 1.5,
        "method": "create.sites",
        "params": {
            "access_token": "t",
            "domain_name": "example.com",
            "default_phone_number": "74951819160",
            "industry_id": 1,
            "cookie_lifetime": 2**31,
        },
    }
    data = json.dumps(request).encode()
    assert run("validate", "-", stdin=data)[0] == 1
    assert run("validate", "--lenient", "-", stdin=data)[0] == 0
    request["params"]["access_token"] = ""  # type: ignore[index]
    assert run("validate", "--lenient", "-", stdin=json.dumps(request).encode())[0] == 1
