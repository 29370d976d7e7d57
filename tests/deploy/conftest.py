"""Each Helm value set is rendered once per session, and docker-compose.yml is normalised once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.deploy.deployment import (
    KUBE_VERSION,
    VALUE_SETS,
    KubeSchemas,
    Rendered,
    compose_config,
    render_chart,
)


@pytest.fixture(scope="session")
def rendered() -> Callable[[str], Rendered]:
    cache: dict[str, Rendered] = {}

    def get(name: str) -> Rendered:
        if name not in cache:
            cache[name] = render_chart(name, VALUE_SETS[name])
        return cache[name]

    return get


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    return compose_config()


@pytest.fixture(scope="session")
def kube_schemas() -> KubeSchemas:
    return KubeSchemas(KUBE_VERSION)
