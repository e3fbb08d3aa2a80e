"""The ids of what a run created, as the JSON file ``conformance fuzz --created`` and the
plugin's ``--target-created`` write: the target (its URL, the token masked), the count, and
one entry a creation (``conformance.engine.creations.Created``), in the order made."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from conformance.engine.creations import Created
from conformance.reporting.redaction import mask_url, scrub_value


def write_created(
    path: str | Path, created: Iterable[Created], target: str | None, token: str
) -> None:
    """Write ``created`` to ``path`` (``target``: the run's URL, or ``None`` where the run
    ended before it had one); the token masked wherever a value holds it."""
    entries = [scrub_value(item.as_dict(), token) for item in created]
    document = {
        "target": mask_url(target, token) if target is not None else None,
        "count": len(entries),
        "created": entries,
    }
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


__all__ = ["write_created"]
