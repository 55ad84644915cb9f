"""Container entry point: `python -m tzsb_platform.serve <service>`.

One image runs any of the five services. Before serving, the process brings the service's
database to the newest migration and, for the registry, makes sure the bureau's first API
client exists. uvicorn then runs in this very process, so the container's main process is the
web server and receives its stop signal directly.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import ipaddress
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from tzsb_common.logging import configure_logging, get_logger
from tzsb_common.migrations import upgrade_to_head
from tzsb_common.settings import ServiceSettings

CLIENT_CREDENTIALS_PATH = "/api/v1/oauth/token"


@dataclass(frozen=True)
class Service:
    package: str
    settings_class: str


SERVICES: dict[str, Service] = {
    "registry": Service("registry", "RegistrySettings"),
    "inspection": Service("inspection", "InspectionSettings"),
    "elevator-maintenance": Service("elevator_maintenance", "ElevatorMaintenanceSettings"),
    "cylinder-trace": Service("cylinder_trace", "CylinderTraceSettings"),
    "reporting": Service("reporting", "ReportingSettings"),
}
"""Service directory name (as under services/) → its Python package and settings class."""


def load_settings(service: Service) -> ServiceSettings:
    module = importlib.import_module(f"{service.package}.settings")
    settings_class = getattr(module, service.settings_class)
    if not (isinstance(settings_class, type) and issubclass(settings_class, ServiceSettings)):
        raise TypeError(f"{service.package}.settings.{service.settings_class} is not settings")
    return settings_class()


def migrations_dir(service: Service) -> Path:
    """services/<dir>/migrations, found from the installed package (src/<package>/__init__.py)."""
    init_file = importlib.import_module(service.package).__file__
    if init_file is None:
        raise RuntimeError(f"package {service.package} has no __init__.py")
    return Path(init_file).resolve().parents[2] / "migrations"


def public_token_url(settings: ServiceSettings) -> str:
    """Where a bureau user reaches the token endpoint; written into the bureau credential file.

    The registry's PUBLIC_TOKEN_URL wins (behind a gateway or TLS terminator). Otherwise it is
    derived from the listening address, a wildcard address read as the loopback the port is
    published on.
    """
    configured = getattr(settings, "public_token_url", None)
    if isinstance(configured, str) and configured:
        return configured
    host = _reachable_host(settings.http_host)
    return f"http://{host}:{settings.http_port}{CLIENT_CREDENTIALS_PATH}"


def _reachable_host(host: str) -> str:
    """The host part of a URL that reaches a server listening on `host`."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "127.0.0.1"
    if address.is_unspecified:
        return "127.0.0.1"
    return f"[{host}]" if address.version == 6 else host


def prepare(name: str, settings: ServiceSettings) -> None:
    """Everything that must hold before the first request is served."""
    service = SERVICES[name]
    log = get_logger("tzsb.serve")
    upgrade_to_head(migrations_dir(service), settings.database_url)
    log.info("migrations applied", service=name)
    if name == "registry":
        from registry.bootstrap import ensure_bureau_client

        path, created = asyncio.run(
            ensure_bureau_client(
                settings.database_url, settings.state_dir, public_token_url(settings)
            )
        )
        if created:
            log.info("bureau client created", path=str(path))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tzsb_platform.serve",
        description="Migrate and serve one tzsb service.",
    )
    parser.add_argument("service", choices=sorted(SERVICES))
    name: str = parser.parse_args(argv).service

    service = SERVICES[name]
    settings = load_settings(service)
    configure_logging(service=name, level=settings.log_level, json=settings.log_json)
    prepare(name, settings)
    uvicorn.run(
        f"{service.package}.main:create_app",
        factory=True,
        host=settings.http_host,
        port=settings.http_port,
        proxy_headers=True,
        access_log=False,
        timeout_graceful_shutdown=10,
        # The root handler installed above renders uvicorn's records as JSON too.
        log_config=None,
    )


if __name__ == "__main__":
    main()
