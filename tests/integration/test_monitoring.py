"""The generated monitoring stack: the dashboard asks only for metrics the API exposes, the compose file and the
Grafana provisioning agree with each other, and a real Prometheus, configured from the project's
`monitoring/prometheus.yml`, scrapes the served model's predictions."""

import csv
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from ..support.helpers import DEFAULT_PACKAGE, project_env, render, run
from ..support.processes import free_port, running
from ..support.runs import FirstRun
from ..support.tasks import PACKS, TASKS

PROMETHEUS = Path("/usr/bin/prometheus")
DASHBOARD = Path("monitoring/grafana/dashboards/model.json")
COMPOSE = Path("monitoring/compose.yaml")
PROMETHEUS_CONFIG = Path("monitoring/prometheus.yml")
DATASOURCES = Path("monitoring/grafana/provisioning/datasources/prometheus.yml")
DASHBOARD_PROVIDERS = Path("monitoring/grafana/provisioning/dashboards/dashboards.yml")
# What Grafana puts in place of its range variables; the values only need to be valid PromQL durations.
GRAFANA_DURATIONS = {"$__rate_interval": "1m", "$__range": "5m", "$__interval": "15s"}
# Series Prometheus writes itself for every target, not scraped from the API.
PROMETHEUS_OWN_SERIES = {"up"}
# The metrics the shared panels are about: a dashboard without them has lost a panel. The task's target pack adds
# panels on the model's own metrics (`model_...`), from its `include/dashboard-panels.json`.
REQUIRED_METRICS = {"http_request_duration_seconds_bucket", "http_requests_total"}
MODEL_METRICS_PREFIX = "model_"

PROMQL_KEYWORDS = {"and", "or", "unless", "bool", "offset", "group_left", "group_right", "inf", "nan"}
WAIT_SECONDS = 120  # an upper bound for a hang: each wait returns as soon as its condition holds

# The model's metrics (from the project's own monitoring module) and the instrumentator's, after one request.
EXPOSITION_SCRIPT = """
from fastapi import FastAPI
from fastapi.testclient import TestClient

from {package}.serving.input_warnings import InputWarning, record_input_warnings
from {package}.serving.prediction import Prediction, record_predictions
from {package}.serving.prometheus import instrument

# A prediction of the task's own type: text where it holds text, a number elsewhere; with a warning on its input.
EXAMPLE = {{
    name: "some-label" if field.annotation is str else 0.9
    for name, field in Prediction.model_fields.items()
    if field.is_required()
}}
WARNING = InputWarning(feature="some-column", kind="imputed", message="missing")
app = FastAPI()
instrument(app)


@app.post("/predict")
async def predict() -> dict:
    predictions = [Prediction(**EXAMPLE, warnings=[WARNING])]
    record_predictions(predictions)
    record_input_warnings(predictions)
    return {{}}


client = TestClient(app)
client.post("/predict")
print(client.get("/metrics").text)
"""


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def dashboard_queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, PromQL) for every query of every panel."""
    return [(panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel.get("targets", [])]


def as_promql(expr: str, job: str) -> str:
    """A dashboard query with Grafana's variables replaced, as Grafana sends it."""
    for variable, value in GRAFANA_DURATIONS.items():
        expr = expr.replace(variable, value)
    return expr.replace("$job", job)


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (label matchers, label lists, strings and functions left out)."""
    expr = as_promql(expr, job="")
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    words = re.findall(r"(?<![\w.:$])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()", expr)
    return {word for word in words if word.lower() not in PROMQL_KEYWORDS}


def variable_metric_names(dashboard: dict[str, Any]) -> set[str]:
    """Metrics the dashboard's query variables read: `label_values(metric, label)`."""
    names = set()
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            names |= set(re.findall(r"label_values\(\s*([A-Za-z_:][\w:]*)\s*,", query))
    return names


def sample_names(exposition: str) -> set[str]:
    """Every series name in a /metrics page: `_total`, `_bucket`, `_count`, `_sum`, `_created` included."""
    return {sample.name for family in text_string_to_metric_families(exposition) for sample in family.samples}


