"""What the CI training step costs on a fresh clone when nothing must be retrained: seconds and bytes downloaded.

Run from the template's root with its venv (`weed` already installed):

    nice -n 10 .venv/bin/python bench/ci_cost.py                          # ~25 min, ~6 GB of temporary disk
    .venv/bin/python bench/ci_cost.py --table-bytes 200000000 --runs 1    # a quicker look
    .venv/bin/python bench/ci_cost.py --data-dir /tmp/ci-cost-data        # keeps the generated table for next time

One S3 server (SeaweedFS `weed mini`, as the template's tests use) holds the DVC remote. Every byte it sends goes
through a counting proxy on 127.0.0.1, which DVC is pointed at: that is the "downloaded" figure, listing requests
and HTTP headers included. Two projects are rendered (the default, tabular-classification):

- the sample: its 178-row wine table, trained and pushed with `dvc push --run-cache`;
- a generated table of about 1 GB (`--table-bytes`): the sample's rows drawn again with noise, the same columns.
  It is trained once in the set-up (about 10 minutes on 2 cores) with a test split of 0.01 % (`prepare.test_size`,
  about 1,400 rows: the report's bootstrap holds 1,000 resamples of every test row in memory at once, so the
  default 25 % would need tens of GB) and a small boosted model (`train.model: hist_gradient_boosting`, 10
  rounds); the warm runs train nothing.

Each project then gets a commit that changes neither data nor pipeline (README.md), as most pushes do. A warm run
is a fresh `git clone` of that commit (not timed), the remote's endpoint in `.dvc/config.local`, then the CI step:

- today's step, as `make ci` ran it before: `dvc repro --pull`, `dvc push --run-cache`, the report
  (`write_report` against HEAD~1, as the `ci` command calls it);
- the new step: the project's `ci` command (`python -m <package> ci --base HEAD~1`), which `make ci` runs;
- the new step without its report ("no report"): `ct/ci_pipeline.reproduce`, the repro, the pulls and the push.

On the sample, both steps run with the remote as training left it (its own 3 run entries, "0 earlier entries"),
then again after 1,000 run entries of other stages are put in the remote (small YAML files like DVC's own).
Printed: each case's seconds (median of `--runs`; today's step on the large table once, as it downloads the whole
table each time) and bytes downloaded, and the goals: the 1,000-entry run within 1.2x of the 0-entry run, the
large table's warm run within 1.5x of the sample's and downloading under 1 % of the table, for the new step with
and without its report.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from tables import table, verdict

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TEMPLATE_DIR))  # the tests' S3 server and render helpers live in tests/support

from tests.support.helpers import VENV_BIN, commit_all, render, run  # noqa: E402
from tests.support.remote import dvc, point_at_server  # noqa: E402
from tests.support.s3_server import S3Server, running_s3_server  # noqa: E402

logger = logging.getLogger("ci_cost")

PACKAGE = "wine_classifier"
RAW = Path("data/raw/wine.csv")
OTHER_ENTRIES = 1000
CHUNK_ROWS = 1_000_000
NOISE = 0.05  # of each column's standard deviation
LARGE_PARAMS = {
    "prepare.test_size": 0.0001,
    "train.model": "hist_gradient_boosting",
    "train.hist_gradient_boosting.max_iter": 10,
}
# Today's step: what ci.py ran before it pulled only what the run needs.
REPORT = f"from pathlib import Path; from {PACKAGE}.ct.report import write_report; write_report('HEAD~1', Path('r.md'))"
TODAY = (("dvc", "repro", "--pull"), ("dvc", "push", "--run-cache"), ("python", "-c", REPORT))
NEW = (("python", "-m", PACKAGE, "ci", "--base", "HEAD~1"),)
# The new step without the report: the pipeline, the pulls and the push, as `ci` calls them.
PIPELINE = (
    "from wine_classifier.core.paths import METRICS_FILE, PREDICTIONS_FILE; "
    "from wine_classifier.ct.prediction_report import PICTURES; "
    "from wine_classifier.ct.ci_pipeline import reproduce; reproduce((METRICS_FILE, PREDICTIONS_FILE, *PICTURES))"
)
NEW_PIPELINE = (("python", "-c", PIPELINE),)


class CountingProxy:
    """A TCP proxy on 127.0.0.1 to one server, counting the bytes the server sends back."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.received = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self.relay, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self.relay, args=(upstream, client, True), daemon=True).start()

    def relay(self, source: socket.socket, destination: socket.socket, counted: bool) -> None:
        try:
            while data := source.recv(1 << 20):
                destination.sendall(data)
                if counted:
                    with self.lock:
                        self.received += len(data)
        except OSError:
            pass
        finally:
            for end in (source, destination):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()


