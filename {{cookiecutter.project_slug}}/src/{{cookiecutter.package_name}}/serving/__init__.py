"""The prediction API: the model `dvc repro` trained, behind FastAPI, with Prometheus metrics.

The task's packs bring what depends on the model's input and target; the rest is shared:

- `loaded_model`: loads the model once and reads what it expects, and what it predicts, from the model itself;
- `instances`: what one instance of a request is, and the settings the inputs take;
- `prediction`: what the API answers per instance, and what Prometheus records of it;
- `input_warnings`: what a prediction says of an input the model never saw in training, and its counter;
- `schemas`: the request and response bodies, built from those two;
- `request_body`: reads a request's body into its model, off the event loop;
- `body_limit`: refuses a body above MAX_BODY_BYTES before reading it;
- `batching`: joins concurrent requests into one model call;
- `provenance`: the commit the model was trained at and its evaluation metrics;
- `prometheus`: request metrics for Prometheus;
- `error_responses`: one-line messages naming what is wrong with a request;
- `app`: the endpoints;
- `server`: the command that starts it, `make serve` or `python -m {{ cookiecutter.package_name }} serve`.

Any other module here came with a pack, for the use of the pack's own modules above.
"""