def compose_services(project: Path) -> dict[str, Any]:
    return read_yaml(project / COMPOSE)["services"]


def scrape_job(project: Path) -> dict[str, Any]:
    jobs = read_yaml(project / PROMETHEUS_CONFIG)["scrape_configs"]
    assert len(jobs) == 1, "monitoring/prometheus.yml should scrape the API, and only it"
    return jobs[0]


def host_port(mapping: str) -> tuple[str, str, str]:
    """'127.0.0.1:8000:8000' -> (host address, host port, container port)."""
    address, published, target = mapping.rsplit(":", 2) if mapping.count(":") >= 2 else ("", *mapping.split(":"))
    return address, published, target


def volume_mounts(service: dict[str, Any]) -> dict[str, str]:
    """Bind mounts of a service, source (relative to monitoring/) -> target; named volumes left out."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith((".", "/")):
            mounts[source] = target
    return mounts


def dashboard_variants() -> list[str]:
    """The default task, and the first task of each other set of packs that add dashboard panels."""
    first: dict[tuple[str, ...], str] = {}
    for name, task in TASKS.items():
        panel_packs = (pack for pack in task["packs"] if (PACKS / pack / "include" / "dashboard-panels.json").is_file())
        first.setdefault(tuple(panel_packs), name)
    return list(first.values())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("monitoring"))


@pytest.fixture(scope="module")
def dashboard(rendered: Path) -> dict[str, Any]:
    return json.loads((rendered / DASHBOARD).read_text(encoding="utf-8"))


def test_monitoring_files_render_without_leftover_jinja(rendered: Path, dashboard: dict[str, Any]) -> None:
    for path in sorted((rendered / "monitoring").rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            # Only the dashboard has braces of its own: Grafana's legend placeholders, checked below.
            markers = ("{%", "%}", "{#", "cookiecutter.") + (() if path.name == DASHBOARD.name else ("{{", "}}"))
            for marker in markers:
                assert marker not in text, f"{path.relative_to(rendered)} keeps {marker!r}"
    legends = {target["legendFormat"] for panel in dashboard["panels"] for target in panel["targets"]}
    placeholders = {"{{label}}", "{{le}}", "{{handler}}", "{{feature}}: {{kind}}"}
    assert placeholders <= legends, "Grafana's legend placeholders must survive rendering"
    leftover = {legend for legend in legends if "{" in legend} - placeholders
    assert not leftover, f"unexpected legends: {leftover}"
    assert dashboard["title"] == "Wine Classifier: model API"


@pytest.mark.parametrize("task", dashboard_variants())
def test_dashboard_asks_only_for_metrics_the_api_exposes(tmp_path: Path, task: str) -> None:
    rendered = render(tmp_path, task=task)
    dashboard = json.loads((rendered / DASHBOARD).read_text(encoding="utf-8"))
    result = run([sys.executable, "-c", EXPOSITION_SCRIPT.format(package=DEFAULT_PACKAGE)], cwd=rendered)
    exposed = sample_names(result.stdout)
    assert exposed >= REQUIRED_METRICS, "the API no longer exposes a metric the dashboard is built on"

    assert dashboard["schemaVersion"] == 39
    queries = dashboard_queries(dashboard)
    assert queries, "the dashboard has no queries"
    used: set[str] = set()
    for title, expr in queries:
        names = metric_names(expr)
        assert names, f"{title!r}: no metric found in {expr!r}"
        unknown = names - exposed - PROMETHEUS_OWN_SERIES
        assert not unknown, f"{title!r} asks for {sorted(unknown)}, which the API does not expose"
        assert 'job=~"$job"' in expr, f"{title!r} does not filter on the dashboard's job: {expr!r}"
        used |= names
    assert used >= REQUIRED_METRICS, f"panels missing for {sorted(REQUIRED_METRICS - used)}"
    assert any(name.startswith(MODEL_METRICS_PREFIX) for name in used), "no panel shows the model's own metrics"
    assert variable_metric_names(dashboard) <= exposed
    quantiles = [expr for _, expr in queries if "histogram_quantile" in expr and 'handler="/predict"' in expr]
    assert any("0.5," in expr for expr in quantiles) and any("0.99," in expr for expr in quantiles)
    assert any('status="5xx"' in expr for _, expr in queries) and any('status="4xx"' in expr for _, expr in queries)


def test_metric_name_extraction() -> None:
    expr = (
        '(sum(rate(http_requests_total{job=~"$job", status="5xx"}[$__rate_interval])) or vector(0)) '
        '/ histogram_quantile(0.99, sum by (le) (rate(x_bucket{handler="/predict"}[5m]))) '
        "/ ignoring(label) group_left sum(up)"
    )
    assert metric_names(expr) == {"http_requests_total", "x_bucket", "up"}


def test_grafana_provisioning_loads_the_dashboard_from_prometheus(rendered: Path, dashboard: dict[str, Any]) -> None:
    services = compose_services(rendered)
    grafana_mounts = volume_mounts(services["grafana"])

    (datasource,) = read_yaml(rendered / DATASOURCES)["datasources"]
    assert datasource["type"] == "prometheus"
    prometheus_ports = {host_port(port)[2] for port in services["prometheus"]["ports"]}
    assert datasource["url"] in {f"http://prometheus:{port}" for port in prometheus_ports}
    (variable,) = [variable for variable in dashboard["templating"]["list"] if variable["type"] == "datasource"]
    assert variable["current"]["value"] == datasource["uid"], "the dashboard must default to the provisioned uid"
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert all(target["datasource"]["uid"] == "${datasource}" for target in panel["targets"]), panel["title"]
    (job_variable,) = [variable for variable in dashboard["templating"]["list"] if variable["name"] == "job"]
    assert job_variable["current"]["value"] == scrape_job(rendered)["job_name"]

    (provider,) = read_yaml(rendered / DASHBOARD_PROVIDERS)["providers"]
    assert grafana_mounts.get("./grafana/dashboards") == provider["options"]["path"]
    assert grafana_mounts.get("./grafana/provisioning") == "/etc/grafana/provisioning"
    home = services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home == f"{provider['options']['path']}/{DASHBOARD.name}"


def test_compose_binds_loopback_pins_images_and_scrapes_the_api(rendered: Path) -> None:
    services = compose_services(rendered)
    assert set(services) == {"api", "prometheus", "grafana"}
    monitoring = rendered / "monitoring"
    for name, service in services.items():
        for mapping in service.get("ports", []):
            assert host_port(str(mapping))[0] == "127.0.0.1", f"{name} publishes {mapping} beyond loopback"
        for source in volume_mounts(service):
            assert (monitoring / source).exists(), f"{name} mounts {source}, which is not in the project"
    for name in ("prometheus", "grafana"):
        image, _, tag = services[name]["image"].partition(":")
        assert "/" in image and tag and tag != "latest", f"{name} image {services[name]['image']!r} is not pinned"
    assert volume_mounts(services["prometheus"]) == {"./prometheus.yml": "/etc/prometheus/prometheus.yml"}
    assert services["grafana"]["environment"]["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"

    build = services["api"]["build"]
    assert (monitoring / build["context"]).resolve() == rendered.resolve()
    assert (rendered / build.get("dockerfile", "Dockerfile")).is_file()

    job = scrape_job(rendered)
    assert job["job_name"] == rendered.name
    assert read_yaml(rendered / PROMETHEUS_CONFIG)["global"]["scrape_interval"] == "15s"
    (targets,) = [static["targets"] for static in job["static_configs"]]
    api_ports = {host_port(str(mapping))[2] for mapping in services["api"]["ports"]}
    assert targets == [f"api:{port}" for port in api_ports]


# The real API and a real Prometheus


@dataclass(frozen=True)
class Scraped:
    """The running API and a Prometheus that scrapes it, with what was sent to the API."""

    api: str
    prometheus: str
    job: str
    labels: Counter[str]
    requests_ok: int
    requests_invalid: int


def wait_until(check: Callable[[], Any], what: str, process: subprocess.Popen[bytes], log: Path) -> Any:
    """Poll `check` until it returns something truthy; fail with the server's log if it dies or time runs out."""
    deadline = time.monotonic() + WAIT_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what}: the server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            result = check()
            if result:
                return result
        except (httpx.HTTPError, AssertionError, KeyError, ValueError) as error:
            last_error = error
        time.sleep(0.3)
    pytest.fail(f"{what}: not after {WAIT_SECONDS} s ({last_error!r}):\n{log.read_text(errors='replace')[-3000:]}")


