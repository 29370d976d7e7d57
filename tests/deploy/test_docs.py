"""The deployment docs cannot drift: the chart README lists every value of values.yaml (and nothing else),
and every HEARTH_* variable the deploy docs mention is a real setting."""

from __future__ import annotations

import re
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]

from tests.deploy.deployment import CHART, REPO, all_setting_names

#: Maps documented as one value (their inner keys belong to Kubernetes or Dex, not to the chart).
OPAQUE = {"podSecurityContext", "containerSecurityContext", "resources", "storage"}
SERVICES = ["gateway", "backend", "ingest", "queryApi", "cache", "compaction", "maintenance"]


def value_paths(node: Any, path: str = "") -> set[str]:
    if isinstance(node, dict) and node and path.rsplit(".", 1)[-1] not in OPAQUE:
        paths: set[str] = set()
        for key, value in node.items():
            paths |= value_paths(value, f"{path}.{key}" if path else key)
        return paths
    return {path}


def documented_paths() -> set[str]:
    readme = (CHART / "README.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \|", readme, re.MULTILINE)
    paths: set[str] = set()
    for row in rows:
        if row.startswith("<service>."):
            paths |= {row.replace("<service>", service, 1) for service in SERVICES}
        else:
            paths.add(row)
    return paths


def test_chart_readme_lists_every_value() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    paths = value_paths(values)
    missing = paths - documented_paths()
    assert not missing, f"values missing from deploy/helm/hearth/README.md: {sorted(missing)}"


def test_chart_readme_lists_no_value_that_does_not_exist() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    paths = value_paths(values)
    readme = (CHART / "README.md").read_text()
    for row in re.findall(r"^\| `([^`]+)` \|", readme, re.MULTILINE):
        candidates = (
            {row.replace("<service>", service, 1) for service in SERVICES}
            if row.startswith("<service>.")
            else {row}
        )
        assert candidates & paths, f"README documents `{row}`, which values.yaml does not have"


def test_deploy_docs_name_only_real_settings() -> None:
    for path in [REPO / "docs" / "deploy.md", CHART / "README.md", REPO / "docker-compose.yml"]:
        names = set(re.findall(r"\bHEARTH_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
        assert names, path
        # docker-compose.yml also reads two variables of its own from your shell (image name, bind address)
        assert names <= all_setting_names() | {"HEARTH_BIND_ADDRESS", "HEARTH_IMAGE"}, (
            f"{path.name}: {names - all_setting_names()}"
        )
