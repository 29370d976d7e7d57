"""The Helm chart is valid: it lints clean for Kubernetes 1.32, its values match values.schema.json, and
every manifest of every value set validates against the Kubernetes 1.32 schemas (offline)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import kubernetes_validate  # type: ignore[import-untyped, unused-ignore]
import pytest
import yaml  # type: ignore[import-untyped, unused-ignore]
from helm_python import HelmRenderError, HelmValuesError, chart

from tests.deploy.deployment import (
    CHART,
    KUBE_VERSION,
    NAMESPACE,
    VALUE_SETS,
    KubeSchemas,
    Rendered,
    render_chart,
)

SEVERITY_WARNING = 2

# The Gateway API is a CRD, not part of the Kubernetes schemas: the fields of gateway.networking.k8s.io/v1
# HTTPRoute the chart uses, as the standard-channel CRD defines them (unknown fields are refused).
_NAME = {"type": "string", "minLength": 1, "maxLength": 253}
_HOSTNAME = {
    "type": "string",
    "pattern": r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
}
HTTPROUTE_V1_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "gateway.networking.k8s.io/v1"},
        "kind": {"const": "HTTPRoute"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "parentRefs": {
                    "type": "array",
                    "maxItems": 32,
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "additionalProperties": False,
                        "properties": {
                            "group": {"type": "string"},
                            "kind": {"type": "string"},
                            "namespace": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
                            "name": _NAME,
                            "sectionName": {"type": "string"},
                            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                        },
                    },
                },
                "hostnames": {"type": "array", "maxItems": 16, "items": _HOSTNAME},
                "rules": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "matches": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": {
                                        "path": {
                                            "type": "object",
                                            "additionalProperties": False,
                                            "properties": {
                                                "type": {
                                                    "enum": ["Exact", "PathPrefix", "RegularExpression"]
                                                },
                                                "value": {"type": "string", "maxLength": 1024},
                                            },
                                        }
                                    },
                                },
                            },
                            "backendRefs": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["name"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "group": {"type": "string"},
                                        "kind": {"type": "string"},
                                        "name": _NAME,
                                        "namespace": {"type": "string"},
                                        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                                        "weight": {"type": "integer", "minimum": 0},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}

SETS = sorted(VALUE_SETS)


@pytest.mark.parametrize("value_set", SETS)
def test_chart_lints_clean_for_kubernetes_1_32(value_set: str) -> None:
    report = chart.lint(
        CHART, VALUE_SETS[value_set], strict=True, namespace=NAMESPACE, kube_version=f"v{KUBE_VERSION}.0"
    )
    problems = [m for m in report["messages"] if m["severity"] >= SEVERITY_WARNING]
    assert report["errors"] == [], report["errors"]
    assert problems == [], problems


@pytest.mark.parametrize("value_set", SETS)
def test_every_manifest_validates_against_kubernetes_1_32(
    value_set: str, rendered: Callable[[str], Rendered], kube_schemas: KubeSchemas
) -> None:
    docs = rendered(value_set).docs
    assert docs
    for doc in docs:
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["apiVersion"] == "gateway.networking.k8s.io/v1":
            errors = [
                error.message
                for error in jsonschema.Draft202012Validator(HTTPROUTE_V1_SCHEMA).iter_errors(doc)
            ]
        else:
            errors = kube_schemas.errors(doc)
        assert errors == [], f"{value_set}: {where} is not valid Kubernetes {KUBE_VERSION}: {errors}"


def test_kubernetes_validate_itself_accepts_the_default_release(rendered: Callable[[str], Rendered]) -> None:
    """The library's own entry point agrees with the cached validators above (one document per kind)."""
    seen: set[tuple[str, str]] = set()
    for doc in rendered("defaults").docs:
        if (doc["kind"], doc["apiVersion"]) not in seen:
            seen.add((doc["kind"], doc["apiVersion"]))
            kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)
    assert {kind for kind, _ in seen} >= {
        "Deployment",
        "StatefulSet",
        "Service",
        "Job",
        "PodDisruptionBudget",
        "Secret",
    }


