"""The pre-commit hooks check payload folders only: a commit of package.json is left alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

HOOKS = Path(__file__).parent.parent / ".pre-commit-hooks.yaml"


def _files_patterns() -> dict[str, str]:
    """Each hook's ``files:`` regex. Read with a regular expression rather than a YAML parser:
    the file is flat, and the test environment carries no YAML library."""
    text = HOOKS.read_text(encoding="utf-8")
    hooks = re.findall(r"^- id: (\S+)\n((?:  .*\n)+)", text, flags=re.MULTILINE)
    patterns = {}
    for hook, body in hooks:
        found = re.search(r"^  files: (.+)$", body, flags=re.MULTILINE)
        assert found, f"{hook} has no files: pattern (it would run on every file)"
        patterns[hook] = found.group(1).strip()
    return patterns


@pytest.mark.parametrize(
    "path", ["package.json", "tsconfig.json", "src/data/config.json", "create-sites.json"]
)
def test_no_hook_runs_on_the_projects_other_json(path: str) -> None:
    """Files outside the payload folders do not match any hook."""
    for hook, pattern in _files_patterns().items():
        assert not re.search(pattern, path), f"{hook} would check {path}"


def test_each_hook_runs_on_its_payload_folder() -> None:
    """Requests under create-sites/, replies under create-sites-replies/, in any folder."""
    patterns = _files_patterns()
    assert set(patterns) == {"create-sites-validate", "create-sites-validate-replies"}
    requests, replies = patterns["create-sites-validate"], patterns["create-sites-validate-replies"]
    for path in (
        "create-sites/a.json",
        "tests/create-sites/capture.jsonl",
        "create-sites/x.ndjson",
    ):
        assert re.search(requests, path) and not re.search(replies, path)
    assert re.search(replies, "fixtures/create-sites-replies/ok.json")
