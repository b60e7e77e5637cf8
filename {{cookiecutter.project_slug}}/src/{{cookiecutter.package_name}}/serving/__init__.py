"""The prediction API: the model `dvc repro` trained, behind FastAPI, with Prometheus metrics.

- `loaded_model`: loads the model once and reads what it expects (features, classes) from the model itself;
- `schemas`: the request and response bodies, built from those features;
- `batching`: joins concurrent requests into one model call;
- `monitoring`: request and prediction metrics for Prometheus;
- `error_responses`: one-line messages naming what is wrong with a request;
- `request_log`: the inputs answered, as a CSV for `make drift` (when REQUEST_LOG is set);
- `app`: the endpoints.

Start it with `make serve`, or `python -m {{ cookiecutter.package_name }}.serve`.
"""