def prepared_test_rows(project: Path) -> list[dict[str, float | None]]:
    """The prepared test split's rows without their label, as the API takes them."""
    target = read_yaml(project / "params.yaml")["data"]["target"]
    with (project / "data/prepared/test.csv").open(newline="") as table:
        return [{name: float(value) for name, value in row.items() if name != target} for row in csv.DictReader(table)]


def query(prometheus: str, promql: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{prometheus}/api/v1/query", params={"query": promql}, timeout=5)
    body = response.json()
    assert response.status_code == 200 and body["status"] == "success", f"{promql}: {body}"
    return body["data"]["result"]


def values_by(prometheus: str, promql: str, label: str) -> dict[str, float]:
    return {series["metric"].get(label, ""): float(series["value"][1]) for series in query(prometheus, promql)}


def predict(api: str, rows: list[dict[str, float | None]], labels: Counter[str]) -> None:
    response = httpx.post(f"{api}/predict", json={"instances": rows}, timeout=30)
    assert response.status_code == 200, response.text
    labels.update(prediction["label"] for prediction in response.json()["predictions"])


def send_invalid(api: str) -> None:
    response = httpx.post(f"{api}/predict", json={"instances": [{"not_a_column": 1}]}, timeout=10)
    assert response.status_code == 422, response.text


@pytest.fixture(scope="module")
def scraped(first_run: FirstRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scraped]:
    """The project's API on a free port, some predictions, then Prometheus scraping it every second."""
    if not PROMETHEUS.exists():
        pytest.fail(f"{PROMETHEUS} is missing: apt-get install prometheus")
    project = first_run.project
    work = tmp_path_factory.mktemp("monitoring-run")
    api_port, prometheus_port = free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}"
    prometheus = f"http://127.0.0.1:{prometheus_port}"

    config = read_yaml(project / PROMETHEUS_CONFIG)
    job = scrape_job(project)
    config["global"] = {**config.get("global", {}), "scrape_interval": "1s", "evaluation_interval": "1s"}
    job["scrape_interval"] = "1s"
    job["static_configs"] = [{"targets": [f"127.0.0.1:{api_port}"]}]
    config["scrape_configs"] = [job]
    (work / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")

    serve = [sys.executable, "-m", DEFAULT_PACKAGE, "serve", "--host", "127.0.0.1", "--port", str(api_port)]
    api_log, prometheus_log = work / "api.log", work / "prometheus.log"
    with running(serve, api_log, cwd=project, env=project_env(project)) as api_process:
        wait_until(lambda: httpx.get(f"{api}/ready", timeout=2).status_code == 200, "API ready", api_process, api_log)
        rows = prepared_test_rows(project)
        for row in (rows[0], rows[5]):  # a value missing in each phase: the input-warning counter grows too
            row[next(iter(row))] = None
        labels: Counter[str] = Counter()
        # Before Prometheus starts, so that every series exists at its first scrape: a counter's first sample
        # has nothing to grow from, and rate() panels only see what happens after it.
        predict(api, rows[:1], labels)
        predict(api, rows[1:5], labels)
        send_invalid(api)
        prometheus_command = [
            str(PROMETHEUS),
            f"--config.file={work / 'prometheus.yml'}",
            f"--storage.tsdb.path={work / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prometheus_port}",
        ]
        with running(prometheus_command, prometheus_log, cwd=work, env=dict(os.environ)) as prometheus_process:
            wait_until(
                lambda: query(prometheus, f'up{{job="{job["job_name"]}"}} == 1'),
                "Prometheus scraping the API",
                prometheus_process,
                prometheus_log,
            )
            # After the first scrape: the counters grow, so the rate() panels have something to show.
            predict(api, rows[5:], labels)
            send_invalid(api)
            wait_until(
                lambda: (
                    values_by(prometheus, "model_predictions_total", "label") == labels
                    and query(prometheus, 'http_requests_total{handler="/predict", status="4xx"} == 2')
                ),
                "every prediction and the invalid request in Prometheus",
                prometheus_process,
                prometheus_log,
            )
            yield Scraped(api, prometheus, job["job_name"], labels, requests_ok=3, requests_invalid=2)


@pytest.mark.slow
def test_prometheus_scrapes_the_served_predictions(scraped: Scraped) -> None:
    prometheus, job = scraped.prometheus, scraped.job
    assert len(scraped.labels) >= 2, f"the test split should be predicted as several classes: {scraped.labels}"

    by_label = values_by(prometheus, f'model_predictions_total{{job="{job}"}}', "label")
    assert by_label == scraped.labels
    (score_count,) = query(prometheus, f'model_prediction_score_count{{job="{job}"}}')
    assert float(score_count["value"][1]) == scraped.labels.total() > 0
    (inf_bucket,) = query(prometheus, f'model_prediction_score_bucket{{job="{job}", le="+Inf"}}')
    assert float(inf_bucket["value"][1]) == scraped.labels.total()

    predict_requests = values_by(prometheus, f'http_requests_total{{job="{job}", handler="/predict"}}', "status")
    assert predict_requests == {"2xx": scraped.requests_ok, "4xx": scraped.requests_invalid}
    durations = query(prometheus, f'http_request_duration_seconds_count{{job="{job}", handler="/predict"}}')
    assert sum(float(series["value"][1]) for series in durations) == scraped.requests_ok + scraped.requests_invalid


@pytest.mark.slow
def test_every_dashboard_query_runs_on_the_scraped_metrics(first_run: FirstRun, scraped: Scraped) -> None:
    dashboard = json.loads((first_run.project / DASHBOARD).read_text(encoding="utf-8"))
    exposed = sample_names(httpx.get(f"{scraped.api}/metrics", timeout=5).text)
    results = {}
    for title, expr in dashboard_queries(dashboard):
        unknown = metric_names(expr) - exposed - PROMETHEUS_OWN_SERIES
        assert not unknown, f"{title!r} asks for {sorted(unknown)}, which the running API does not expose"
        results[expr] = query(scraped.prometheus, as_promql(expr, scraped.job))
        assert results[expr], f"{title!r} has no data: {expr}"

    def value_of(title: str, legend: str = "__auto") -> float:
        (expr,) = [
            target["expr"]
            for panel in dashboard["panels"]
            if panel["title"] == title
            for target in panel["targets"]
            if target["legendFormat"] == legend
        ]
        return sum(float(series["value"][1]) for series in results[expr])

    assert value_of("API up") == 1
    assert value_of("Predictions/s") > 0
    assert value_of("Predictions per second by label", "{{label}}") > 0
    assert value_of("Error rate", "4xx") > 0
    assert value_of("Server errors (5xx)") == 0
    assert 0 < value_of("Mean predicted score") <= 1
    assert value_of("Predicted labels (time range)", "{{label}}") > 0
    assert value_of("Input warnings per second by feature and kind", "{{feature}}: {{kind}}") > 0
    assert 0 < value_of("/predict latency", "p99") < 1


@pytest.mark.slow
def test_the_readmes_alert_expressions_are_valid_promql(first_run: FirstRun, scraped: Scraped) -> None:
    readme = (first_run.project / "monitoring/README.md").read_text(encoding="utf-8")
    alerts = readme.split("## Alerts", 1)[1]
    expressions = re.findall(r"^\| [^|]+ \| `([^`]+)` \| \w+ \|$", alerts, flags=re.MULTILINE)
    assert len(expressions) >= 5, "the README's table of alert rules changed shape"
    exposed = sample_names(httpx.get(f"{scraped.api}/metrics", timeout=5).text)
    for expr in expressions:
        query(scraped.prometheus, expr)  # fails on a syntax error
        assert metric_names(expr) <= exposed | PROMETHEUS_OWN_SERIES, expr