def test_the_validator_rejects_a_broken_manifest(
    rendered: Callable[[str], Rendered], kube_schemas: KubeSchemas
) -> None:
    deployment = copy.deepcopy(rendered("defaults").get("Deployment", "obs-hearth-gateway"))
    deployment["spec"]["template"]["spec"]["containers"][0]["envFrom"] = "not-a-list"
    deployment["spec"]["replicaz"] = 2
    errors = kube_schemas.errors(deployment)
    assert any("envFrom" in error for error in errors), errors
    assert any("replicaz" in error for error in errors), errors
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBE_VERSION, strict=True)


def test_chart_requires_kubernetes_1_32() -> None:
    # Helm refuses to install on an older cluster; every API version the chart uses exists in 1.32.
    meta = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert meta["kubeVersion"] == ">=1.32.0-0"


@pytest.mark.parametrize("value_set", SETS)
def test_value_sets_match_the_schema(value_set: str) -> None:
    with chart.Chart.load(CHART) as loaded:
        loaded.validate_schema(VALUE_SETS[value_set])


def test_schema_covers_every_default_value() -> None:
    """values.yaml and values.schema.json describe the same keys (additionalProperties is false)."""
    with chart.Chart.load(CHART) as loaded:
        schema = loaded.schema
        defaults = loaded.values
        loaded.validate_schema(defaults)
    assert schema is not None

    def check(node: Any, schema_node: dict[str, Any], path: str) -> None:
        if not isinstance(node, dict) or not node or "properties" not in schema_node:
            return  # an empty map (`resources: {}`) is a default, not a key list
        assert set(node) == set(schema_node["properties"]), f"{path or 'values'}: values.yaml ≠ schema"
        for key, value in node.items():
            check(value, schema_node["properties"][key], f"{path}.{key}".lstrip("."))

    check(defaults, schema, "")


@pytest.mark.parametrize(
    "values",
    [
        {"gatewy": {"replicas": 2}},
        {"preset": "huge"},
        {"objectStorage": {"type": "ftp"}},
        {"gateway": {"config": {"BACKEND_URL": "http://x"}}},
        {"externalDatabase": {"url": "mysql://db/hearth"}},
        {"cache": {"scratch": {"size": "20GB"}}},
        {"ingest": {"autoscaling": {"enabled": True}}},
    ],
)
def test_schema_refuses_mistakes(values: dict[str, Any]) -> None:
    with chart.Chart.load(CHART) as loaded, pytest.raises(HelmValuesError):
        loaded.validate_schema(values)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"dex": {"enabled": True}}, "publicBaseUrl"),
        ({"postgresql": {"enabled": False}}, "externalDatabase"),
        ({"redis": {"enabled": False}}, "externalRedis"),
        ({"objectStorage": {"type": "s3"}}, "objectStorage.s3.bucket"),
        ({"objectStorage": {"type": "azure", "azure": {"container": "c"}}}, "accountName"),
        ({"objectStorage": {"type": "gcs"}}, "objectStorage.gcs.bucket"),
        ({"ingress": {"enabled": True}, "httpRoute": {"enabled": True}}, "not both"),
    ],
)
def test_incomplete_values_fail_with_one_sentence(values: dict[str, Any], message: str) -> None:
    with pytest.raises(HelmRenderError, match=message):
        render_chart("incomplete", copy.deepcopy(values))


def test_notes_say_how_to_reach_the_gateway(rendered: Callable[[str], Rendered]) -> None:
    assert "port-forward svc/obs-hearth-gateway 8080:8080" in rendered("defaults").notes
    dex = rendered("dex").notes
    assert "https://hearth.example.com" in dex
    assert "logfire.configure" in dex
