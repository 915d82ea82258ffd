"""ServiceMetrics: the Prometheus metrics of one app, and their text exposition."""

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Anything else a client sends as a method is one label value, so junk cannot grow the series.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ServiceMetrics:
    """Requests, auth failures, JWKS fetches and pool use, in a registry of this app's own.

    A registry per app (not the global one) lets a process build many apps, as the tests
    do, without "Duplicated timeseries" errors. With ``PROMETHEUS_MULTIPROC_DIR`` set
    (several workers), values live in files there and every scrape sums all workers.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "http_request_duration_seconds",
            "Time from request to the end of the answer, by method, route template and status",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._auth_failures = Counter(
            "auth_failures_total",
            "Requests refused with 401, by reason (expired, bad_signature, missing_token...)",
            ["reason"],
            registry=self.registry,
        )
        self._jwks_fetches = Counter(
            "jwks_fetches_total",
            "Fetches of the signing key set, by outcome (success, failure)",
            ["outcome"],
            registry=self.registry,
        )
        self._pool_checked_out = Gauge(
            "db_pool_checked_out_connections",
            "Database connections currently lent out by the pool",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        # Label lookups validate and lock; the children are cached once per label set instead.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        if method not in _KNOWN_METHODS:
            method = "other"
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            labels = (method, route, str(status))
            series = (self._requests.labels(*labels), self._latency.labels(*labels))
            self._series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    def auth_failed(self, reason: str) -> None:
        self._auth_failures.labels(reason).inc()

    def jwks_fetched(self, succeeded: bool) -> None:
        self._jwks_fetches.labels("success" if succeeded else "failure").inc()

    def watch_pool(self, engine: AsyncEngine) -> None:
        """Follow the pool's lending through its events, so every worker keeps its own count."""
        if event.contains(engine.sync_engine, "checkout", self._checked_out):
            return
        event.listen(engine.sync_engine, "checkout", self._checked_out)
        event.listen(engine.sync_engine, "checkin", self._checked_in)

    def exposition(self) -> tuple[bytes, str]:
        """The text a scrape gets, and its content type."""
        if MULTIPROCESS_ENV in os.environ:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def _checked_out(self, *_: object) -> None:
        self._pool_checked_out.inc()

    def _checked_in(self, *_: object) -> None:
        self._pool_checked_out.dec()
