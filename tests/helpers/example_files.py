"""The example payload files of tests/cases, as test cases."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CASES = Path(__file__).resolve().parents[1] / "cases"


@dataclass(frozen=True)
class Case:
    """An example payload file: ``{kind}[-{role}]__{field}__{keyword}[__{note}].json``; the
    seed revision's in ``tests/cases/{valid,invalid}``, the current one's in
    ``tests/cases/current/{valid,invalid}``."""

    path: Path
    kind: str
    role: str
    field: str
    keyword: str
    revision: str = "seed"

    @property
    def payload(self) -> Any:
        return json.loads(self.path.read_text(encoding="utf-8"))

    @classmethod
    def from_path(cls, path: Path, revision: str = "seed") -> Case:
        head, *rest = path.stem.split("__")
        kind, _, role = head.partition("-")
        field = rest[0] if rest else ""
        keyword = rest[1] if len(rest) > 1 else ""
        field = "" if field == "_root" else field
        return cls(path, kind, role or "customer", field, keyword, revision)


def cases(folder: str, revision: str = "seed") -> list[Case]:
    """The example files of ``folder`` (``valid``, ``invalid``) of ``revision``, by name."""
    where = CASES / folder if revision == "seed" else CASES / revision / folder
    return [Case.from_path(path, revision) for path in sorted(where.glob("*.json"))]
