"""The fast baseline: TF-IDF over word n-grams, then logistic regression (seconds on a CPU, no GPU).

It gives the fine-tuned transformer something to beat: train both (`train.model` in params.yaml) and the pull
request's report shows what the transformer adds. Its tokens are words, so `max_length` counts words.
"""

from collections.abc import Sequence
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from ..core.task_params import BaselineParams

PIPELINE_FILE = "baseline.joblib"


def first_words(text: str, count: int) -> str:
    """The first `count` words, as the transformer reads only its first `max_length` tokens."""
    words = text.split()
    return text if len(words) <= count else " ".join(words[:count])


class BaselineClassifier:
    kind = "baseline"

    def __init__(self, pipeline: Pipeline, max_length: int) -> None:
        self.pipeline = pipeline
        self.classes: list[str] = [str(label) for label in pipeline.classes_]
        self.max_length = max_length

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.pipeline.predict_proba([first_words(text, self.max_length) for text in texts])

    def save_files(self, folder: Path) -> None:
        joblib.dump(self.pipeline, folder / PIPELINE_FILE)

    @classmethod
    def load(cls, folder: Path, classes: list[str], max_length: int) -> "BaselineClassifier":
        classifier = cls(joblib.load(folder / PIPELINE_FILE), max_length)
        if classifier.classes != classes:
            raise ValueError(f"{folder / PIPELINE_FILE} predicts {classifier.classes}, its description says {classes}")
        return classifier


def fit_baseline(
    texts: list[str], labels: list[str], params: BaselineParams, max_length: int, seed: int
) -> BaselineClassifier:
    """Fit TF-IDF and logistic regression on the training texts."""
    pipeline = Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, params.ngram_max), sublinear_tf=True)),
            ("classifier", LogisticRegression(C=params.c, max_iter=1000, random_state=seed)),
        ]
    )
    pipeline.fit([first_words(text, max_length) for text in texts], labels)
    return BaselineClassifier(pipeline, max_length)
