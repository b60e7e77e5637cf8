{%- set task = cookiecutter._tasks[cookiecutter.task] -%}
"""The prediction API: the model `dvc repro` trained, behind FastAPI, with Prometheus metrics.

- `loaded_model`: loads the model once and reads what it expects ({{ 'token limit' if task.input == 'text' else 'features' }}, classes) from the model itself;
- `schemas`: the request and response bodies, built from {{ 'that limit' if task.input == 'text' else 'those features' }};
- `batching`: joins concurrent requests into one model call;
- `provenance`: the commit the model was trained at and its evaluation metrics;
- `prometheus`: request and prediction metrics for Prometheus;
- `error_responses`: one-line messages naming what is wrong with a request;
{%- if task.drift %}
- `request_log`: the inputs answered, as a CSV for `make drift` (when REQUEST_LOG is set);
{%- endif %}
- `app`: the endpoints;
- `server`: the command that starts it, `make serve` or `python -m {{ cookiecutter.package_name }} serve`.
"""
