"""deploy/docker/Dockerfile lints clean (hadolint) and builds what the chart and compose run: one image, the
UI built in a node stage, the locked workspace installed with the Makefile's uv, a non-root user, and a
console script for every command the deployments start. (No Docker engine here: the build is not run.)"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from collections.abc import Callable
from fnmatch import fnmatch
from typing import Any

import pytest

from tests.deploy.deployment import (
    DOCKERFILE,
    HADOLINT_BIN,
    REPO,
    Rendered,
    all_setting_names,
    pod_spec,
)


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    result = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def stages() -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for keyword, rest in instructions():
        if keyword == "FROM":
            name = rest.split(" AS ")[-1].strip() if " AS " in rest else rest
            current = found.setdefault(name, [])
        current.append((keyword, rest))
    return found


def console_scripts() -> set[str]:
    scripts: set[str] = set()
    for pyproject in [REPO / "pyproject.toml", *REPO.glob("services/*/pyproject.toml")]:
        scripts |= set(tomllib.loads(pyproject.read_text())["project"].get("scripts", {}))
    return scripts


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [str(HADOLINT_BIN), "--format", "json", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    findings = json.loads(result.stdout or "[]")
    assert findings == [], findings
    assert result.returncode == 0, result.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path: Any) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nUSER root\n")
    result = subprocess.run(
        [str(HADOLINT_BIN), "--format", "json", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    codes = {finding["code"] for finding in json.loads(result.stdout)}
    assert {"DL3007", "DL3008"} <= codes


def test_ui_is_built_in_a_node_stage_from_its_lockfile() -> None:
    ui = stages()["ui"]
    assert ui[0][1].startswith("${NODE_IMAGE}")
    steps = [f"{keyword} {rest}" for keyword, rest in ui]
    copy_manifest = steps.index("COPY ui/package.json ui/package-lock.json ./")
    npm_ci = next(i for i, step in enumerate(steps) if step.startswith("RUN npm ci"))
    build = steps.index("RUN npm run build")
    assert copy_manifest < npm_ci < build, "dependencies installed from the lockfile before the sources"
    assert "COPY --from=ui /src/ui/dist /app/ui/dist" in [f"{k} {r}" for k, r in stages()["runtime"]]


def test_python_is_the_locked_workspace_installed_with_the_makefiles_uv() -> None:
    makefile_uv = re.search(r"^UV_VERSION := (\S+)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert makefile_uv is not None
    python = stages()["python"]
    assert ("ARG", f"UV_VERSION={makefile_uv.group(1)}") in python
    syncs = [rest for keyword, rest in python if keyword == "RUN" and "uv sync" in rest]
    assert len(syncs) == 2
    for sync in syncs:
        assert "--frozen" in sync
        assert "--no-dev" in sync
        assert "--all-packages" in sync
    assert "--no-editable" in syncs[-1], "the runtime stage copies only the venv, not the sources"
    members = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    copied = {rest.split()[0] for keyword, rest in python if keyword == "COPY"}
    for member in members:
        for path in REPO.glob(f"{member}/pyproject.toml"):
            assert str(path.relative_to(REPO)) in copied, f"{path} must be copied before the first sync"


def test_one_image_runs_as_a_non_root_user() -> None:
    runtime = stages()["runtime"]
    assert runtime[0][1].startswith("${PYTHON_IMAGE}")
    arg = next(
        rest for keyword, rest in instructions() if keyword == "ARG" and rest.startswith("PYTHON_IMAGE=")
    )
    assert arg == "PYTHON_IMAGE=python:3.11-slim-bookworm"
    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users == ["10001:10001"]
    assert ("CMD", '["hearth-gateway"]') in runtime
    assert [keyword for keyword, _ in instructions()].count("ENTRYPOINT") == 0, (
        "the command picks the service"
    )


def test_image_environment_uses_real_settings() -> None:
    env_lines = " ".join(rest for keyword, rest in stages()["runtime"] if keyword == "ENV")
    names = set(re.findall(r"(HEARTH_[A-Z0-9_]+)=", env_lines))
    assert "HEARTH_UI_DIR" in names
    assert re.search(r"HEARTH_UI_DIR=/app/ui/dist\b", env_lines)
    assert names <= all_setting_names(), names - all_setting_names()


def test_every_command_the_deployments_run_is_a_console_script(
    rendered: Callable[[str], Rendered], compose: dict[str, Any]
) -> None:
    scripts = console_scripts()
    hearth_image = "hearth/hearth"
    commands = set()
    for doc in rendered("dex").workloads():
        spec = pod_spec(doc)
        assert spec is not None
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            if hearth_image in container["image"]:
                commands.add(container["command"][0])
    for service in compose["services"].values():
        if service.get("build"):
            commands.add(service["command"][0])
    assert commands == {
        "hearth",
        "hearth-gateway",
        "hearth-backend",
        "hearth-ingest",
        "hearth-query-api",
        "hearth-cache",
        "hearth-compaction",
        "hearth-maintenance",
    }
    assert commands <= scripts, commands - scripts


@pytest.mark.parametrize(
    ("path", "sent"),
    [
        ("pyproject.toml", True),
        ("uv.lock", True),
        ("README.md", True),
        ("services/ingest/hearth_ingest/app.py", True),
        ("ui/package-lock.json", True),
        ("ui/src/main.tsx", True),
        (".venv/bin/python", False),
        (".git/config", False),
        ("ui/node_modules/react/index.js", False),
        ("ui/dist/index.html", False),
        ("services/ingest/hearth_ingest/__pycache__/app.cpython-311.pyc", False),
        ("tests/conftest.py", False),
        (".hearth/postgres/PG_VERSION", False),
    ],
)
def test_dockerignore_sends_only_what_the_build_copies(path: str, sent: bool) -> None:
    """.dockerignore semantics: the last matching pattern wins; a pattern also matches everything below it."""
    included = True
    for raw in (REPO / ".dockerignore").read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.removeprefix("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(
            fnmatch(prefix, pattern) or fnmatch(prefix, pattern.replace("**/", "*/")) for prefix in prefixes
        ) or (pattern.startswith("**/") and any(fnmatch(part, pattern[3:]) for part in parts)):
            included = negate
    assert included == sent
