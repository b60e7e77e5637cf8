"""Fine-tuning a pretrained transformer for text classification, and predicting with it.

A plain PyTorch loop over `AutoModelForSequenceClassification`: AdamW with a linear warm-up and decay, texts
padded per batch, the validation texts scored after every epoch and the best epoch's weights kept. It runs on a
GPU when one is there and on the CPU otherwise, and gives the same model twice under the same seed.
"""

import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    enable_full_determinism,
    get_linear_schedule_with_warmup,
)
from transformers.utils import logging as transformers_logging

from ..core.errors import ProjectError
from ..core.task_params import TrainParams
from .classifier import predict_labels

logger = logging.getLogger(__name__)
# transformers reports a fresh classification head as "missing weights", and warns about texts longer than the
# model reads: both expected here (the head is what fine-tuning trains; long texts are cut on purpose).
transformers_logging.set_verbosity_error()
transformers_logging.disable_progress_bar()

PREDICT_BATCH_SIZE = 64
WARMUP_SHARE = 0.1  # of the training steps, during which the learning rate rises from 0
# The progress bar redraws often in a terminal; in a CI log every redraw is a line, so there it updates rarely.
PROGRESS_INTERVAL_SECONDS = 0.1
LOG_PROGRESS_INTERVAL_SECONDS = 30.0


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class TransformerClassifier:
    kind = "transformer"

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, max_length: int) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.classes: list[str] = [model.config.id2label[index] for index in range(model.config.num_labels)]
        self.device = next(model.parameters()).device

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, truncation=False)["input_ids"])

    def encode(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        """Token ids of a batch, cut at `max_length` and padded to its longest text, on the model's device."""
        batch = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        return {name: tensor.to(self.device) for name, tensor in batch.items()}

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        self.model.eval()
        rows = []
        with torch.inference_mode():
            for start in range(0, len(texts), PREDICT_BATCH_SIZE):
                logits = self.model(**self.encode(texts[start : start + PREDICT_BATCH_SIZE])).logits
                rows.append(torch.softmax(logits.float(), dim=-1).cpu().numpy())
        return np.concatenate(rows) if rows else np.empty((0, len(self.classes)))

    def save_files(self, folder: Path) -> None:
        self.model.save_pretrained(folder)
        self.tokenizer.save_pretrained(folder)

    @classmethod
    def load(cls, folder: Path, classes: list[str], max_length: int) -> "TransformerClassifier":
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForSequenceClassification.from_pretrained(folder).to(pick_device())
        classifier = cls(model, tokenizer, max_length)
        if classifier.classes != classes:
            raise ValueError(f"{folder} predicts {classifier.classes}, its description says {classes}")
        return classifier


def load_pretrained(name: str, classes: list[str]) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """The pretrained checkpoint with a fresh classification head for `classes`."""
    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        model = AutoModelForSequenceClassification.from_pretrained(
            name,
            num_labels=len(classes),
            id2label=dict(enumerate(classes)),
            label2id={label: index for index, label in enumerate(classes)},
        )
    except (OSError, ValueError) as error:
        reason = str(error).strip().splitlines()[0]
        raise ProjectError(
            f"train.pretrained_model {name!r} could not be loaded ({reason}); "
            "give a model hub name (with network) or a folder holding a checkpoint"
        ) from None
    return model, tokenizer


def shuffled_batches(count: int, batch_size: int, generator: torch.Generator) -> Iterator[list[int]]:
    """Row indices in a new order each epoch, drawn from the seeded generator."""
    order = torch.randperm(count, generator=generator).tolist()
    for start in range(0, count, batch_size):
        yield order[start : start + batch_size]


def accuracy(classifier: TransformerClassifier, texts: list[str], labels: list[str]) -> float:
    predicted = predict_labels(classifier, texts)
    return float(np.mean([guess == label for guess, label in zip(predicted, labels, strict=True)]))


def fine_tune(
    train: tuple[list[str], list[str]], validation: tuple[list[str], list[str]], params: TrainParams, seed: int
) -> TransformerClassifier:
    """Fine-tune `params.pretrained_model` on the training texts; keep the epoch best on the validation texts."""
    enable_full_determinism(seed)
    texts, labels = train
    classes = sorted(set(labels))
    model, tokenizer = load_pretrained(params.pretrained_model, classes)
    device = pick_device()
    classifier = TransformerClassifier(model.to(device), tokenizer, params.max_length)
    targets = torch.tensor([classes.index(label) for label in labels])
    steps_per_epoch = -(-len(texts) // params.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=params.learning_rate)
    total_steps = steps_per_epoch * params.epochs
    schedule = get_linear_schedule_with_warmup(optimizer, int(WARMUP_SHARE * total_steps), total_steps)
    generator = torch.Generator().manual_seed(seed)
    logger.info(
        "fine-tuning %s on %d texts, %d labels, on %s", params.pretrained_model, len(texts), len(classes), device
    )

    best_accuracy, best_weights = -1.0, None
    for epoch in range(1, params.epochs + 1):
        model.train()
        progress = tqdm(
            shuffled_batches(len(texts), params.batch_size, generator),
            total=steps_per_epoch,
            desc=f"epoch {epoch}/{params.epochs}",
            mininterval=PROGRESS_INTERVAL_SECONDS if sys.stderr.isatty() else LOG_PROGRESS_INTERVAL_SECONDS,
        )
        for rows in progress:
            inputs = classifier.encode([texts[row] for row in rows])
            loss = model(**inputs, labels=targets[rows].to(device)).loss
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            progress.set_postfix(loss=f"{loss.item():.4f}")
        score = accuracy(classifier, *validation)
        logger.info("epoch %d/%d: validation accuracy %.4f", epoch, params.epochs, score)
        if score > best_accuracy:
            best_accuracy = score
            best_weights = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    if best_weights is not None:
        model.load_state_dict(best_weights)
    model.eval()
    return classifier
