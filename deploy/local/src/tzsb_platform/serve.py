"""Container entry point: `python -m tzsb_platform.serve <service>`.

One image runs any of the five services. Before serving, the process brings the service's
database to the newest migration and, for the registry, makes sure the bureau's first API
client exists. uvicorn then runs in this very process, so the container's main process is the
web server and receives its stop signal directly.
"""

from __future__ import annotations

import argparse
import asyncio

import uvicorn

from tzsb_common.logging import configure_logging, get_logger
from tzsb_common.migrations import upgrade_to_head
from tzsb_common.settings import ServiceSettings
from tzsb_platform.services import SERVICES_BY_NAME, TOKEN_ENDPOINT_PATH
from tzsb_platform.settings import reachable_host


def public_token_url(settings: ServiceSettings) -> str:
    """Where a bureau user reaches the token endpoint; written into the bureau credential file.

    The registry's PUBLIC_TOKEN_URL wins (behind a gateway or TLS terminator). Otherwise it is
    derived from the listening address, a wildcard address read as the loopback the port is
    published on.
    """
    configured = getattr(settings, "public_token_url", None)
    if isinstance(configured, str) and configured:
        return configured
    host = reachable_host(settings.http_host)
    return f"http://{host}:{settings.http_port}{TOKEN_ENDPOINT_PATH}"


def prepare(name: str, settings: ServiceSettings) -> None:
    """Everything that must hold before the first request is served."""
    log = get_logger("tzsb.serve")
    upgrade_to_head(SERVICES_BY_NAME[name].migrations_dir, settings.database_url)
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
    parser.add_argument("service", choices=sorted(SERVICES_BY_NAME))
    name: str = parser.parse_args(argv).service

    service = SERVICES_BY_NAME[name]
    settings = service.load_settings()
    configure_logging(
        service=name,
        level=settings.log_level,
        json=settings.log_json,
        repeat_interval_s=settings.log_repeat_interval_s,
    )
    prepare(name, settings)
    uvicorn.run(
        service.app_factory,
        factory=True,
        host=settings.http_host,
        port=settings.http_port,
        proxy_headers=True,
        access_log=False,
        timeout_graceful_shutdown=10,
        workers=settings.web_concurrency,
        # The root handler installed above renders uvicorn's records as JSON too.
        log_config=None,
    )


if __name__ == "__main__":
    main()