@dataclass(frozen=True)
class Project:
    """A trained project whose HEAD changes README.md alone, its remote prefix, and its raw table's size."""

    path: Path
    server: S3Server
    prefix: str
    table_bytes: int


@dataclass(frozen=True)
class Measure:
    seconds: float
    downloaded: int


def generate_table(sample: Path, destination: Path, size: int, seed: int = 0) -> None:
    """The sample's rows drawn again with noise, as many as make about `size` bytes at the sample's row length."""
    rows = pd.read_csv(sample)
    numeric = rows.select_dtypes("number").columns
    decimals = {name: max(len(str(value).partition(".")[2]) for value in rows[name]) for name in numeric}
    noise = rows[numeric].std().to_numpy() * NOISE
    rng = np.random.default_rng(seed)
    row_bytes = sample.stat().st_size / len(rows)
    remaining = int(size / row_bytes)
    temporary = destination.with_suffix(".partial")
    with temporary.open("w", encoding="utf-8") as output:
        header = True
        while remaining > 0:
            count = min(CHUNK_ROWS, remaining)
            chunk = rows.iloc[rng.integers(0, len(rows), count)].reset_index(drop=True)
            chunk[numeric] = chunk[numeric] + rng.normal(0, noise, (count, len(numeric)))
            chunk.round(decimals).to_csv(output, index=False, header=header)
            header, remaining = False, remaining - count
    temporary.rename(destination)


def set_params(project: Path, values: dict[str, object]) -> None:
    """Set dotted names of params.yaml, its comments kept (ruamel.yaml, which DVC uses)."""
    from ruamel.yaml import YAML

    yaml = YAML()
    path = project / "params.yaml"
    params = yaml.load(path)
    for dotted, value in values.items():
        *parents, name = dotted.split(".")
        section = params
        for parent in parents:
            section = section[parent]
        section[name] = value
    yaml.dump(params, path)


def trained_project(root: Path, server: S3Server, prefix: str, table: Path | None) -> Project:
    """Render, train and push; then commit a README change: the push whose CI run the bench measures."""
    project = render(root / prefix, dvc_remote_url=f"s3://{server.bucket}/{prefix}")
    env = point_at_server(project, server)
    if table is not None:
        shutil.copyfile(table, project / RAW)
        set_params(project, LARGE_PARAMS)
        dvc(project, env, "add", str(RAW))
    started = time.perf_counter()
    dvc(project, env, "repro")
    logger.info("%s: trained in %.0f s", prefix, time.perf_counter() - started)
    commit_all(project, "Train")
    dvc(project, env, "push", "--run-cache")
    (project / "README.md").write_text((project / "README.md").read_text() + "\nA line that changes no stage.\n")
    commit_all(project, "Edit the README")
    return Project(project, server, prefix, (project / RAW).stat().st_size)


def add_other_entries(server: S3Server, prefix: str, count: int) -> None:
    """Run entries of other stages, as other branches and old commits leave them in a remote."""
    client = server.client()
    for number in range(count):
        key = hashlib.sha256(f"stage {number}".encode()).hexdigest()
        value = hashlib.sha256(f"run {number}".encode()).hexdigest()
        body = f"cmd: python -m {PACKAGE} train data/prepared models/model.joblib # {number}\n"
        client.put_object(Bucket=server.bucket, Key=f"{prefix}/runs/{key[:2]}/{key}/{value}", Body=body.encode())


def warm_run(project: Project, proxy: CountingProxy, commands: Sequence[Sequence[str]], folder: Path) -> Measure:
    """A fresh clone of the project's HEAD, then `commands` timed, the proxy's bytes counted."""
    clone = folder / "clone"
    shutil.rmtree(clone, ignore_errors=True)
    run(["git", "clone", "--quiet", project.path, clone], cwd=folder)
    env = point_at_server(clone, replace(project.server, endpoint_url=f"http://127.0.0.1:{proxy.port}"))
    before, started = proxy.received, time.perf_counter()
    for command in commands:
        program = VENV_BIN / command[0]
        run([program, *command[1:]], cwd=clone, env=env)
    measure = Measure(time.perf_counter() - started, proxy.received - before)
    shutil.rmtree(clone, ignore_errors=True)
    return measure


