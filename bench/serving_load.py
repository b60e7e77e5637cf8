"""How many predictions the generated API serves under load, against a naive one-instance-per-request server.

Run from the template's root with its venv (dependencies already installed) and `wrk` on the PATH:

    .venv/bin/python bench/serving_load.py                      # defaults: 15 s per load pass, ~3.5 min on 2 cores
    .venv/bin/python bench/serving_load.py --duration 10 --runs 3 --json serving.json
    .venv/bin/python bench/serving_load.py --max-load 1.0       # first wait (up to --max-wait s) for a quiet machine

Set-up: the default project is rendered into a temp folder and `dvc repro` trains its model
(models/model.joblib); both servers serve that same file, one at a time (never concurrently), each with uvicorn
and one worker on a free loopback port:

- generated: `python -m <package> serve`, the project's own FastAPI app; POST /predict takes
  `{"instances": [...]}` and micro-batches concurrent requests into one model call in a worker thread;
- baseline: `bench/baseline_app.py`, a typical naive seed: one bare feature record per request, `predict_proba`
  called synchronously inside an `async def` endpoint (the event loop blocks), the model's `n_jobs` as trained.

Load: `wrk --latency` with a Lua script posting JSON bodies built from real rows of the project's
data/prepared/test.csv (label column dropped), cycling through them; after a warm-up, each pass lasts
--duration seconds. Every figure is the median over --runs passes (the servers alternate between runs).

Sections:

1. one instance per request at 1, 8 and 64 connections, generated API against baseline: requests/s, p50, p99;
2. the generated API with 16 and 64 instances per request at 8 and 64 connections: instances/s, p50, p99;
3. in-process: the model's own `predict_proba` (a separate process, no server running) on 1 to 1,000 rows,
   as predictions/s, with the n_jobs the generated server sets (1) and as trained; serving efficiency is the best
   HTTP instances/s of section 2 over the best in-process predictions/s on a 1,000-row batch; the goals: at least
   50 % of that rate with 64 instances per request, and a p99 under 100 ms at 8 clients with one instance each;
4. at 64 clients: generated instances/s (single-instance requests, and best batched) over baseline instances/s,
   and the p99 of each. The goal: at least 3x the baseline's instances per second, with a lower p99.

Each pass also records the server process's CPU use (from /proc, all its threads; 100 % is one core), and
non-2xx responses, socket errors and timeouts, which are shown when there are any. The machine may be shared:
the load average is printed before the run and with each pass.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from cookiecutter.main import cookiecutter
from tables import table, verdict

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent  # not resolved: the venv's python is a symlink to the base interpreter
HOST = "127.0.0.1"
SERVERS = ("generated", "baseline")
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
GOAL_RATIO = 3.0
# The serving goals: this share of the in-process rate with this many instances per request, and this p99 at
# this many clients sending one instance each.
EFFICIENCY_BATCH = 64
EFFICIENCY_GOAL = 0.5
LATENCY_CLIENTS = 8
LATENCY_GOAL_MS = 100.0
RESULT_MARK = "BENCH_RESULT "

logger = logging.getLogger("serving_load")


def median(values: Iterable[float]) -> float:
    """The median; NaN when there is no sample (so a table still prints)."""
    samples = list(values)
    return statistics.median(samples) if samples else float("nan")


# --------------------------------------------------------------------------------------------------------------
# The project and its model


def project_env(project: Path) -> dict[str, str]:
    """The environment a user has in the project: venv first on PATH, the package importable from src/."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(project / "src")
    env["DVC_NO_ANALYTICS"] = "1"
    return env


