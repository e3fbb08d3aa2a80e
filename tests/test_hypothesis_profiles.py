"""The hypothesis profiles are registered once, in tests/conftest.py: a test that draws the kit's
own large, filtered examples names the ``generation`` profile rather than writing its settings
(every health check suppressed, no deadline, no database) again."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, settings

TESTS = Path(__file__).resolve().parent


def test_the_generation_profile_is_registered_by_conftest() -> None:
    profile = settings.get_profile("generation")
    assert set(profile.suppress_health_check) == set(HealthCheck)
    assert profile.deadline is None and profile.database is None


def test_no_test_writes_the_profiles_settings_again() -> None:
    """``suppress_health_check=list(HealthCheck)`` only in conftest.py (and in a script run
    outside pytest, which conftest.py does not reach)."""
    exempt = {
        TESTS / "conftest.py",
        TESTS / "realistic" / "measure_false_alarms.py",
        Path(__file__).resolve(),  # this test names the string it looks for
    }
    written = [
        str(path.relative_to(TESTS))
        for path in sorted(TESTS.rglob("*.py"))
        if path not in exempt
        and "suppress_health_check=list(HealthCheck)" in path.read_text(encoding="utf-8")
    ]
    assert written == []
