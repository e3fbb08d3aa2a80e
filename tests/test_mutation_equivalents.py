"""tools/mutation/equivalent.toml: each mutant called equivalent still names a line of its
module and says why. A stale entry (the line rewritten) would match nothing, and the mutant it
meant would be counted a survivor without anyone being told why."""

from __future__ import annotations

import importlib.util
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
        if "column" in entry:  # the operator's own word, where the line holds it twice
            (line,) = [line for line in (ROOT / entry["module"]).read_text("utf-8").splitlines()
                       if entry["line"] in line]  # fmt: skip
            word = {"core/ReplaceAndWithOr": "and", "core/ReplaceOrWithAnd": "or"}
            assert line[entry["column"] :].startswith(word[entry["operator"]] + " "), entry
        assert entry["operator"].startswith("core/"), entry
        assert len(entry["reason"].split()) >= 8, entry


def test_an_entry_with_a_column_marks_that_operator_of_its_line_alone() -> None:
    """A line holding ``and`` twice: the entry naming column 9 marks that mutant equivalent,
    never the other (a mutant some test kills, counted equivalent, would hide a kill); an
    entry without a column marks both; another operator or line, neither."""
    spec = importlib.util.spec_from_file_location("mutate", ROOT / "tools/mutation/mutate.py")
    assert spec is not None and spec.loader is not None
    mutate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mutate)
    op, line = "core/ReplaceAndWithOr", "if a and b and c:"
    entry = {"module": "m.py", "operator": op, "line": line, "reason": "r"}
    named = {**entry, "column": 9}
    assert mutate._equivalent([named], op, line, 9) is named
    assert mutate._equivalent([named], op, line, 15) is None
    assert mutate._equivalent([entry], op, line, 9) is entry
    assert mutate._equivalent([entry], op, line, 15) is entry
    assert mutate._equivalent([entry], "core/ReplaceOrWithAnd", line, 9) is None
    assert mutate._equivalent([entry], op, "if a and b:", 5) is None
