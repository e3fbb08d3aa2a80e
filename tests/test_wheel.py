"""The built wheel carries the schemas: installed outside the checkout, it validates."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

import conformance

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_validates_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    """A wheel installed in a new virtualenv, run from elsewhere, finds its own schemas."""
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", tmp_path, ROOT],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("*.whl")
    # `pip install 'KIT[pytest]'` brings the plugin's needs (the README says so)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(name).decode("utf-8")
        licence = next(n for n in names if n.endswith(".dist-info/licenses/LICENSE"))
        assert archive.read(licence) == (ROOT / "LICENSE").read_bytes()
    assert "Provides-Extra: pytest\n" in metadata
    # the package's habits, as an index shows them (tests/test_packaging.py checks the sources)
    assert f"\nVersion: {conformance.__version__}\n" in metadata
    assert "\nLicense-Expression: MIT\n" in metadata and "\nLicense-File: LICENSE\n" in metadata
    assert "conformance/py.typed" in names
    assert "\nClassifier: Typing :: Typed\n" in metadata
    assert "\nProject-URL: Changelog, " in metadata and "\nProject-URL: Source, " in metadata
    for requirement in ("pytest>=9.0", "pytest-xdist>=3.8"):
        assert f"Requires-Dist: {requirement}; extra == 'pytest'" in metadata.replace('"', "'")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    work = tmp_path / "elsewhere"
    work.mkdir()
    script = (
        "import conformance, sys;"
        "assert conformance.__file__.startswith(sys.prefix), conformance.__file__;"
        "from conformance.contract import schema_dir; print(schema_dir());"
        "r = {'jsonrpc': '2.0', 'id': 1, 'method': 'create.sites',"
        " 'params': {'access_token': 't', 'domain_name': 'пример.рф',"
        " 'default_phone_number': '74951819160', 'industry_id': 21}};"
        # the current revision's folder is carried too: 21 industries are the seed's only
        "print(conformance.is_valid(r), conformance.is_valid(r, revision='current'))"
    )
    result = subprocess.run(
        [python, "-I", "-c", script], cwd=work, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    folder, valid, current = result.stdout.split()
    assert folder.startswith(str(env_dir)) and (valid, current) == ("True", "False")
    (work / "bad.json").write_text('{"jsonrpc": "2.0"}')
    cli = subprocess.run(
        [env_dir / "bin" / "conformance", "validate", "bad.json"],
        cwd=work, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert cli.returncode == 1 and "`id` is required but missing" in cli.stdout
    # the OpenRPC document's examples travel in the wheel too
    export = subprocess.run(
        [env_dir / "bin" / "conformance", "export", "openrpc"],
        cwd=work, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    examples = json.loads(export.stdout)["methods"][0]["examples"]
    assert len(examples) == len(list((ROOT / "tests" / "cases" / "valid").glob("request*__*")))
