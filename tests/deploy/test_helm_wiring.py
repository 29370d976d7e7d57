"""The chart's wiring, not just its syntax: every Hearth container gets exactly the settings its settings
class reads (and they validate), every URL it is given reaches the right Service on the documented port,
secrets resolve, and only the gateway is exposed."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml  # type: ignore[import-untyped, unused-ignore]

from hearth_shared.settings import (
    DatabaseSettings,
    RedisSettings,
    SecretSettings,
    ServiceSettings,
    StorageSettings,
)
from tests.deploy.deployment import (
    CHART_CONTAINER,
    NAMESPACE,
    RELEASE,
    SERVICE_SETTINGS,
    VALUE_SETS,
    Rendered,
    documented_port,
    env_list,
    env_value,
    existing_secret_names,
    expand_refs,
    pod_containers,
    pod_labels,
    pod_spec,
    setting_names,
    var_refs,
)

SETS = sorted(VALUE_SETS)
PREFIX = f"{RELEASE}-hearth"
HEARTH_SERVICES = [name for name in SERVICE_SETTINGS if name != "migrate"]
STATELESS = ["gateway", "backend", "query_api", "compaction", "maintenance"]

#: Stand-ins for values held in Secrets the release does not create (existingSecret).
EXISTING_SECRET_VALUES = {
    "HEARTH_DATABASE_URL": "postgresql://hearth:pw@db.internal:5432/hearth",
    "HEARTH_CATALOG_DATABASE_URL": "postgresql://hearth:pw@catalog.internal:5432/catalog",
    "HEARTH_REDIS_URL": "redis://:pw@redis.internal:6379/0",
}


def resolve_env(r: Rendered, container: dict[str, Any], workload: dict[str, Any]) -> dict[str, str]:
    """The environment the container would see: Secrets read from the render (or stand-ins for existing
    ones), `$(VAR)` expanded as the kubelet does, the pod name as replica 0 of its workload."""
    env: dict[str, str] = {}
    existing = existing_secret_names(r.values)
    for entry in env_list(container):
        name = entry["name"]
        if "value" in entry:
            env[name] = expand_refs(str(entry["value"]), env)
            continue
        source = entry["valueFrom"]
        if "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            data = r.secret_data(ref["name"])
            if data is None:
                assert ref["name"] in existing, f"{name}: Secret {ref['name']} is neither rendered nor given"
                env[name] = EXISTING_SECRET_VALUES.get(name, "s" * 40)
            else:
                assert ref["key"] in data, f"{name}: Secret {ref['name']} has no key {ref['key']}"
                env[name] = data[ref["key"]]
        else:
            assert source["fieldRef"]["fieldPath"] == "metadata.name", source
            env[name] = f"{workload['metadata']['name']}-0"
    return env


def hearth_envs(r: Rendered) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    yield from r.hearth_containers()


def setting_blocks(service: str) -> set[type]:
    return set(SERVICE_SETTINGS[service].__mro__)


def target_of(r: Rendered, url: str) -> tuple[str, int]:
    """Follow a URL to the container that answers it: Service (or a StatefulSet pod's DNS name) → selector
    → pod → named target port. Returns (container name, container port)."""
    parts = urlsplit(url)
    assert parts.scheme == "http", url
    assert parts.hostname, url
    assert parts.port, url
    labels = parts.hostname.split(".")
    if len(labels) == 1:
        service = r.get("Service", parts.hostname)
        pod_index = None
    else:
        pod, service_name, namespace, svc = labels
        assert (namespace, svc) == (NAMESPACE, "svc"), url
        service = r.get("Service", service_name)
        assert service["spec"].get("clusterIP") == "None", f"{url}: per-pod names need a headless Service"
        statefulset = next(s for s in r.of_kind("StatefulSet") if s["spec"]["serviceName"] == service_name)
        prefix, _, index = pod.rpartition("-")
        assert prefix == statefulset["metadata"]["name"], url
        pod_index = int(index)
        assert pod_index < statefulset["spec"]["replicas"], f"{url}: no such replica"
    ports = [p for p in service["spec"]["ports"] if p["port"] == parts.port]
    assert ports, f"{url}: Service {service['metadata']['name']} does not listen on {parts.port}"
    port = ports[0]
    selector = service["spec"]["selector"]
    workloads = [w for w in r.workloads() if w["kind"] != "Job" and selector.items() <= pod_labels(w).items()]
    assert len(workloads) == 1, f"{url}: the Service selects {len(workloads)} workloads"
    for container in pod_containers(workloads[0]):
        for container_port in container.get("ports", []):
            if port["targetPort"] in (container_port.get("name"), container_port["containerPort"]):
                return container["name"], container_port["containerPort"]
    raise AssertionError(f"{url}: no container port {port['targetPort']}")


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize("value_set", SETS)
def test_every_hearth_variable_is_a_real_setting_of_that_service(
    value_set: str, rendered: Callable[[str], Rendered]
) -> None:
    r = rendered(value_set)
    for service, container, _ in hearth_envs(r):
        names = [entry["name"] for entry in env_list(container)]
        assert len(names) == len(set(names)), f"{service}: a variable is set twice: {names}"
        unknown = {name for name in names if name.startswith("HEARTH_")} - setting_names(service)
        assert not unknown, f"{value_set}: {service} is given settings it does not have: {unknown}"


@pytest.mark.parametrize("value_set", SETS)
def test_every_service_gets_the_setting_blocks_it_reads(
    value_set: str, rendered: Callable[[str], Rendered]
) -> None:
    r = rendered(value_set)
    for service, container, _ in hearth_envs(r):
        names = {entry["name"] for entry in env_list(container)}
        blocks = setting_blocks(service)
        expected = set()
        if DatabaseSettings in blocks:
            expected.add("HEARTH_DATABASE_URL")
        if RedisSettings in blocks:
            expected.add("HEARTH_REDIS_URL")
        if StorageSettings in blocks:
            expected |= {"HEARTH_STORAGE_URL", "HEARTH_STORAGE_OPTIONS"}
        if SecretSettings in blocks:
            expected.add("HEARTH_SECRET_KEY")
        if ServiceSettings in blocks:
            expected |= {"HEARTH_HOST", "HEARTH_PORT"}
            assert env_value(container, "HEARTH_HOST") == "0.0.0.0"
            assert env_value(container, "HEARTH_PORT") == str(documented_port(service))
        assert expected <= names, f"{value_set}: {service} misses {expected - names}"


@pytest.mark.parametrize("value_set", SETS)
def test_settings_load_from_the_rendered_environment(
    value_set: str, rendered: Callable[[str], Rendered], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each settings class accepts what the chart gives it (URLs, JSON options, peers…), as at start."""
    r = rendered(value_set)
    for service, container, workload in hearth_envs(r):
        env = resolve_env(r, container, workload)
        with monkeypatch.context() as patch:
            for name in [n for n in os.environ if n.startswith("HEARTH_")]:
                patch.delenv(name)
            for name, value in env.items():
                patch.setenv(name, value)
            SERVICE_SETTINGS[service]()


@pytest.mark.parametrize("value_set", SETS)
def test_services_that_sign_or_verify_internal_grants_share_one_secret_key(
    value_set: str, rendered: Callable[[str], Rendered]
) -> None:
    """query_api verifies the internal grants backend and maintenance sign with HEARTH_SECRET_KEY."""
    r = rendered(value_set)
    signers = [s for s in HEARTH_SERVICES if SecretSettings in setting_blocks(s)]
    assert {"backend", "query_api", "maintenance"} <= set(signers)
    sources = [
        next(
            e["valueFrom"]["secretKeyRef"]
            for e in env_list(r.container(s))
            if e["name"] == "HEARTH_SECRET_KEY"
        )
        for s in signers
    ]
    assert all(source == sources[0] for source in sources)


# ---------------------------------------------------------------- URLs, ports, probes


@pytest.mark.parametrize("value_set", SETS)
def test_service_urls_reach_the_right_service_on_its_documented_port(
    value_set: str, rendered: Callable[[str], Rendered]
) -> None:
    r = rendered(value_set)
    gateway, backend, query_api, cache = (
        r.container(s) for s in ("gateway", "backend", "query_api", "cache")
    )
    documented = {CHART_CONTAINER[s]: documented_port(s) for s in HEARTH_SERVICES}

    def reaches(url: str, service: str) -> None:
        container, port = target_of(r, url)
        assert container == CHART_CONTAINER.get(service, service), f"{url} reaches {container}, not {service}"
        if service in SERVICE_SETTINGS:
            assert port == documented[container] == urlsplit(url).port

    reaches(env_value(gateway, "HEARTH_BACKEND_URL"), "backend")
    reaches(env_value(gateway, "HEARTH_QUERY_API_URL"), "query_api")
    reaches(env_value(backend, "HEARTH_QUERY_API_URL"), "query_api")
    reaches(env_value(r.container("maintenance"), "HEARTH_QUERY_API_URL"), "query_api")
    reaches(env_value(query_api, "HEARTH_QUERY_CACHE_URL"), "cache")
    for key, service in (("ingest", "HEARTH_INGEST_URLS"), ("cache", "HEARTH_CACHE_PEERS")):
        container = gateway if key == "ingest" else cache
        urls = env_value(container, service).split(",")
        statefulset = r.get("StatefulSet", f"{PREFIX}-{key}")
        assert len(urls) == statefulset["spec"]["replicas"], f"{service} must list every replica once"
        assert len(set(urls)) == len(urls)
        for url in urls:
            reaches(url, key)
    if VALUE_SETS[value_set].get("dex", {}).get("enabled"):
        reaches(env_value(gateway, "HEARTH_DEX_URL"), "dex")
    else:
        assert "HEARTH_DEX_URL" not in {e["name"] for e in env_list(gateway)}


@pytest.mark.parametrize("value_set", ["defaults", "external-everything"])
def test_bundled_dependencies_are_reached_by_the_urls_in_the_secret(
    value_set: str, rendered: Callable[[str], Rendered]
) -> None:
    r = rendered(value_set)
    env = resolve_env(r, r.container("ingest"), r.workload("ingest"))
    if value_set == "defaults":
        assert target_of(r, env["HEARTH_DATABASE_URL"].replace("postgresql", "http", 1)) == (
            "postgresql",
            5432,
        )
        assert target_of(r, env["HEARTH_REDIS_URL"].replace("redis", "http", 1)) == ("redis", 6379)
        endpoint = yaml.safe_load(env["HEARTH_STORAGE_OPTIONS"])["endpoint"]
        assert target_of(r, endpoint) == ("minio", 9000)
        bucket = urlsplit(env["HEARTH_STORAGE_URL"]).hostname
        job = next(j for j in r.of_kind("Job") if "bucket" in j["metadata"]["name"])
        assert f'mc mb --ignore-existing "hearth/{bucket}"' in pod_containers(job)[0]["args"][0]
    else:
        assert env["HEARTH_DATABASE_URL"] == VALUE_SETS[value_set]["externalDatabase"]["url"]
        assert env["HEARTH_CATALOG_DATABASE_URL"] == VALUE_SETS[value_set]["externalDatabase"]["catalogUrl"]
        assert env["HEARTH_REDIS_URL"] == VALUE_SETS[value_set]["externalRedis"]["url"]
        assert env["HEARTH_STORAGE_URL"] == "s3://telemetry/hearth"
        assert {d["metadata"]["name"] for d in r.workloads()}.isdisjoint(
            {f"{PREFIX}-postgresql", f"{PREFIX}-redis", f"{PREFIX}-minio"}
        )


@pytest.mark.parametrize("value_set", SETS)
def test_ports_and_probes_follow_the_documented_ports(
    value_set: str, rendered: Callable[[str], Rendered]
) -> None:
    r = rendered(value_set)
    for service in HEARTH_SERVICES:
        container = r.container(service)
        (port,) = container["ports"]
        assert port == {"name": "http", "containerPort": documented_port(service), "protocol": "TCP"}
        assert container["command"] == [f"hearth-{service.replace('_', '-')}"]
        assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
        assert container["startupProbe"]["httpGet"]["path"] == "/health"


# ---------------------------------------------------------------- exposure


@pytest.mark.parametrize("value_set", SETS)
def test_only_the_gateway_is_exposed(value_set: str, rendered: Callable[[str], Rendered]) -> None:
    r = rendered(value_set)
    gateway_service = r.get("Service", f"{PREFIX}-gateway")
    for service in r.of_kind("Service"):
        if service is not gateway_service:
            assert service["spec"].get("type", "ClusterIP") == "ClusterIP", service["metadata"]["name"]
    assert gateway_service["spec"]["type"] == VALUE_SETS[value_set].get("gateway", {}).get("service", {}).get(
        "type", "ClusterIP"
    )
    for workload in r.workloads():
        spec = pod_spec(workload)
        assert spec is not None
        assert not spec.get("hostNetwork")
        for container in spec["containers"]:
            assert all("hostPort" not in p for p in container.get("ports", [])), workload["metadata"]["name"]
    gateway_port = gateway_service["spec"]["ports"][0]["port"]
    for ingress in r.of_kind("Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"] == {
                    "name": f"{PREFIX}-gateway",
                    "port": {"number": gateway_port},
                }
    for route in r.of_kind("HTTPRoute"):
        for rule in route["spec"]["rules"]:
            assert rule["backendRefs"] == [{"name": f"{PREFIX}-gateway", "port": gateway_port}]
    exposed = len(r.of_kind("Ingress")) + len(r.of_kind("HTTPRoute"))
    values = VALUE_SETS[value_set]
    assert exposed == int(values.get("ingress", {}).get("enabled", False)) + int(
        values.get("httpRoute", {}).get("enabled", False)
    )


# ---------------------------------------------------------------- workloads


@pytest.mark.parametrize("value_set", SETS)
def test_ingest_keeps_its_wal_on_a_volume_per_replica(
    value_set: str, rendered: Callable[[str], Rendered]
) -> None:
    r = rendered(value_set)
    ingest = r.workload("ingest")
    assert ingest["kind"] == "StatefulSet"
    (claim,) = ingest["spec"]["volumeClaimTemplates"]
    container = r.container("ingest")
    mount = next(m for m in container["volumeMounts"] if m["name"] == claim["metadata"]["name"])
    assert mount["mountPath"] == env_value(container, "HEARTH_WAL_DIR")
    node_id = next(e for e in env_list(container) if e["name"] == "HEARTH_NODE_ID")
    assert node_id["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name", "stable across restarts"
    headless = r.get("Service", ingest["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None"


@pytest.mark.parametrize("value_set", ["defaults", "preset-standard"])
def test_cache_uses_a_scratch_volume_within_its_budget(
    value_set: str, rendered: Callable[[str], Rendered]
) -> None:
    r = rendered(value_set)
    cache = r.workload("cache")
    container = r.container("cache")
    mount = next(
        m for m in container["volumeMounts"] if m["mountPath"] == env_value(container, "HEARTH_CACHE_DIR")
    )
    spec = pod_spec(cache)
    assert spec is not None
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    if value_set == "defaults":
        size = volume["emptyDir"]["sizeLimit"]
    else:
        claim = volume["ephemeral"]["volumeClaimTemplate"]["spec"]
        assert claim["storageClassName"] == "local-nvme"
        size = claim["resources"]["requests"]["storage"]
    assert int(env_value(container, "HEARTH_CACHE_MAX_BYTES")) < quantity(size)


@pytest.mark.parametrize("value_set", SETS)
def test_each_service_has_a_disruption_budget_and_optional_autoscaler(
    value_set: str, rendered: Callable[[str], Rendered]
) -> None:
    r = rendered(value_set)
    autoscaled = {
        key
        for key, block in VALUE_SETS[value_set].items()
        if isinstance(block, dict) and "autoscaling" in block
    }
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in r.of_kind("HorizontalPodAutoscaler")}
    for service in HEARTH_SERVICES:
        workload = r.workload(service)
        name = workload["metadata"]["name"]
        budget = r.get("PodDisruptionBudget", name)
        assert budget["spec"]["selector"]["matchLabels"].items() <= pod_labels(workload).items()
        values_key = "queryApi" if service == "query_api" else service
        if values_key in autoscaled:
            assert hpas[name]["spec"]["scaleTargetRef"]["kind"] == workload["kind"] == "Deployment"
            assert "replicas" not in workload["spec"], "the HPA owns the replica count"
        else:
            assert name not in hpas
            assert workload["spec"]["replicas"] >= 1
    assert set(hpas) == {
        f"{PREFIX}-{CHART_CONTAINER[s]}"
        for s in STATELESS
        if ("queryApi" if s == "query_api" else s) in autoscaled
    }


def quantity(text: str) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(text[: -len(suffix)]) * factor
    return int(text)


def test_presets_size_services_and_their_settings_together(rendered: Callable[[str], Rendered]) -> None:
    memory: dict[str, int] = {}
    for value_set in ("preset-tiny", "defaults", "preset-standard"):
        r = rendered(value_set)
        query_api = r.container("query_api")
        limit = quantity(query_api["resources"]["limits"]["memory"])
        per_query = int(env_value(query_api, "HEARTH_QUERY_MEMORY_LIMIT_BYTES"))
        slots = int(env_value(query_api, "HEARTH_QUERY_MAX_CONCURRENT"))
        assert per_query * slots < limit, f"{value_set}: queries could use more memory than the pod has"
        ingest = r.container("ingest")
        workers = int(env_value(ingest, "HEARTH_PROCESSOR_WORKERS"))
        cpu = ingest["resources"]["requests"]["cpu"]
        assert workers <= max(
            1, int(str(cpu).removesuffix("m")) // 1000 if str(cpu).endswith("m") else int(cpu)
        )
        claim = r.workload("ingest")["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"][
            "storage"
        ]
        assert int(env_value(ingest, "HEARTH_WAL_BUDGET_BYTES")) < quantity(claim)
        memory[value_set] = quantity(query_api["resources"]["requests"]["memory"])
    assert memory["preset-tiny"] < memory["defaults"] < memory["preset-standard"]


# ---------------------------------------------------------------- migrations and secrets


@pytest.mark.parametrize("value_set", SETS)
def test_migrations_run_before_the_services(value_set: str, rendered: Callable[[str], Rendered]) -> None:
    r = rendered(value_set)
    job = r.get("Job", f"{PREFIX}-migrate")
    bundled = VALUE_SETS[value_set].get("postgresql", {}).get("enabled", True)
    hooks = job["metadata"]["annotations"]["helm.sh/hook"]
    assert hooks == ("pre-upgrade" if bundled else "pre-install,pre-upgrade")
    assert pod_containers(job)[0]["command"] == ["hearth", "migrate"]
    secret = r.get("Secret", PREFIX)
    assert int(secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        job["metadata"]["annotations"]["helm.sh/hook-weight"]
    ), "the Secret the Job reads must exist first"
    assert "pre-install" in secret["metadata"]["annotations"]["helm.sh/hook"]
    for service in HEARTH_SERVICES:
        spec = pod_spec(r.workload(service))
        assert spec is not None
        init = [c["name"] for c in spec.get("initContainers", [])]
        # bundled PostgreSQL does not exist before a first install: the pods that use it migrate first
        assert init == (["migrate"] if bundled and DatabaseSettings in setting_blocks(service) else [])


@pytest.mark.parametrize("value_set", SETS)
def test_secrets_are_generated_once_or_taken_from_existing_ones(
    value_set: str, rendered: Callable[[str], Rendered]
) -> None:
    r = rendered(value_set)
    secret = r.get("Secret", PREFIX)
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    existing = existing_secret_names(VALUE_SETS[value_set])
    rendered_secrets = {s["metadata"]["name"]: s for s in r.of_kind("Secret")}
    for workload in r.workloads():
        spec = pod_spec(workload)
        assert spec is not None
        refs = [
            e["valueFrom"]["secretKeyRef"]
            for c in [*spec.get("initContainers", []), *spec["containers"]]
            for e in env_list(c)
            if "secretKeyRef" in e.get("valueFrom", {})
        ]
        refs += [
            {"name": v["secret"]["secretName"], "key": item["key"]}
            for v in spec.get("volumes", [])
            if "secret" in v
            for item in v["secret"].get("items", [])
        ]
        for ref in refs:
            if ref["name"] in rendered_secrets:
                data = r.secret_data(ref["name"])
                assert data is not None
                assert ref["key"] in data, f"{ref} is not in the rendered Secret"
            else:
                assert ref["name"] in existing, (
                    f"{workload['metadata']['name']} refers to unknown Secret {ref}"
                )
    data = r.secret_data(PREFIX)
    assert data is not None
    if value_set == "existing-secrets":
        assert set(data).isdisjoint({"secret-key", "database-url", "redis-url", "oidc-client-secret"})
        backend = r.container("backend")
        sources = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in env_list(backend) if "valueFrom" in e}
        assert sources["HEARTH_SECRET_KEY"] == {"name": "hearth-keys", "key": "signing-key"}
        assert sources["HEARTH_DATABASE_URL"] == {"name": "hearth-db", "key": "app-dsn"}
        assert sources["HEARTH_CATALOG_DATABASE_URL"] == {"name": "hearth-db", "key": "catalog-dsn"}
        assert sources["HEARTH_OIDC_CLIENT_SECRET"] == {"name": "hearth-oidc", "key": "oidc-client-secret"}
    else:
        assert len(data["secret-key"]) >= 32


@pytest.mark.parametrize("value_set", SETS)
def test_variable_references_resolve_to_earlier_variables(
    value_set: str, rendered: Callable[[str], Rendered]
) -> None:
    """`$(VAR)` in an env value is expanded by the kubelet only when VAR is defined earlier in the list."""
    r = rendered(value_set)
    for workload in r.workloads():
        spec = pod_spec(workload)
        assert spec is not None
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            defined: set[str] = set()
            for entry in env_list(container):
                for ref in var_refs(str(entry.get("value", ""))):
                    assert ref in defined, (
                        f"{container['name']}: {entry['name']} uses $({ref}) before it is set"
                    )
                defined.add(entry["name"])
            for arg in container.get("args", []):
                assert set(var_refs(arg)) <= defined, f"{container['name']}: {arg}"


def test_storage_credentials_never_appear_in_a_manifest(rendered: Callable[[str], Rendered]) -> None:
    for value_set in ("external-everything", "azure"):
        r = rendered(value_set)
        text = yaml.safe_dump_all([d for d in r.docs if d["kind"] != "Secret"])
        assert "secret-example" not in text
        assert "a2V5" not in text
        options = env_value(r.container("ingest"), "HEARTH_STORAGE_OPTIONS")
        assert "$(STORAGE_" in options


# ---------------------------------------------------------------- OIDC / Dex


def test_dex_and_the_backend_agree_on_issuer_client_and_callback(rendered: Callable[[str], Rendered]) -> None:
    r = rendered("dex")
    base = VALUE_SETS["dex"]["publicBaseUrl"]
    data = r.secret_data(f"{PREFIX}-dex-config")
    assert data is not None
    config = yaml.safe_load(data["config.yaml"])
    backend = r.container("backend")
    assert config["issuer"] == env_value(backend, "HEARTH_OIDC_ISSUER") == f"{base}/auth-api"
    (client,) = config["staticClients"]
    assert client["id"] == env_value(backend, "HEARTH_OIDC_CLIENT_ID")
    assert client["redirectURIs"] == [f"{base}/ui-api/auth/oidc/callback"]
    assert env_value(backend, "HEARTH_PUBLIC_BASE_URL") == base
    dex = pod_containers(r.get("Deployment", f"{PREFIX}-dex"))[0]
    dex_secret = next(e for e in env_list(dex) if e["name"] == client["secretEnv"])
    backend_secret = next(e for e in env_list(backend) if e["name"] == "HEARTH_OIDC_CLIENT_SECRET")
    assert dex_secret["valueFrom"] == backend_secret["valueFrom"]
    assert config["connectors"] == VALUE_SETS["dex"]["dex"]["connectors"]
    assert config["web"]["http"].endswith(":5556")


def test_without_dex_there_is_no_dex_and_no_oidc(rendered: Callable[[str], Rendered]) -> None:
    r = rendered("defaults")
    assert not [d for d in r.docs if d["metadata"]["name"].startswith(f"{PREFIX}-dex")]
    names = {e["name"] for e in env_list(r.container("backend"))}
    assert not {n for n in names if n.startswith("HEARTH_OIDC_")}
    external = rendered("existing-secrets").container("backend")
    assert env_value(external, "HEARTH_OIDC_ISSUER") == "https://login.example.com"
    assert env_value(external, "HEARTH_OIDC_SCOPES") == "openid email profile groups"


# ---------------------------------------------------------------- images and pods


def test_air_gapped_every_image_comes_from_the_mirror(rendered: Callable[[str], Rendered]) -> None:
    r = rendered("air-gapped")
    images = []
    for workload in r.workloads():
        spec = pod_spec(workload)
        assert spec is not None
        assert spec.get("imagePullSecrets") == [{"name": "corp-registry"}], workload["metadata"]["name"]
        images += [c["image"] for c in [*spec.get("initContainers", []), *spec["containers"]]]
    assert images
    assert all(image.startswith("registry.corp.internal/") for image in images), images
    assert r.container("gateway")["image"] == "registry.corp.internal/hearth/hearth@sha256:" + "ab" * 32


@pytest.mark.parametrize("value_set", ["defaults", "dex"])
def test_pods_run_unprivileged(value_set: str, rendered: Callable[[str], Rendered]) -> None:
    r = rendered(value_set)
    for workload in r.workloads():
        spec = pod_spec(workload)
        assert spec is not None
        assert spec["securityContext"]["runAsNonRoot"] is True, workload["metadata"]["name"]
        assert spec["securityContext"].get("runAsUser", 1) != 0
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    for service in HEARTH_SERVICES:
        assert r.container(service)["securityContext"]["readOnlyRootFilesystem"] is True
