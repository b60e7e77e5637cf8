"""The naive serving seed that `serving_load.py` compares the generated API with.

Written the way a first version of a model server usually looks: the model is loaded with joblib when the module
is imported (its `n_jobs` left as trained: -1, every core), and one `async def` endpoint takes ONE instance per
request and calls `predict_proba` synchronously inside the coroutine, so the event loop is blocked while the model
runs and every request pays the model's whole per-call cost.

Request: POST /predict with a bare feature record, `{"alcohol": 13.6, ...}` (not `{"instances": [...]}`).
Response: `{"label": "class_0", "score": 0.93}`.

Run (from a project where `dvc repro` has run; MODEL_PATH defaults to models/model.joblib):

    python -m uvicorn baseline_app:app --app-dir bench --host 127.0.0.1 --port 8001 --workers 1
"""

import os

import joblib
import pandas as pd
from fastapi import FastAPI

model = joblib.load(os.environ.get("MODEL_PATH", "models/model.joblib"))

app = FastAPI(title="baseline")


@app.post("/predict")
async def predict(instance: dict) -> dict:
    frame = pd.DataFrame([instance])
    probabilities = model.predict_proba(frame)[0]
    best = int(probabilities.argmax())
    return {"label": str(model.classes_[best]), "score": float(probabilities[best])}
