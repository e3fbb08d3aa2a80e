"""The habits of a maintained package, as pyproject.toml and the files beside it keep them: the
version written once and printed by ``conformance --version``; a LICENSE that is the licence
pyproject names; classifiers PyPI knows and that agree with the rest; the project's URLs;
``py.typed``; a changelog in Keep a Changelog's form that names every deprecation. The built
wheel's metadata says the same (``tests/test_wheel.py``)."""

from __future__ import annotations

import ast
import io
import re
import tomllib
from pathlib import Path

from trove_classifiers import classifiers as known_classifiers

import conformance
from conformance.cli import Streams, main

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
HATCH = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_version_is_written_once_and_printed_by_version() -> None:
    """pyproject reads it from ``conformance.__version__`` (the wheel's metadata too), no other
    file of the package writes it, and ``conformance --version`` prints it."""
    assert "version" not in PROJECT and PROJECT["dynamic"] == ["version"]
    assert HATCH["version"] == {"path": "conformance/__init__.py"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", conformance.__version__)
    written = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "conformance").rglob("*.py"))
        if conformance.__version__ in path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value == conformance.__version__
    ]
    assert written == ["conformance/__init__.py"]
    out = io.StringIO()
    assert main(["--version"], Streams(io.BytesIO(), out, io.StringIO())) == 0
    assert out.getvalue() == f"conformance {conformance.__version__} (create-sites-conformance)\n"


def test_the_license_file_is_the_licence_pyproject_names() -> None:
    """An SPDX expression (PEP 639), the file it ships, and no licence classifier beside it
    (PEP 639 forbids one with an expression)."""
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) ")
    assert "Permission is hereby granted, free of charge" in text
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]


def test_the_classifiers_are_known_and_agree_with_the_project() -> None:
    """Each classifier is one PyPI knows; the Python versions are those ``requires-python``
    allows; ``Typing :: Typed`` is backed by ``py.typed`` in the package."""
    listed = PROJECT["classifiers"]
    assert [c for c in listed if c not in known_classifiers] == []
    assert len(listed) == len(set(listed))
    minimum = tuple(int(n) for n in PROJECT["requires-python"].removeprefix(">=").split("."))
    versions = [
        tuple(int(n) for n in c.rsplit(" :: ", 1)[1].split("."))
        for c in listed
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert versions and min(versions) == minimum
    assert "Typing :: Typed" in listed and (ROOT / "conformance" / "py.typed").is_file()


def test_the_project_names_its_urls() -> None:
    urls = PROJECT["urls"]
    assert {"Homepage", "Documentation", "Source", "Changelog"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())


def _deprecated_names() -> list[str]:
    """Every function of the package whose body warns with ``DeprecationWarning``, as
    ``module.name``."""
    found = []
    for path in sorted((ROOT / "conformance").rglob("*.py")):
        if "DeprecationWarning" not in path.read_text(encoding="utf-8"):
            continue  # parsing every module is what would take the time
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                isinstance(inner, ast.Name) and inner.id == "DeprecationWarning"
                for inner in ast.walk(node)
            ):
                found.append(f"{module}.{node.name}")
    return found


def test_the_changelog_keeps_a_changelog_and_names_each_deprecation() -> None:
    """Unreleased first, then each version with its date, newest first, each with a link;
    the sections Keep a Changelog names; and each deprecated function in a Deprecated
    section (``conformance.create_sites.check_token``)."""
    versions = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", CHANGELOG, re.M)
    assert versions[0] == ("Unreleased", "")
    assert all(date for _, date in versions[1:]) and len(versions) >= 2
    assert [d for _, d in versions[1:]] == sorted((d for _, d in versions[1:]), reverse=True)
    for name, _ in versions:
        assert re.search(rf"^\[{re.escape(name)}\]: https://", CHANGELOG, re.M), name
    kinds = set(re.findall(r"^### (.+)$", CHANGELOG, re.M))
    assert kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    deprecated = "\n".join(
        part.split("\n### ", 1)[0].split("\n## ", 1)[0]
        for part in CHANGELOG.split("\n### Deprecated\n")[1:]
    )
    names = _deprecated_names()
    assert "conformance.create_sites.check_token" in names
    assert [name for name in names if f"`{name}`" not in deprecated] == []
