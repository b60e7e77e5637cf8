"""Metrics for Prometheus at `/metrics`: HTTP traffic, and what the model predicts.

Request counts and latencies come from prometheus-fastapi-instrumentator; the model's own metrics (what it
predicts) are defined with its predictions, in `prediction`.
"""

from fastapi import FastAPI
from prometheus_fastapi_instrumentator import Instrumentator

# Latency buckets by route (`http_request_duration_seconds`) fine enough for a model that answers in
# milliseconds: the instrumentator's default (0.1, 0.5, 1 s) would put every request in the first bucket.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def instrument(app: FastAPI) -> None:
    """Count and time every request by route, and expose everything at /metrics."""
    instrumentator = Instrumentator(excluded_handlers=["/metrics"])
    instrumentator.instrument(app, latency_lowr_buckets=LATENCY_BUCKETS).expose(app, include_in_schema=False)
