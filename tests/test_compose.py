"""docker-compose.yml and the files it mounts agree with the services' own settings.

Docker does not run in CI, so these checks read the files instead: a port, a database name or an
environment variable that does not match a settings class fails here rather than in a container.
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices

from cylinder_trace.settings import CylinderTraceSettings
from elevator_maintenance.settings import ElevatorMaintenanceSettings
from inspection.settings import InspectionSettings
from registry.settings import RegistrySettings
from reporting.settings import ReportingSettings
from tzsb_common.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"

SETTINGS: dict[str, type[ServiceSettings]] = {
    "registry": RegistrySettings,
    "inspection": InspectionSettings,
    "elevator-maintenance": ElevatorMaintenanceSettings,
    "cylinder-trace": CylinderTraceSettings,
    "reporting": ReportingSettings,
}
"""Compose service name (= directory under services/) → its settings class."""

SERVICES = list(SETTINGS)
CLIENTS = [name for name in SERVICES if name != "registry"]
INFRASTRUCTURE = ["postgres", "kafka", "prometheus", "grafana"]
REGISTRY_JWKS_URL = "http://registry:8001/.well-known/jwks.json"

VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<rest>[^}]*)\}")
REQUIRED_VARIABLE = re.compile(r"^\$\{[A-Z][A-Z0-9_]*:\?[^}]*\}$")
URL_PASSWORD = re.compile(r"://[^:/@\s]+:(\$\{[^}]*\}|[^@\s]*)@")
SECRET_WORDS = ("PASSWORD", "SECRET", "PRIVATE_KEY", "_PEM")
DATABASE_URL = re.compile(
    r"^postgresql\+asyncpg://(?P<user>[^:@/]+):(?P<password>\$\{[^}]+\})"
    r"@postgres:5432/(?P<database>[a-z_]+)$"
)


def _read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def compose() -> dict[str, Any]:
    document = _read_yaml(ROOT / "docker-compose.yml")
    assert isinstance(document, dict)
    return document


def service(name: str) -> dict[str, Any]:
    definition = compose()["services"][name]
    assert isinstance(definition, dict)
    return definition


def environment(name: str) -> dict[str, str]:
    """A service's environment, whether written as a mapping or as KEY=value lines."""
    env = service(name).get("environment") or {}
    if isinstance(env, list):
        pairs = [line.split("=", 1) for line in env]
        return {key: value for key, value in pairs}
    return {key: "" if value is None else str(value) for key, value in env.items()}


def published_ports(name: str) -> list[tuple[str | None, int, int]]:
    """(host ip, host port, container port) of every `ports` entry, short or long syntax."""
    published: list[tuple[str | None, int, int]] = []
    for entry in service(name).get("ports") or []:
        if isinstance(entry, dict):
            published.append((entry.get("host_ip"), int(entry["published"]), int(entry["target"])))
            continue
        parts = str(entry).rsplit(":", 2)
        host_ip = parts[0] if len(parts) == 3 else None
        published.append((host_ip, int(parts[-2]), int(parts[-1].split("/")[0])))
    return published


def env_names(settings_class: type[ServiceSettings]) -> set[str]:
    """The environment variables a settings class reads: its field names, upper-cased."""
    prefix = str(settings_class.model_config.get("env_prefix") or "")
    names: set[str] = set()
    for field_name, field in settings_class.model_fields.items():
        names.add(f"{prefix}{field_name}".upper())
        alias = field.validation_alias
        if isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, AliasChoices):
            names.update(choice.upper() for choice in alias.choices if isinstance(choice, str))
    return names


def default_port(name: str) -> int:
    port = SETTINGS[name].model_fields["http_port"].default
    assert isinstance(port, int)
    return port


def default_database(name: str) -> str:
    url = SETTINGS[name].model_fields["database_url"].default
    assert isinstance(url, str)
    return url.rsplit("/", 1)[-1]


def test_compose_runs_the_five_services_and_their_infrastructure() -> None:
    assert set(compose()["services"]) >= {*SERVICES, *INFRASTRUCTURE}


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_from_the_shared_image_by_its_directory_name(name: str) -> None:
    build = service(name)["build"]
    assert (ROOT / build["context"]).resolve() == ROOT
    assert build["dockerfile"] == "deploy/Dockerfile"
    assert service(name)["command"] == [name]
    assert (ROOT / "services" / name / "pyproject.toml").is_file()


def test_the_entry_point_knows_the_same_settings_classes() -> None:
    from tzsb_platform.services import SERVICES_BY_NAME

    assert {name: type(spec.load_settings()) for name, spec in SERVICES_BY_NAME.items()} == SETTINGS


