"""The pytest plugin: ``pytest --target-url URL`` from an empty folder runs the suite, with ids
naming family and rule; without a target the plugin does nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from helpers.targets import CUSTOMER_TOKEN, served

from conformance.server import CreateSitesApp

# Each test runs pytest in a subprocess (seconds each): make test runs them, make check not.
pytestmark = pytest.mark.slow


def _pytest(folder: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_TARGET_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *argv],
        cwd=folder,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_empty_folder_runs_the_whole_suite(reference_url: str, tmp_path: Path) -> None:
    """From an empty folder, with the token from its environment variable and two xdist
    workers: every family runs and passes, and the JUnit report names each rule."""
    junit = tmp_path / "report.xml"
    done = _pytest(
        tmp_path,
        "--target-url",
        reference_url,
        "-n",
        "2",
        "--junitxml",
        str(junit),
        "--hypothesis-seed",
        "1",
        CONFORMANCE_TARGET_TOKEN=CUSTOMER_TOKEN,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    names = {case.get("name", "") for case in ElementTree.parse(junit).getroot().iter("testcase")}
    assert "test_invalid_rejected[widget_link.text:maxLength]" in names
    assert "test_valid_accepted" in names
    assert any(name.startswith("test_protocol[") for name in names)


class NoReplyId(CreateSitesApp):
    """Leaves the id out of success replies."""

    def success(self, request_id: object, site_id: int) -> dict[str, object]:
        reply = super().success(request_id, site_id)
        del reply["id"]
        return reply


def test_a_broken_target_fails_with_the_token_masked(tmp_path: Path) -> None:
    """A defect fails the tests of the rule it breaks; the token never shows in the output."""
    with served(NoReplyId) as url:
        done = _pytest(
            tmp_path,
            "--target-url",
            url,
            "--target-token",
            CUSTOMER_TOKEN,
            "-k",
            "boundary_accepted and industry_id",
        )
    assert done.returncode == 1
    assert "FAILED create.sites::test_boundary_accepted[industry_id:" in done.stdout
    assert CUSTOMER_TOKEN not in done.stdout and "***" in done.stdout


def test_without_a_target_the_plugin_does_nothing(tmp_path: Path) -> None:
    """No --target-url: an empty folder collects nothing (exit 5), a test file runs alone."""
    assert _pytest(tmp_path).returncode == 5
    (tmp_path / "test_one.py").write_text("def test_one():\n    pass\n", encoding="utf-8")
    done = _pytest(tmp_path)
    assert done.returncode == 0 and "1 passed" in done.stdout


def test_an_unreachable_target_stops_the_session(tmp_path: Path) -> None:
    """A target nothing listens on ends the session at once with exit 2."""
    with served() as url:
        pass
    done = _pytest(tmp_path, "--target-url", url, "--target-token", "t")
    assert done.returncode == 2 and "unreachable" in done.stdout + done.stderr


def test_a_refused_token_stops_the_session(reference_url: str, tmp_path: Path) -> None:
    """A token the target refuses ends the session at once with exit 2 and one message."""
    done = _pytest(tmp_path, "--target-url", reference_url, "--target-token", "wrong-token-77")
    assert done.returncode == 2
    said = done.stdout + done.stderr
    assert said.count("refused the token") == 1, said  # once: it was printed twice
    assert "wrong-token-77" not in said
    assert "never judged" not in said  # nothing but the one message


def test_a_word_seed_gives_a_fixed_number() -> None:
    """A non-numeric --hypothesis-seed is hashed the same way every time, not dropped to 0."""
    from conformance.pytest_plugin import _seed_number

    assert _seed_number("12") == 12
    assert _seed_number("nightly") == _seed_number("nightly") != 0
    assert _seed_number(None) == 0


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("soon", "--target-timeout expects seconds, got 'soon'"),
        ("0", "conformance: --target-timeout must be a number of seconds > 0; got 0.0"),
    ],
)
def test_a_bad_timeout_is_a_usage_error_not_a_default(
    tmp_path: Path, value: str, said: str
) -> None:
    """--target-timeout that is not a number, or 0: exit 4 (usage) saying why, no default."""
    done = _pytest(
        tmp_path, "--target-url", "http://127.0.0.1:9/", "--target-token", "t",
        "--target-timeout", value,
    )  # fmt: skip
    assert done.returncode == 4
    assert said in done.stdout + done.stderr


def test_an_agent_without_a_user_id_is_one_usage_line(tmp_path: Path) -> None:
    """--target-role agent without --target-user-id: a usage error naming the plugin's own
    option (no INTERNALERROR, not the CLI's --user-id, not a list of every option)."""
    done = _pytest(
        tmp_path, "--target-url", "http://127.0.0.1:9/", "--target-token", "t",
        "--target-role", "agent",
    )  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 4, said
    assert (
        "conformance: user_id is required for --target-role agent: name one the target knows "
        "(--target-user-id)" in said
    )
    assert "INTERNALERROR" not in said and "--user-id" not in said.replace("--target-user-id", "")


def test_setup_errors_name_the_plugins_options(reference_url: str, tmp_path: Path) -> None:
    """An agent's token run as a customer's: the session stops (exit 2) naming --target-role."""
    from helpers.targets import AGENT_TOKEN

    done = _pytest(tmp_path, "--target-url", reference_url, "--target-token", AGENT_TOKEN)
    said = done.stdout + done.stderr
    assert done.returncode == 2, said[-2000:]
    assert "needs --target-role agent and --target-user-id N" in said


def test_no_hypothesis_folder_is_left_behind(reference_url: str, tmp_path: Path) -> None:
    """hypothesis's example database stays off unless the user configured one: the folder
    pytest ran in holds no .hypothesis/ afterwards."""
    done = _pytest(
        tmp_path, "--target-url", reference_url, "--target-token", CUSTOMER_TOKEN,
        "-k", "valid_accepted", "--hypothesis-seed", "3",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
    assert not (tmp_path / ".hypothesis").exists()


def test_the_current_revision_from_its_environment_variable(tmp_path: Path) -> None:
    """CONFORMANCE_TARGET_REVISION=current against a current-revision server: every family
    passes, the duplicates family is one test, the robustness family's tests are there; the same
    server run as the seed's revision stops the session at once, with one message naming
    --target-revision current."""
    junit = tmp_path / "report.xml"
    with served(revision="current") as url:
        done = _pytest(
            tmp_path, "--target-url", url, "--target-max-examples", "10", "--junitxml",
            str(junit), CONFORMANCE_TARGET_TOKEN=CUSTOMER_TOKEN,
            CONFORMANCE_TARGET_REVISION="current",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-3000:]
        names = {c.get("name", "") for c in ElementTree.parse(junit).getroot().iter("testcase")}
        assert {
            "test_duplicate_refused[domain_name]",
            "test_boundary_accepted[name:optional]",
            "test_robust[id:non-finite]",  # the robustness family, a test per member and kind
            "test_robust[name:lone-surrogate]",
        } <= names
        seed = _pytest(
            tmp_path, "--target-url", url, "--target-max-examples", "0",
            "-k", "test_protocol and id-string", CONFORMANCE_TARGET_TOKEN=CUSTOMER_TOKEN,
        )  # fmt: skip
        said = seed.stdout + seed.stderr
        assert seed.returncode == 2, said[-2000:]
        assert said.count("(--target-revision current if the target implements it;") == 1, said


def test_a_target_of_the_other_revision_is_one_setup_error(
    reference_url: str, tmp_path: Path
) -> None:
    """The seed's reference server under --target-revision current, with two workers: the
    session stops before any test (exit 2) with the one message, printed once, naming the
    option and saying that the refusal is the target's defect if it implements current; not a
    failure per test."""
    done = _pytest(
        tmp_path, "--target-url", reference_url, "--target-token", CUSTOMER_TOKEN,
        "--target-revision", "current", "-n", "2",
    )  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 2, said[-2000:]
    assert said.count("the target refused a valid request at 'name'") == 1, said
    assert "(--target-revision seed if the target implements it; if it implements " in said
    assert "'current', that refusal is its defect)" in said
    assert "FAILED" not in said and "passed" not in said and "failed" not in said, said


def test_an_unknown_revision_is_a_usage_error(tmp_path: Path) -> None:
    """--target-revision 2019: exit 4 naming the option and the known revisions."""
    done = _pytest(
        tmp_path, "--target-url", "http://127.0.0.1:9/", "--target-token", "t",
        "--target-revision", "2019",
    )  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 4, said
    assert "--target-revision must be one of the contract's revisions seed, current" in said


def test_headers_and_tls_for_a_staging_target(tmp_path: Path) -> None:
    """--target-header is sent with every request and its secret value shows as ***;
    --target-cacert verifies a self-signed target (without it the session stops at once)."""
    from helpers.staging import make_certificate, server_context, target

    secret = "pytest-bearer-value-5e1d9"
    cert, key = make_certificate(tmp_path)
    folder = tmp_path / "run"
    folder.mkdir()
    with target(server_context(cert, key)) as (url, server):
        argv = ("--target-url", url, "--target-token", CUSTOMER_TOKEN, "-k", "protocol")
        header = ("--target-header", f"Authorization: Bearer {secret}")
        refused = _pytest(folder, *argv, *header)
        done = _pytest(folder, *argv, *header, "--target-cacert", str(cert))
    assert refused.returncode == 2 and "CERTIFICATE_VERIFY_FAILED" in refused.stdout
    assert done.returncode == 1, done.stdout[-2000:]
    assert "denied for Bearer ***" in done.stdout or "denied for ***" in done.stdout
    assert secret not in done.stdout + done.stderr
    assert server.seen and all(seen["Authorization"] == f"Bearer {secret}" for seen in server.seen)
