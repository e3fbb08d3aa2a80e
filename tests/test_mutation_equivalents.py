"""tools/mutation/equivalent.toml: each mutant called equivalent still names a line of its
module and says why. A stale entry (the line rewritten) would match nothing, and the mutant it
meant would be counted a survivor without anyone being told why."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = tomllib.loads((ROOT / "tools" / "mutation" / "equivalent.toml").read_text("utf-8"))


def test_every_equivalent_names_a_line_of_its_module_and_a_reason() -> None:
    entries = ENTRIES["equivalent"]
    assert entries
    for entry in entries:
        lines = [line.strip() for line in (ROOT / entry["module"]).read_text("utf-8").splitlines()]
        holding = [line for line in lines if entry["line"] in line]
        assert holding, (entry["module"], entry["line"])
        assert entry["operator"].startswith("core/"), entry
        assert len(entry["reason"].split()) >= 8, entry
