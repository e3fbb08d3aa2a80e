"""The example payload files of tests/cases, as test cases."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CASES = Path(__file__).resolve().parent / "cases"


@dataclass(frozen=True)
class Case:
    """An example payload file: ``{kind}[-{role}]__{field}__{keyword}[__{note}].json``."""

    path: Path
    kind: str
    role: str
    field: str
    keyword: str

    @property
    def payload(self) -> Any:
        return json.loads(self.path.read_text(encoding="utf-8"))

    @classmethod
    def from_path(cls, path: Path) -> Case:
        head, *rest = path.stem.split("__")
        kind, _, role = head.partition("-")
        field = rest[0] if rest else ""
        keyword = rest[1] if len(rest) > 1 else ""
        return cls(path, kind, role or "customer", "" if field == "_root" else field, keyword)


def cases(folder: str) -> list[Case]:
    """The example files of ``tests/cases/{folder}``, sorted by name."""
    return [Case.from_path(path) for path in sorted((CASES / folder).glob("*.json"))]
