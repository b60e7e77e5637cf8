"""Stage 2: train the text classifier `train.model` names, and save it as a folder.

Usage: python -m {{ cookiecutter.package_name }} train PREPARED_DIR MODEL_DIR
"""

import argparse
import logging
from pathlib import Path

from ..core.config import load_params
from ..core.task_params import TrainParams
from ..data.texts import TRAIN_FILE, VALIDATION_FILE, read_split
from ..modeling.classifier import TextClassifier, save_classifier

logger = logging.getLogger(__name__)


def train(prepared_dir: Path, params: TrainParams, seed: int) -> TextClassifier:
    """Fit the chosen model on the training texts (the transformer also checks itself on the validation texts)."""
    texts, labels = read_split(prepared_dir / TRAIN_FILE)
    if params.model == "baseline":
        from ..modeling.baseline import fit_baseline

        classifier: TextClassifier = fit_baseline(texts, labels, params.baseline, params.max_length, seed)
    else:
        # Imported only here: torch and transformers take seconds to load, which the baseline does not need.
        from ..modeling.transformer import fine_tune

        classifier = fine_tune((texts, labels), read_split(prepared_dir / VALIDATION_FILE), params, seed)
    logger.info("trained the %s on %d texts; labels: %s", params.model, len(texts), ", ".join(classifier.classes))
    return classifier


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the text classifier on the training split.")
    parser.add_argument("prepared_dir", type=Path)
    parser.add_argument("model_dir", type=Path)
    args = parser.parse_args()
    params = load_params()
    save_classifier(train(args.prepared_dir, params.train, params.seed), args.model_dir)
