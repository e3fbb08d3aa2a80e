"""The mock's tests run in a folder of their own: ``conformance fuzz`` saves failures under
``.conformance/failures`` in the working folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _in_own_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
