"""tools/mutation/equivalent.toml: each mutant called equivalent still names a line of its
module and says why. A stale entry (the line rewritten) would match nothing, and the mutant it
meant would be counted a survivor without anyone being told why."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest

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


def test_an_entry_with_a_column_marks_that_operator_of_its_line_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line holding ``and`` twice: the entry naming column 9 marks that mutant equivalent,
    never the other (a mutant some test kills, counted equivalent, would hide a kill); an
    entry without a column marks both."""
    from cosmic_ray.work_db import use_db
    from cosmic_ray.work_item import MutationSpec, WorkerOutcome, WorkItem

    spec = importlib.util.spec_from_file_location("mutate", ROOT / "tools/mutation/mutate.py")
    assert spec is not None and spec.loader is not None
    mutate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mutate)
    (tmp_path / "m.py").write_text("def f(a, b, c):\n    if a and b and c:\n        return 1\n")
    monkeypatch.setattr(mutate, "ROOT", tmp_path)
    op = "core/ReplaceAndWithOr"
    for column, marked in ((9, {"and@9"}), (None, {"and@9", "and@15"})):
        entry = {"module": "m.py", "operator": op, "line": "if a and b and c:", "reason": "r"}
        if column is not None:
            entry["column"] = column
        monkeypatch.setattr(mutate, "_equivalents", lambda entry=entry: [entry])
        session = tmp_path / f"s{column}.sqlite"
        with use_db(str(session)) as db:
            for col in (9, 15):
                where = MutationSpec("m.py", op, col // 9 - 1, (2, col), (2, col + 3))
                db.add_work_item(WorkItem(job_id=f"and@{col}", mutations=(where,)))
        mutate._mark_equivalents(session, "m.py")
        with use_db(str(session)) as db:
            skipped = {job for job, r in db.results if r.worker_outcome == WorkerOutcome.SKIPPED}
        assert skipped == marked, column
