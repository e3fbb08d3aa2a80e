"""What a real staging target needs: headers sent with every request (the secret ones masked
in every output, as the token is), TLS verified with a CA bundle or not at all, a client
certificate. The target is a raw HTTP(S) server on 127.0.0.1 with a certificate made here."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import fuzz as _fuzz
from helpers.staging import make_certificate, server_context, target
from helpers.targets import CUSTOMER_TOKEN

SECRET = "s3cret-bearer-value-81f2a"
COOKIE = "session=cookie-value-77d1c0"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


#: a few failures are enough: the run stops there
SHORT = ("--token", CUSTOMER_TOKEN, "--max-examples", "0", "--max-failures", "3")


def test_headers_are_sent_and_their_secrets_masked_everywhere(tmp_path: Path) -> None:
    """-H is sent with every request; a target that echoes Authorization and Cookie shows ***
    for them in the text, JSON, JUnit and HTML reports and the saved failures; a header that
    is no secret is left as it is."""
    junit, html, saved = tmp_path / "junit.xml", tmp_path / "report.html", tmp_path / "saved"
    with target() as (url, server):
        headers = ("-H", f"Authorization: Bearer {SECRET}", "-H", f"Cookie: {COOKIE}")
        headers += ("--header", "X-Trace: trace-visible-1")
        code, text, err = _fuzz(url, *SHORT, *headers, "--junitxml", str(junit))
        code_json, document, _ = _fuzz(
            url, *SHORT, *headers, "--output", "json", "--report-html", str(html),
            "--save-failures", str(saved),
        )  # fmt: skip
        _, shown, _ = _fuzz(url, *SHORT, *headers, "--show-secrets")
    assert (code, code_json) == (1, 1), err
    assert all(seen["Authorization"] == f"Bearer {SECRET}" for seen in server.seen)
    assert all(seen["X-Trace"] == "trace-visible-1" for seen in server.seen)
    outputs = [text, document, junit.read_text(), html.read_text()]
    outputs += [path.read_text() for path in saved.glob("*.json")]
    assert len(outputs) > 4
    for output in outputs:
        assert SECRET not in output and "cookie-value-77d1c0" not in output
    assert "denied for Bearer ***" in text or "denied for ***" in text
    assert SECRET in shown  # --show-secrets shows them


def test_a_header_without_a_name_is_a_usage_error() -> None:
    code, _, err = _fuzz("http://127.0.0.1:9/", "--token", "t", "-H", "no colon here")
    assert code == 2 and "--header expects 'Name: value'" in err


def test_tls_is_verified_with_cacert_or_not_at_all(certificate: tuple[Path, Path]) -> None:
    """A self-signed target: refused by default (one set-up message), taken with --cacert
    naming its certificate, or with --insecure."""
    cert, key = certificate
    with target(server_context(cert, key)) as (url, _):
        code, _, err = _fuzz(url, *SHORT)
        assert code == 2 and "CERTIFICATE_VERIFY_FAILED" in err
        code, out, err = _fuzz(url, *SHORT, "--cacert", str(cert))
        assert code == 1 and "denied for None" in out, err
        code, out, err = _fuzz(url, *SHORT, "--insecure")
        assert code == 1 and "denied for None" in out, err


def test_a_client_certificate_is_sent(certificate: tuple[Path, Path], tmp_path: Path) -> None:
    """A target that requires a client certificate takes the run's --cert/--key; without
    them the run cannot start (exit 2); a file that cannot be read is a usage error."""
    cert, key = certificate
    with target(server_context(cert, key, client_ca=cert)) as (url, _):
        code, _, err = _fuzz(url, *SHORT, "--cacert", str(cert))
        assert code == 2, err
        code, out, err = _fuzz(
            url, *SHORT, "--cacert", str(cert), "--cert", str(cert), "--key", str(key)
        )
        assert code == 1 and "denied for None" in out, err
    code, _, err = _fuzz(url, *SHORT, "--cert", str(tmp_path / "missing.pem"))
    assert code == 2 and "cannot read the TLS files" in err


def test_a_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """$HTTP_PROXY: every request goes to the proxy, naming the target's whole URL (a name
    only the proxy could resolve); $NO_PROXY sends it straight to the target."""
    with target() as (proxy, server):
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.delenv("http_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        code, out, err = _fuzz("http://staging.invalid:8080/rpc", *SHORT)
        assert code == 1 and "denied for None" in out, err
        assert server.paths and set(server.paths) == {"http://staging.invalid:8080/rpc"}
        monkeypatch.setenv("NO_PROXY", "staging.invalid")
        code, _, err = _fuzz("http://staging.invalid:8080/rpc", *SHORT)
        assert code == 2 and "staging.invalid" in err
