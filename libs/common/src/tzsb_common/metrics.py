"""Prometheus metrics shared by every service, labelled by `service`.

They live in prometheus_client's default registry, as that library intends: a metric is a
process-wide counter, and several apps in one process (tests) are told apart by the label.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

HTTP_REQUEST_DURATION = Histogram(
    "tzsb_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template (not raw path) and status.",
    ["service", "method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

OUTBOX_BACKLOG = Gauge(
    "tzsb_outbox_backlog",
    "Outbox rows written but not yet published to Kafka.",
    ["service"],
)

OUTBOX_PUBLISHED = Counter(
    "tzsb_outbox_published",
    "Events published from the outbox to Kafka.",
    ["service", "topic"],
)

OUTBOX_GIVEN_UP = Counter(
    "tzsb_outbox_given_up",
    "Outbox rows marked failed after their own fault (too large, invalid) kept them from Kafka.",
    ["service", "topic"],
)

OUTBOX_FAILED_ROWS = Gauge(
    "tzsb_outbox_failed_rows",
    "Outbox rows marked failed and waiting for an operator (GET /api/v1/outbox/failed).",
    ["service"],
)

OUTBOX_DELETED = Counter(
    "tzsb_outbox_deleted",
    "Sent outbox rows deleted after their retention.",
    ["service"],
)

COALESCED_POSTS = Counter(
    "tzsb_coalesced_posts",
    "Small posts written through tzsb_common.coalescing (per service and path).",
    ["service", "path"],
)

COALESCED_TRANSACTIONS = Counter(
    "tzsb_coalesced_transactions",
    "Transactions those posts were written in: posts per transaction is the coalescing's gain.",
    ["service", "path"],
)

CONSUMER_LAG = Gauge(
    "tzsb_consumer_lag",
    "Messages behind the end of the partition for a consumer group.",
    ["service", "group", "topic", "partition"],
)

CONSUMER_APPLIED = Counter(
    "tzsb_consumer_applied",
    "Events applied by a consumer (redeliveries recognised by the inbox are not counted).",
    ["service", "topic"],
)

DLQ_EVENTS = Counter(
    "tzsb_dlq_events",
    "Events sent to a dead-letter topic after exhausting their retries.",
    ["service", "topic"],
)


async def _exposition() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def metrics_router() -> APIRouter:
    """`GET /metrics` in the Prometheus text format, kept out of the public API document."""
    router = APIRouter()
    router.add_api_route("/metrics", _exposition, methods=["GET"], include_in_schema=False)
    return router
