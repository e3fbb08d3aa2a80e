"""``make demo``: validate the example payloads, valid and invalid, and show the report."""

from __future__ import annotations

import sys
from pathlib import Path

from conformance.cli import main as conformance

CASES = Path(__file__).resolve().parent.parent / "tests" / "cases"


def main() -> int:
    """Validate every valid example request, then a few invalid ones."""
    valid = sorted(str(path) for path in (CASES / "valid").glob("request__*.json"))
    print(f"$ conformance validate tests/cases/valid/request__*.json  ({len(valid)} files)")
    conformance(["validate", *valid])
    invalid = sorted(str(path) for path in (CASES / "invalid").glob("request__params.*.json"))[:8]
    print("\n$ conformance validate <8 invalid examples>")
    return 0 if conformance(["validate", *invalid]) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