def render_and_train(template: Path, workdir: Path) -> Path:
    """The default project, rendered, with `dvc repro` run: models/model.joblib and data/prepared/ exist."""
    output_dir = workdir / "project"
    output_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PATH"] = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"  # the render hook runs git and dvc
    project = Path(
        cookiecutter(
            str(template),
            no_input=True,
            output_dir=str(output_dir),
            extra_context={"dvc_remote_url": str(workdir / "remote")},
        )
    )
    result = subprocess.run(
        [VENV_BIN / "dvc", "repro"], cwd=project, env=project_env(project), capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or not (project / "models/model.joblib").is_file():
        raise RuntimeError(f"dvc repro failed in {project}:\n{result.stdout}\n{result.stderr}")
    return project


def package_name(project: Path) -> str:
    (package,) = [path.parent.name for path in (project / "src").glob("*/__init__.py")]
    return package


def feature_rows(project: Path) -> list[dict[str, Any]]:
    """The prepared test split as feature records: numbers as floats, categories as text, blanks as null."""
    schema = json.loads((project / "data/prepared/schema.json").read_text(encoding="utf-8"))
    numeric, categorical = set(schema["numeric"]), set(schema["categorical"])
    rows = []
    with (project / "data/prepared/test.csv").open(newline="", encoding="utf-8") as table:
        for record in csv.DictReader(table):
            row: dict[str, Any] = {}
            for column, text in record.items():
                if column == schema["target"] or column not in numeric | categorical:
                    continue
                row[column] = None if text == "" else float(text) if column in numeric else text
            rows.append(row)
    return rows


def batches(rows: Sequence[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    """One batch starting at each row, `size` rows long, wrapping around: as many distinct bodies as rows."""
    return [[rows[(start + offset) % len(rows)] for offset in range(size)] for start in range(len(rows))]


# --------------------------------------------------------------------------------------------------------------
# In-process model timing (its own process, before any server starts)

MODEL_TIMING = '''"""Bench driver: the model's own predict_proba on frames of test rows, median of runs, as JSON."""
import json
import statistics
import sys
import time

import joblib
import pandas as pd

model_path, rows_json, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = json.loads(rows_json)
model = joblib.load(model_path)
trained_jobs = model.named_steps["classifier"].n_jobs


def frame(size):
    return pd.DataFrame.from_records([rows[i % len(rows)] for i in range(size)])


def timed(call):
    call()  # warm
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


out = []
for jobs, label in ((1, "n_jobs=1 (as served)"), (trained_jobs, f"n_jobs={trained_jobs} (as trained)")):
    model.set_params(classifier__n_jobs=jobs)
    for size in (1, 64, 256, 1000):
        data = frame(size)
        seconds = timed(lambda: model.predict_proba(data))
        out.append({"call": f"predict_proba, {label}", "rows": size, "seconds": seconds})
model.set_params(classifier__n_jobs=1)
records = [rows[i % len(rows)] for i in range(256)]
columns = list(rows[0])


def served_call():  # what the generated server's LoadedModel.predict does with a batch of records
    probabilities = model.predict_proba(pd.DataFrame.from_records(records, columns=columns))
    best = probabilities.argmax(axis=1)
    return [(str(model.classes_[i]), float(p[i])) for i, p in zip(best, probabilities)]


seconds = timed(served_call)
out.append({"call": "records -> frame -> predict_proba -> labels, n_jobs=1", "rows": 256, "seconds": seconds})
print(json.dumps({"trained_n_jobs": trained_jobs, "timings": out}))
'''


@dataclass(frozen=True)
class ModelTiming:
    call: str
    rows: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.rows / self.seconds


def time_model(project: Path, rows: Sequence[dict[str, Any]], runs: int, workdir: Path) -> list[ModelTiming]:
    driver = workdir / "bench_model_timing.py"
    driver.write_text(MODEL_TIMING, encoding="utf-8")
    command = [VENV_BIN / "python", driver, project / "models/model.joblib", json.dumps(list(rows)), str(runs)]
    result = subprocess.run(
        [str(part) for part in command], cwd=project, env=project_env(project), capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"model timing failed:\n{result.stdout}\n{result.stderr}")
    return [ModelTiming(**item) for item in json.loads(result.stdout.strip().splitlines()[-1])["timings"]]


# --------------------------------------------------------------------------------------------------------------
# Servers


@dataclass(frozen=True)
class Server:
    kind: str
    url: str
    pid: int


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_command(kind: str, project: Path, port: int) -> list[str]:
    if kind == "generated":
        return [str(VENV_BIN / "python"), "-m", package_name(project), "serve", "--host", HOST, "--port", str(port)]
    return [
        *(str(VENV_BIN / "python"), "-m", "uvicorn", "baseline_app:app", "--app-dir", str(BENCH_DIR)),
        *("--host", HOST, "--port", str(port), "--workers", "1"),
    ]


def wait_until_answering(process: subprocess.Popen[bytes], url: str, timeout: float = START_TIMEOUT_S) -> bool:
    """True once GET /openapi.json answers 200 (both apps have it); False if the process died or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/openapi.json", timeout=timeout).status_code == 200:
                return True
        except httpx.TransportError:
            time.sleep(0.1)
    return False


@contextlib.contextmanager
def serving(kind: str, project: Path, workdir: Path) -> Iterator[tuple[Server, subprocess.Popen[bytes]]]:
    """One server on a free loopback port, stopped (and waited for) on the way out, whatever happens."""
    port = free_port()
    env = project_env(project)
    env["MODEL_PATH"] = str(project / "models/model.joblib")
    env["METRICS_PATH"] = str(project / "metrics/metrics.json")
    log_path = workdir / f"{kind}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            server_command(kind, project, port), cwd=project, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
    try:
        url = f"http://{HOST}:{port}"
        if not wait_until_answering(process, url):
            raise RuntimeError(f"the {kind} server did not start (exit {process.poll()}):\n{log_path.read_text()}")
        logger.info("%s server up at %s (pid %d)", kind, url, process.pid)
        yield Server(kind, url, process.pid), process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_S)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all threads, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def body(kind: str, instances: list[dict[str, Any]]) -> str:
    """The baseline takes one bare record; the generated API `{"instances": [...]}`."""
    if kind == "baseline":
        (instance,) = instances
        return json.dumps(instance, separators=(",", ":"))
    return json.dumps({"instances": instances}, separators=(",", ":"))


def predictions(server: Server, rows: Sequence[dict[str, Any]]) -> list[tuple[str, float]]:
    """Each row's label and score: the generated API gets all rows in one request, the baseline one at a time."""
    headers = {"Content-Type": "application/json"}
    with httpx.Client(timeout=60) as client:
        if server.kind == "generated":
            response = client.post(f"{server.url}/predict", content=body(server.kind, list(rows)), headers=headers)
            response.raise_for_status()
            return [(item["label"], item["score"]) for item in response.json()["predictions"]]
        answers = []
        for row in rows:
            response = client.post(f"{server.url}/predict", content=body(server.kind, [row]), headers=headers)
            response.raise_for_status()
            answers.append((response.json()["label"], response.json()["score"]))
        return answers


def check_same(answers: Mapping[str, list[tuple[str, float]]]) -> None:
    """Both servers give every row the same label and score: they serve the same model file."""
    for index, (ours, theirs) in enumerate(zip(answers["generated"], answers["baseline"], strict=True)):
        if ours[0] != theirs[0] or abs(ours[1] - theirs[1]) > 1e-9:
            raise RuntimeError(f"row {index}: generated {ours} but baseline {theirs}: not the same model?")


# --------------------------------------------------------------------------------------------------------------
# wrk


def lua_script(bodies: Sequence[str]) -> str:
    """A wrk script: pre-formatted POSTs of the bodies, one after the other; `done` prints the figures as JSON."""
    quoted = ",\n".join(f"[==[{text}]==]" for text in bodies)
    return f"""-- Generated by bench/serving_load.py
local bodies = {{
{quoted}
}}
local requests = {{}}
local index = 0

init = function(args)
  local headers = {{["Content-Type"] = "application/json"}}
  for i, text in ipairs(bodies) do
    requests[i] = wrk.format("POST", wrk.path, headers, text)
  end
end

request = function()
  index = index % #requests + 1
  return requests[index]
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{RESULT_MARK}{{"requests":%.0f,"duration_us":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,' ..
    '"timeout":%.0f,"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"max_us":%.0f,"mean_us":%.1f}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


@dataclass
class Pass:
    """One wrk pass against one server."""

    server: str
    connections: int
    batch: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu: float  # CPU seconds of the server process over the pass, all threads
    load: float  # 1-minute load average after the pass

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds

    @property
    def instances_per_s(self) -> float:
        return self.requests * self.batch / self.seconds

    @property
    def cpu_share(self) -> float:
        return self.server_cpu / self.seconds


def run_wrk(
    server: Server, script: Path, connections: int, threads: int, duration: int, timeout: int
) -> tuple[dict[str, Any], float]:
    """One wrk run; its figures, and the server's CPU seconds during it."""
    command = [
        *("wrk", f"--threads={min(threads, connections)}", f"--connections={connections}"),
        *(f"--duration={duration}s", f"--timeout={timeout}s", "--latency", f"--script={script}"),
        f"{server.url}/predict",
    ]
    cpu_before = process_cpu_seconds(server.pid)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    cpu = process_cpu_seconds(server.pid) - cpu_before
    marked = [line for line in result.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if result.returncode != 0 or not marked:
        raise RuntimeError(f"`{' '.join(command)}` exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return json.loads(marked[-1][len(RESULT_MARK) :]), cpu


def drain(server: Server, process: subprocess.Popen[bytes]) -> None:
    """Wait for the requests wrk left in flight: the next pass starts on an idle server."""
    if not wait_until_answering(process, server.url, timeout=120):
        raise RuntimeError(f"the {server.kind} server stopped answering")
    time.sleep(0.5)


def load_pass(
    server: Server,
    process: subprocess.Popen[bytes],
    script: Path,
    connections: int,
    batch: int,
    args: argparse.Namespace,
) -> Pass:
    figures, cpu = run_wrk(server, script, connections, args.threads, args.duration, args.timeout)
    drain(server, process)
    errors = sum(int(figures[key]) for key in ("connect", "read", "write", "status", "timeout"))
    measured = Pass(
        server=server.kind,
        connections=connections,
        batch=batch,
        requests=int(figures["requests"]),
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1e3,
        p99_ms=figures["p99_us"] / 1e3,
        errors=errors,
        server_cpu=cpu,
        load=os.getloadavg()[0],
    )
    logger.info(
        "  %-9s c=%-3d batch=%-3d %8.1f req/s %9.1f inst/s  p50 %7.1f ms  p99 %7.1f ms  cpu %3.0f%%  errors %d",
        server.kind,
        connections,
        batch,
        measured.requests_per_s,
        measured.instances_per_s,
        measured.p50_ms,
        measured.p99_ms,
        100 * measured.cpu_share,
        errors,
    )
    return measured


# --------------------------------------------------------------------------------------------------------------
# Results


@dataclass
class Results:
    passes: list[Pass]
    model: list[ModelTiming]
    single_connections: list[int]
    batch_connections: list[int]
    batch_sizes: list[int]

    def figure(self, server: str, connections: int, batch: int, attribute: str) -> float:
        return median(
            getattr(p, attribute)
            for p in self.passes
            if (p.server, p.connections, p.batch) == (server, connections, batch)
        )

    def errors(self, server: str, connections: int, batch: int) -> int:
        return sum(p.errors for p in self.passes if (p.server, p.connections, p.batch) == (server, connections, batch))

    def best_batched(self) -> tuple[int, int, float]:
        """(batch, connections, instances/s) of the best batched configuration."""
        candidates = [
            (batch, connections, self.figure("generated", connections, batch, "instances_per_s"))
            for batch in self.batch_sizes
            for connections in self.batch_connections
        ]
        return max(candidates, key=lambda item: item[2], default=(0, 0, float("nan")))

    def best_in_process(self) -> ModelTiming:
        """The fastest predict_proba on the largest batch measured, whichever n_jobs."""
        largest = max(timing.rows for timing in self.model if timing.call.startswith("predict_proba"))
        return max(
            (t for t in self.model if t.call.startswith("predict_proba") and t.rows == largest),
            key=lambda t: t.per_second,
        )

    def efficiency(self) -> float:
        return self.best_batched()[2] / self.best_in_process().per_second

    def efficiency_at(self, batch: int) -> tuple[int, float]:
        """(connections, share of the in-process rate) of the best pass with `batch` instances per request."""
        connections, best = max(
            ((c, self.figure("generated", c, batch, "instances_per_s")) for c in self.batch_connections),
            key=lambda item: item[1],
        )
        return connections, best / self.best_in_process().per_second

    def at_64(self) -> dict[str, float]:
        clients = max(self.single_connections)
        base = self.figure("baseline", clients, 1, "instances_per_s")
        single = self.figure("generated", clients, 1, "instances_per_s")
        batched = max(
            (self.figure("generated", clients, batch, "instances_per_s"), batch) for batch in self.batch_sizes
        )
        return {
            "clients": clients,
            "baseline_instances_per_s": base,
            "baseline_p99_ms": self.figure("baseline", clients, 1, "p99_ms"),
            "generated_single_instances_per_s": single,
            "generated_single_p99_ms": self.figure("generated", clients, 1, "p99_ms"),
            "generated_single_ratio": single / base,
            "generated_batched_batch": batched[1],
            "generated_batched_instances_per_s": batched[0],
            "generated_batched_p99_ms": self.figure("generated", clients, batched[1], "p99_ms"),
            "generated_batched_ratio": batched[0] / base,
        }

    def goal_met(self) -> bool:
        figures = self.at_64()
        return (
            figures["generated_single_ratio"] >= GOAL_RATIO
            and figures["generated_single_p99_ms"] < figures["baseline_p99_ms"]
        )


def print_results(results: Results) -> None:
    figure = results.figure
    any_errors = any(p.errors for p in results.passes)
    header = ["clients", "gen req/s", "p50 ms", "p99 ms", "cpu %", "base req/s", "p50 ms", "p99 ms", "cpu %", "ratio"]
    if any_errors:
        header += ["errors gen/base"]
    rows = []
    for clients in results.single_connections:
        row: list[Any] = [clients]
        for server in SERVERS:
            row += [
                figure(server, clients, 1, "requests_per_s"),
                figure(server, clients, 1, "p50_ms"),
                figure(server, clients, 1, "p99_ms"),
                f"{100 * figure(server, clients, 1, 'cpu_share'):.0f}",
            ]
        ratio = figure("generated", clients, 1, "requests_per_s") / figure("baseline", clients, 1, "requests_per_s")
        row.append(f"{ratio:.1f}x")
        if any_errors:
            row.append(f"{results.errors('generated', clients, 1)}/{results.errors('baseline', clients, 1)}")
        rows.append(row)
    print(
        table(
            "1. One instance per request: generated API (gen) against the baseline (base)",
            header,
            rows,
            float_format=",.1f",
        )
    )

    header = ["instances/request", "clients", "req/s", "instances/s", "p50 ms", "p99 ms", "cpu %"]
    if any_errors:
        header.append("errors")
    rows = []
    for batch in [1, *results.batch_sizes]:
        for clients in results.batch_connections:
            row = [
                batch,
                clients,
                figure("generated", clients, batch, "requests_per_s"),
                figure("generated", clients, batch, "instances_per_s"),
                figure("generated", clients, batch, "p50_ms"),
                figure("generated", clients, batch, "p99_ms"),
                f"{100 * figure('generated', clients, batch, 'cpu_share'):.0f}",
            ]
            if any_errors:
                row.append(results.errors("generated", clients, batch))
            rows.append(row)
    print(table("2. Generated API, several instances per request", header, rows, float_format=",.1f"))

    rows = [[t.call, t.rows, t.seconds * 1e3, t.per_second] for t in results.model]
    print(
        table(
            "3. In-process model (no server; median of runs)",
            ["call", "rows", "ms", "predictions/s"],
            rows,
            float_format=",.1f",
        )
    )
    batch, clients, best = results.best_batched()
    fastest = results.best_in_process()
    print(
        f"serving efficiency: {best:,.0f} instances/s over HTTP ({batch}/request, {clients} clients) / "
        f"{fastest.per_second:,.0f} predictions/s in-process ({fastest.rows} rows, {fastest.call.split(', ')[1]}) "
        f"= {100 * results.efficiency():.1f} %"
    )

    if EFFICIENCY_BATCH in results.batch_sizes:
        clients, share = results.efficiency_at(EFFICIENCY_BATCH)
        print(
            f"goal, at least {100 * EFFICIENCY_GOAL:.0f} % of the in-process rate with {EFFICIENCY_BATCH} instances "
            f"per request: {100 * share:.1f} % ({clients} clients): {verdict(share >= EFFICIENCY_GOAL)}"
        )
    if LATENCY_CLIENTS in results.single_connections:
        p99 = results.figure("generated", LATENCY_CLIENTS, 1, "p99_ms")
        print(
            f"goal, p99 under {LATENCY_GOAL_MS:.0f} ms at {LATENCY_CLIENTS} clients with one instance each: "
            f"{p99:.1f} ms: {verdict(p99 < LATENCY_GOAL_MS)}"
        )

    at = results.at_64()
    rows = [
        ["baseline, 1 instance/request", at["baseline_instances_per_s"], "1.0x", at["baseline_p99_ms"]],
        [
            "generated, 1 instance/request",
            at["generated_single_instances_per_s"],
            f"{at['generated_single_ratio']:.1f}x",
            at["generated_single_p99_ms"],
        ],
        [
            f"generated, {at['generated_batched_batch']:.0f} instances/request",
            at["generated_batched_instances_per_s"],
            f"{at['generated_batched_ratio']:.1f}x",
            at["generated_batched_p99_ms"],
        ],
    ]
    title = (
        f"4. At {at['clients']:.0f} clients (goal: generated >= {GOAL_RATIO:.0f}x the baseline's instances/s "
        f"with a lower p99, one instance per request: {verdict(results.goal_met())})"
    )
    print(table(title, ["server", "instances/s", "vs baseline", "p99 ms"], rows, float_format=",.1f"))


def as_json(results: Results, meta: Mapping[str, Any]) -> dict[str, Any]:
    keys = {(p.server, p.connections, p.batch) for p in results.passes}
    return {
        **meta,
        "passes": [
            {
                "server": server,
                "connections": connections,
                "instances_per_request": batch,
                "requests_per_s": results.figure(server, connections, batch, "requests_per_s"),
                "instances_per_s": results.figure(server, connections, batch, "instances_per_s"),
                "p50_ms": results.figure(server, connections, batch, "p50_ms"),
                "p99_ms": results.figure(server, connections, batch, "p99_ms"),
                "server_cpu_share": results.figure(server, connections, batch, "cpu_share"),
                "errors": results.errors(server, connections, batch),
            }
            for server, connections, batch in sorted(keys)
        ],
        "raw_passes": [asdict(p) for p in results.passes],
        "in_process": [{**asdict(t), "predictions_per_s": t.per_second} for t in results.model],
        "serving_efficiency": results.efficiency(),
        "efficiency_at_64_per_request": results.efficiency_at(EFFICIENCY_BATCH)[1]
        if EFFICIENCY_BATCH in results.batch_sizes
        else None,
        "best_batched": dict(zip(("batch", "connections", "instances_per_s"), results.best_batched(), strict=True)),
        "at_64_clients": results.at_64(),
        "goal_met": results.goal_met(),
    }


# --------------------------------------------------------------------------------------------------------------


def wait_for_quiet(max_load: float, max_wait: float) -> None:
    deadline = time.monotonic() + max_wait
    while (load := os.getloadavg()[0]) >= max_load and time.monotonic() < deadline:
        logger.info("load average %.2f >= %.2f: waiting", load, max_load)
        time.sleep(15)
    if load >= max_load:
        logger.warning("load average still %.2f after %.0f s: measuring anyway", load, max_wait)


def int_list(text: str) -> list[int]:
    return [int(item) for item in text.split(",") if item]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="passes per figure; medians are printed (default 1)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk pass (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up load per server start (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads, at most one per connection (default 2)")
    parser.add_argument("--timeout", type=int, default=30, help="wrk's request timeout in seconds (default 30)")
    parser.add_argument("--connections", type=int_list, default=[1, 8, 64], help="for section 1 (default 1,8,64)")
    parser.add_argument("--batch-sizes", type=int_list, default=[16, 64], help="instances/request (default 16,64)")
    parser.add_argument("--batch-connections", type=int_list, default=[8, 64], help="for section 2 (default 8,64)")
    parser.add_argument("--model-runs", type=int, default=15, help="runs per in-process timing (default 15)")
    parser.add_argument("--template", type=Path, default=TEMPLATE_DIR, help="template to render (default: this one)")
    parser.add_argument("--max-load", type=float, help="first wait until the 1-minute load average is below this")
    parser.add_argument("--max-wait", type=float, default=600, help="longest wait for --max-load, s (default 600)")
    parser.add_argument("--workdir", type=Path, help="where the project is rendered (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (project, server logs, scripts)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if 64 not in args.connections:
        parser.error("--connections must include 64: section 4 compares at 64 clients")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if shutil.which("wrk") is None:
        print("serving_load: wrk is not on the PATH (apt-get install wrk)", file=sys.stderr)
        return 2
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="serving-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    try:
        logger.info("rendering the default project and running dvc repro in %s", workdir)
        project = render_and_train(args.template, workdir)
        rows = feature_rows(project)
        if args.max_load is not None:
            wait_for_quiet(args.max_load, args.max_wait)
        load_before = os.getloadavg()
        logger.info("load average %.2f; in-process model timing", load_before[0])
        model = time_model(project, rows, args.model_runs, workdir)

        scripts: dict[tuple[str, int], Path] = {}
        for kind in SERVERS:
            for batch in [1, *args.batch_sizes] if kind == "generated" else [1]:
                scripts[kind, batch] = workdir / f"{kind}-{batch}.lua"
                bodies = [body(kind, chunk) for chunk in batches(rows, batch)]
                scripts[kind, batch].write_text(lua_script(bodies), encoding="utf-8")

        # The two servers answer the same (one server up at a time, as for the load passes).
        answers = {}
        for kind in SERVERS:
            with serving(kind, project, workdir) as (server, _):
                answers[kind] = predictions(server, rows)
        check_same(answers)
        logger.info("both servers give the same %d predictions", len(rows))

        passes: list[Pass] = []
        for run in range(args.runs):
            for kind in SERVERS if run % 2 == 0 else reversed(SERVERS):
                with serving(kind, project, workdir) as (server, process):
                    logger.info("run %d/%d, %s: %d s warm-up", run + 1, args.runs, kind, args.warmup)
                    run_wrk(server, scripts[kind, 1], 64, args.threads, args.warmup, args.timeout)
                    drain(server, process)
                    for connections in args.connections:
                        passes.append(load_pass(server, process, scripts[kind, 1], connections, 1, args))
                    if kind == "generated":
                        for batch in args.batch_sizes:
                            for connections in args.batch_connections:
                                script = scripts[kind, batch]
                                passes.append(load_pass(server, process, script, connections, batch, args))
                        for connections in set(args.batch_connections) - set(args.connections):
                            passes.append(load_pass(server, process, scripts[kind, 1], connections, 1, args))
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    results = Results(passes, model, args.connections, args.batch_connections, args.batch_sizes)
    print(
        f"\nserving_load: template {args.template}; {args.runs} pass(es) of {args.duration} s per figure "
        f"(medians), wrk {args.threads} thread(s), {len(rows)} test rows"
    )
    print(
        f"load average (1 min) at start {load_at_start:.2f}, before measuring {load_before[0]:.2f} (after dvc repro), "
        f"during passes {min(p.load for p in passes):.2f}-{max(p.load for p in passes):.2f} (the bench's own server "
        f"and wrk included) on {os.cpu_count()} cores; bench took {time.perf_counter() - started:.0f} s"
    )
    print_results(results)
    if args.json:
        meta = {
            "duration_s": args.duration,
            "runs": args.runs,
            "load_at_start": load_at_start,
            "load_before": load_before[0],
            "cpu_count": os.cpu_count(),
        }
        args.json.write_text(json.dumps(as_json(results, meta), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
