"""The prediction API: the model `dvc repro` trained, behind FastAPI, with Prometheus metrics.

- `loaded_model`: loads the model once and reads what it expects ({{ 'token limit' if cookiecutter.task == 'text-classification' else 'features' }}, classes) from the model itself;
- `schemas`: the request and response bodies, built from {{ 'that limit' if cookiecutter.task == 'text-classification' else 'those features' }};
- `batching`: joins concurrent requests into one model call;
- `provenance`: the commit the model was trained at and its evaluation metrics;
- `monitoring`: request and prediction metrics for Prometheus;
- `error_responses`: one-line messages naming what is wrong with a request;
{%- if cookiecutter.task != "text-classification" %}
- `request_log`: the inputs answered, as a CSV for `make drift` (when REQUEST_LOG is set);
{%- endif %}
- `app`: the endpoints.

Start it with `make serve`, or `python -m {{ cookiecutter.package_name }}.serve`.
"""