def median(measures: list[Measure]) -> Measure:
    return Measure(
        statistics.median(m.seconds for m in measures), int(statistics.median(m.downloaded for m in measures))
    )


def load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


@contextmanager
def proxied(server: S3Server) -> Iterator[CountingProxy]:
    proxy = CountingProxy(int(server.endpoint_url.rsplit(":", 1)[1]))
    try:
        yield proxy
    finally:
        proxy.close()


def megabytes(count: int) -> str:
    return f"{count / 1e6:.3f} MB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table-bytes", type=int, default=1_000_000_000, help="the large table's size (1 GB)")
    parser.add_argument("--runs", type=int, default=3, help="warm runs per case; medians are printed (default 3)")
    parser.add_argument("--data-dir", type=Path, help="keep the generated table here, and reuse it")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", force=True)
    for role in ("AUTHOR", "COMMITTER"):
        os.environ[f"GIT_{role}_NAME"], os.environ[f"GIT_{role}_EMAIL"] = "Bench", "bench@example.com"
    os.environ["DVC_NO_ANALYTICS"] = "1"
    with (
        tempfile.TemporaryDirectory(prefix="bench-ci-cost-") as workdir,
        running_s3_server(Path(workdir) / "s3") as server,
    ):
        root = Path(workdir)
        data_dir = args.data_dir or root / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        sample = trained_project(root, server, "sample", None)
        large_table = data_dir / f"wine-{args.table_bytes}.csv"
        if not large_table.exists():
            started = time.perf_counter()
            generate_table(sample.path / RAW, large_table, args.table_bytes)
            logger.info("generated %s in %.0f s", large_table, time.perf_counter() - started)
        large = trained_project(root, server, "large", large_table)
        results: dict[str, Measure] = {}
        rows = []
        with proxied(server) as proxy:

            def measure(name: str, project: Project, commands: Sequence[Sequence[str]], runs: int) -> None:
                measures = [warm_run(project, proxy, commands, root) for _ in range(runs)]
                results[name] = median(measures)
                rows.append([name, results[name].seconds, megabytes(results[name].downloaded), len(measures), load()])
                logger.info("%s: %s", name, measures)

            steps = (("today", TODAY), ("new", NEW), ("new, no report", NEW_PIPELINE))
            for label, commands in steps:
                measure(f"{label}: sample, 0 other entries", sample, commands, args.runs)
            add_other_entries(server, sample.prefix, OTHER_ENTRIES)
            for label, commands in steps:
                measure(f"{label}: sample, {OTHER_ENTRIES} other entries", sample, commands, args.runs)
            measure("new: large table", large, NEW, args.runs)
            measure("new, no report: large table", large, NEW_PIPELINE, args.runs)
            measure("today: large table", large, TODAY, 1)
        print(
            table("Warm CI step on a fresh clone, no stage to run", ["case", "s", "downloaded", "runs", "load"], rows)
        )
        print_goals(results, large.table_bytes)
    return 0


def print_goals(results: dict[str, Measure], table_bytes: int) -> None:
    """The goals for the new step, and for its part before the report (whose bootstrap grows with the test rows)."""
    rows = []
    for label in ("new", "new, no report"):
        zero = results[f"{label}: sample, 0 other entries"]
        crowded = results[f"{label}: sample, {OTHER_ENTRIES} other entries"]
        large = results[f"{label}: large table"]
        entries_ratio, large_ratio = crowded.seconds / zero.seconds, large.seconds / zero.seconds
        share = large.downloaded / table_bytes
        rows += [
            [f"{label}: {OTHER_ENTRIES} entries / 0 (s)", entries_ratio, "< 1.2", verdict(entries_ratio < 1.2)],
            [
                f"{label}: {table_bytes / 1e9:.2f} GB table / sample (s)",
                large_ratio,
                "< 1.5",
                verdict(large_ratio < 1.5),
            ],
            [f"{label}: downloaded / table", f"{share:.4%}", "< 1 %", verdict(share < 0.01)],
        ]
    print(table("Goals", ["figure", "measured", "goal", ""], rows))


if __name__ == "__main__":
    sys.exit(main())
