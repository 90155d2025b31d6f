"""The pinned install: the README's commands and .ci/run install with constraints.txt, which
pins every dependency exactly while pyproject.toml keeps ranges (docs/install.md)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from tests.conftest import REPO_ROOT

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", version), line
            pins[_norm(name)] = version
    return pins


def _declared() -> list[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["test"]]


def test_readme_and_ci_install_with_the_constraints() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installs = [line for line in readme.splitlines() if line.startswith("python3 -m venv")]
    assert len(installs) == 2
    assert all(" -c constraints.txt " in line for line in installs)
    test_command = next(line for line in installs if "'.[test]'" in line)
    assert test_command in ci.splitlines()  # CI runs the README's test command verbatim


def test_constraints_pin_every_dependency_and_pyproject_keeps_ranges() -> None:
    pins = _pins()
    for requirement in _declared():
        assert "==" not in requirement, requirement
        name = _norm(_NAME.match(requirement)[1])  # type: ignore[index]
        assert name in pins, f"{name} is not pinned in constraints.txt"


def test_this_environment_has_the_pinned_versions() -> None:
    pins = _pins()
    for requirement in _declared():
        name = _norm(_NAME.match(requirement)[1])  # type: ignore[index]
        assert metadata.version(name) == pins[name], (
            f"{name} {metadata.version(name)} installed, {pins[name]} pinned: "
            "pip install -c constraints.txt -e '.[test]'")
