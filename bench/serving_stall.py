"""Whether one client's big body holds up another client's small request, on the generated API.

Run from the template's root with its venv:

    .venv/bin/python bench/serving_stall.py                    # renders and trains the default project (~1 min)
    .venv/bin/python bench/serving_stall.py --project /tmp/p/wine-classifier   # a project `dvc repro` trained

Set-up: the default project (rendered and trained as bench/serving_load.py does, or --project) is served by
`python -m <package> serve` on a free loopback port, with its default limits (MAX_BATCH_SIZE, MAX_BODY_BYTES).

Measured: the latency of one-instance requests, each followed by a GET /health, sent one after the other by one
client for --seconds, first on an idle server, then while other clients (each a process of its own) keep sending,
each in a loop:

- oversized: a body of --big-instances real rows (100,000: 29 MB), with Content-Length, as one client did when
  the server read and validated it on the event loop for 4.6 s before refusing it;
- maximal: the largest valid request, MAX_BATCH_SIZE rows, from two clients.

For each condition: the small request's median, p99 and slowest latency, /health's median and slowest (answered
on the event loop alone: how long anything held it), and the big requests' answers (status, median time to the
answer). The goal: no big body holds the event loop for more than a few milliseconds. The load average is
printed: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from serving_load import feature_rows, render_and_train, serving
from tables import table

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
TIMEOUT_S = 60.0
STARTUP_S = 1.0  # for the sending processes to start before the clock runs

logger = logging.getLogger("serving_stall")


@dataclass(frozen=True)
class Condition:
    name: str
    small_ms: list[float]
    health_ms: list[float]
    big_statuses: list[str]
    big_ms: list[float]


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def post(client: httpx.Client, url: str, body: bytes) -> tuple[str, float]:
    """The answer's status (or the error that closed the connection) and the time to it, in ms."""
    started = time.perf_counter()
    try:
        status = str(client.post(url, content=body, headers={"Content-Type": "application/json"}).status_code)
    except httpx.TransportError as error:
        status = type(error).__name__
    return status, (time.perf_counter() - started) * 1e3


def keep_sending(url: str, body: bytes, until: float) -> list[tuple[str, float]]:
    """Post `body` again and again until the clock passes `until` (run in a process of its own, so that the client's
    own work does not slow the small requests down)."""
    answers = []
    with httpx.Client(timeout=TIMEOUT_S) as client:
        while time.time() < until:
            answers.append(post(client, url, body))
    return answers


def timed_requests(url: str, small: bytes, until: float) -> tuple[list[float], list[float]]:
    """One-instance predictions and health checks, one after the other until `until`: their latencies in ms."""
    predictions, health = [], []
    with httpx.Client(timeout=TIMEOUT_S) as client:
        while time.time() < until:
            status, ms = post(client, url, small)
            if status != "200":
                raise RuntimeError(f"a one-instance request failed: {status}")
            predictions.append(ms)
            started = time.perf_counter()
            client.get(url.removesuffix("/predict") + "/health").raise_for_status()
            health.append((time.perf_counter() - started) * 1e3)
    return predictions, health


def beside(name: str, url: str, small: bytes, seconds: float, big: bytes | None, clients: int) -> Condition:
    """The small requests' latencies over `seconds` while `clients` processes keep posting `big` (none: idle)."""
    start = time.time() + STARTUP_S
    with ProcessPoolExecutor(max_workers=max(clients, 1)) as pool:
        senders = [pool.submit(keep_sending, url, big, start + seconds) for _ in range(clients if big else 0)]
        time.sleep(max(0.0, start - time.time()))
        predictions, health = timed_requests(url, small, start + seconds)
        answers = [answer for sender in senders for answer in sender.result()]
    return Condition(name, predictions, health, [status for status, _ in answers], [ms for _, ms in answers])


def measure(url: str, rows: list[dict[str, Any]], args: argparse.Namespace, max_batch: int) -> list[Condition]:
    def body(size: int) -> bytes:
        return json.dumps({"instances": [rows[i % len(rows)] for i in range(size)]}).encode()

    small, oversized, maximal = body(1), body(args.big_instances), body(max_batch)
    logger.info("bodies: one instance %d B, oversized %d B, maximal %d B", len(small), len(oversized), len(maximal))
    runs: list[Callable[[], Condition]] = [
        lambda: beside("idle server", url, small, args.seconds, None, 0),
        lambda: beside(f"beside {args.big_instances:,} instances, 1 client", url, small, args.seconds, oversized, 1),
        lambda: beside(
            f"beside {max_batch} instances (largest valid), 2 clients", url, small, args.seconds, maximal, 2
        ),
    ]
    conditions = []
    for run in runs:
        conditions.append(run())
        logger.info("%s: median %.1f ms", conditions[-1].name, statistics.median(conditions[-1].small_ms))
    return conditions


def print_results(conditions: list[Condition], body_sizes: str) -> None:
    rows = []
    for condition in conditions:
        statuses = {status: condition.big_statuses.count(status) for status in sorted(set(condition.big_statuses))}
        rows.append(
            [
                condition.name,
                statistics.median(condition.small_ms),
                percentile(condition.small_ms, 0.99),
                max(condition.small_ms),
                statistics.median(condition.health_ms),
                max(condition.health_ms),
                ", ".join(f"{status} x{count}" for status, count in statuses.items()) or "-",
                statistics.median(condition.big_ms) if condition.big_ms else float("nan"),
            ]
        )
    header = ["condition", "small p50 ms", "p99 ms", "max ms", "health p50", "max", "big answers", "big p50 ms"]
    print(table(f"One-instance requests beside big bodies ({body_sizes})", header, rows, float_format=",.1f"))
    idle = statistics.median(conditions[0].small_ms)
    worst = max(statistics.median(condition.small_ms) for condition in conditions[1:])
    print(f"delay of a small request's median beside big bodies: {worst - idle:+.1f} ms (idle median {idle:.1f} ms)")
    health = max(max(condition.health_ms) for condition in conditions[1:])
    print(f"slowest /health beside big bodies (the event loop's longest hold): {health:.1f} ms")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="a default project `dvc repro` trained (default: render one)")
    parser.add_argument("--seconds", type=float, default=10, help="seconds per condition (default 10)")
    parser.add_argument("--big-instances", type=int, default=100_000, help="rows in the oversized body")
    parser.add_argument("--template", type=Path, default=TEMPLATE_DIR, help="template to render (default: this one)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="serving-stall-"))
    try:
        project = args.project or render_and_train(args.template, workdir)
        rows = feature_rows(project)
        load = os.getloadavg()[0]
        with serving("generated", project, workdir) as (server, _):
            schema = httpx.get(f"{server.url}/openapi.json").json()["components"]["schemas"]["PredictRequest"]
            max_batch = schema["properties"]["instances"]["maxItems"]
            conditions = measure(f"{server.url}/predict", rows, args, max_batch)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    after = os.getloadavg()[0]
    print(f"\nserving_stall: load average (1 min) {load:.2f} before, {after:.2f} after, on {os.cpu_count()} cores")
    print_results(conditions, f"oversized: {args.big_instances:,} instances; largest valid: {max_batch}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
