"""Metrics for Prometheus at `/metrics`: HTTP traffic, and what the model predicts.

Request counts and latencies come from prometheus-fastapi-instrumentator; the model's own metrics are a
histogram of the predicted class's probability and a counter per predicted label, so a shift in what the model
says shows on a dashboard before anyone reads the logs.
"""

from fastapi import FastAPI
from prometheus_client import Counter, Histogram
from prometheus_fastapi_instrumentator import Instrumentator

PREDICTION_SCORE = Histogram(
    "model_prediction_score",
    "Probability of the predicted class",
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0),
)
PREDICTED_LABELS = Counter("model_predictions_total", "Predictions made, by predicted label", ["label"])


def record_predictions(predictions: list[tuple[str, float]]) -> None:
    for label, score in predictions:
        PREDICTION_SCORE.observe(score)
        PREDICTED_LABELS.labels(label=label).inc()


# Latency buckets by route (`http_request_duration_seconds`) fine enough for a model that answers in
# milliseconds: the instrumentator's default (0.1, 0.5, 1 s) would put every request in the first bucket.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def instrument(app: FastAPI) -> None:
    """Count and time every request by route, and expose everything at /metrics."""
    instrumentator = Instrumentator(excluded_handlers=["/metrics"])
    instrumentator.instrument(app, latency_lowr_buckets=LATENCY_BUCKETS).expose(app, include_in_schema=False)
