"""Fixtures for the runner's tests: the reference server, served once per test process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from runner_helpers import served


@pytest.fixture(scope="session")
def reference_url() -> Iterator[str]:
    """The base URL of the reference server, on a free loopback port."""
    with served() as url:
        yield url