def test_the_dockerfile_runs_the_entry_point_and_checks_health() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["python", "-m", "tzsb_platform.serve"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "/healthz" in dockerfile
    assert "uv sync --frozen --no-dev --all-packages" in dockerfile
    assert re.search(r"^USER (?!root\b)\S+", dockerfile, re.MULTILINE)


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_publishes_its_default_port(name: str) -> None:
    port = default_port(name)
    assert environment(name)["HTTP_PORT"] == str(port)
    assert published_ports(name) == [("127.0.0.1", port, port)]


def test_no_two_services_share_a_port() -> None:
    ports = [default_port(name) for name in SERVICES]
    assert len(set(ports)) == len(ports)


@pytest.mark.parametrize("name", SERVICES)
def test_every_environment_variable_names_a_settings_field(name: str) -> None:
    unknown = set(environment(name)) - env_names(SETTINGS[name])
    assert not unknown, f"{name} is given variables its settings do not read: {sorted(unknown)}"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_configured_for_the_compose_network(name: str) -> None:
    env = environment(name)
    assert ipaddress.ip_address(env["HTTP_HOST"]).is_unspecified  # every container interface
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env["KAFKA_IDEMPOTENCE"] == "true"
    assert env["ENVIRONMENT"] == "production"
    assert env["STATE_DIR"] == "/var/lib/tzsb"
    assert any(
        str(volume).endswith(":/var/lib/tzsb") for volume in service(name).get("volumes", [])
    ), f"{name} keeps its state in a volume"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_uses_its_own_database(name: str) -> None:
    match = DATABASE_URL.match(environment(name)["DATABASE_URL"])
    assert match, environment(name)["DATABASE_URL"]
    assert match["database"] == default_database(name)
    assert match["database"] == "tzsb_" + name.replace("-", "_")
    assert match["user"] == environment("postgres")["POSTGRES_USER"]
    password = VARIABLE.fullmatch(match["password"])
    assert password
    assert password["name"] == "POSTGRES_PASSWORD"


def test_postgres_creates_every_service_database() -> None:
    init_sql = (DEPLOY / "postgres" / "init" / "01-databases.sql").read_text(encoding="utf-8")
    created = set(re.findall(r"CREATE DATABASE (\w+)", init_sql))
    assert created == {default_database(name) for name in SERVICES}
    assert "./deploy/postgres/init:/docker-entrypoint-initdb.d:ro" in service("postgres")["volumes"]


@pytest.mark.parametrize("name", CLIENTS)
def test_services_other_than_the_registry_verify_tokens_with_its_keys(name: str) -> None:
    assert environment(name)["JWKS_URL"] == REGISTRY_JWKS_URL
    assert REGISTRY_JWKS_URL.startswith(f"http://registry:{default_port('registry')}/")
    assert service(name)["depends_on"]["registry"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", SERVICES)
def test_services_start_after_postgres_and_kafka_are_healthy(name: str) -> None:
    depends_on = service(name)["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["kafka"]["condition"] == "service_healthy"
    assert "healthcheck" in service("postgres")
    assert "healthcheck" in service("kafka")


def test_kafka_advertises_the_address_the_services_use() -> None:
    kafka = environment("kafka")
    assert "PLAINTEXT://kafka:9092" in kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert "broker" in kafka["KAFKA_PROCESS_ROLES"]
    assert "controller" in kafka["KAFKA_PROCESS_ROLES"]


def test_every_published_port_binds_loopback_only() -> None:
    for name in compose()["services"]:
        for host_ip, _, _ in published_ports(name):
            assert host_ip == "127.0.0.1", f"{name} publishes a port beyond this host"


def test_prometheus_scrapes_exactly_the_five_services_at_their_ports() -> None:
    mounts = service("prometheus")["volumes"]
    assert "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in mounts
    config = _read_yaml(DEPLOY / "prometheus" / "prometheus.yml")
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    assert targets == {f"{name}:{default_port(name)}" for name in SERVICES}
    assert all(
        job.get("metrics_path", "/metrics") == "/metrics" for job in config["scrape_configs"]
    )


def test_grafana_is_provisioned_with_prometheus_and_the_reporting_database() -> None:
    provisioning = DEPLOY / "grafana" / "provisioning"
    datasources = _read_yaml(provisioning / "datasources" / "datasources.yml")["datasources"]
    by_type = {source["type"]: source for source in datasources}
    assert by_type["prometheus"]["url"] == "http://prometheus:9090"
    postgres = by_type["grafana-postgresql-datasource"]
    assert postgres["url"] == "postgres:5432"
    assert postgres["jsonData"]["database"] == default_database("reporting")
    assert VARIABLE.fullmatch(postgres["secureJsonData"]["password"])

    mounts = service("grafana")["volumes"]
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts
    dashboards_mount = next(m for m in mounts if m.startswith("./deploy/grafana/dashboards:"))
    providers = _read_yaml(provisioning / "dashboards" / "dashboards.yml")["providers"]
    assert [provider["type"] for provider in providers] == ["file"]
    assert providers[0]["options"]["path"] == dashboards_mount.split(":")[1]
    assert (DEPLOY / "grafana" / "dashboards" / "README.md").is_file()


def test_no_password_is_written_into_the_compose_file() -> None:
    """Every secret is a required variable (`${NAME:?message}`): no default, no literal."""
    for name in compose()["services"]:
        for key, value in environment(name).items():
            if any(word in key for word in SECRET_WORDS):
                assert REQUIRED_VARIABLE.match(value), f"{name}: {key} must come from the env"
            for password in URL_PASSWORD.findall(value):
                assert REQUIRED_VARIABLE.match(password), f"{name}: {key} holds a password"


def test_every_variable_compose_reads_is_listed_in_the_env_example() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    used = {match["name"] for match in VARIABLE.finditer(text)}
    example: dict[str, str] = {}
    for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            example[key.strip()] = value.strip()
    assert used <= set(example)
    assert all(value == "" for value in example.values()), "the example holds no values"
