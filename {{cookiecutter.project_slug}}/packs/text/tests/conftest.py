"""Reviews and a tiny transformer made in the test, so the tests need neither the sample data, DVC nor a download.

The tiny model is a BERT of two small layers with a WordPiece vocabulary learnt from the reviews below: it has
the files and the shape of a real checkpoint (`train.pretrained_model` can name its folder) and fine-tunes in a
fraction of a second. Its predictions mean little; the tests check what the code does with them.
"""

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.core.config import Params
from {{ cookiecutter.package_name }}.data.texts import read_labelled_texts
from {{ cookiecutter.package_name }}.modeling.classifier import save_classifier
from {{ cookiecutter.package_name }}.stages.evaluate import evaluate
from {{ cookiecutter.package_name }}.stages.prepare import save, split
from {{ cookiecutter.package_name }}.stages.train import train

# Before transformers is first imported (it reads these once; the modules above import it only when training):
# the tests never reach the network, and a server started after the tokenizer has run prints no fork warning.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

PRODUCTS = ["kettle", "blender", "headphones", "phone case", "desk lamp", "backpack", "toaster", "webcam"]
PHRASES = {
    "positive": [
        "Works perfectly",
        "Arrived a day early",
        "Great value for the price",
        "My kids love it",
        "Sturdy and well made",
        "Battery lasts for days",
        "Highly recommended",
    ],
    "negative": [
        "Stopped working after a week",
        "Arrived broken",
        "A complete waste of money",
        "Customer service never answered",
        "Feels cheap and flimsy",
        "Battery life is awful",
        "Returned it at once",
    ],
    "neutral": [
        "Does the job",
        "Nothing special",
        "It is okay I suppose",
        "Average quality",
        "Exactly as described",
        "Neither good nor bad",
    ],
}
# Uneven on purpose, so that a split that is not stratified shows.
COUNTS = {"positive": 30, "negative": 24, "neutral": 12}
TINY_MAX_POSITIONS = 64  # a text cut at train.max_length (32 here) fits; an uncut long text would not


def make_reviews() -> pd.DataFrame:
    """66 short product reviews in three labels, with the user's own column names (`review`, `sentiment`)."""
    rng = np.random.default_rng(0)
    rows = []
    for label, count in COUNTS.items():
        for _ in range(count):
            first, second = rng.choice(PHRASES[label], size=2, replace=False)
            rows.append((f"The {rng.choice(PRODUCTS)}: {first}. {second}.", label))
    order = rng.permutation(len(rows))
    return pd.DataFrame(
        {
            "id": range(len(rows)),
            "review": [rows[index][0] for index in order],
            "sentiment": [rows[index][1] for index in order],
        }
    )


def make_params(raw: Path, checkpoint: Path, **train: Any) -> Params:
    """Parameters for the reviews: the baseline unless `train` says otherwise, the tiny model as the checkpoint."""
    return Params.model_validate(
        {
            "seed": 7,
            "data": {"raw": str(raw), "text": "review", "target": "sentiment"},
            "prepare": {"validation_size": 0.2, "test_size": 0.2},
            "train": {
                "model": "baseline",
                "pretrained_model": str(checkpoint),
                "max_length": 32,
                "epochs": 1,
                "batch_size": 8,
                "learning_rate": 3e-3,
                **train,
            },
        }
    )


@pytest.fixture
def reviews() -> pd.DataFrame:
    return make_reviews()


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a pretrained-model checkpoint as the hub serves one: config, weights and tokenizer."""
    import torch
    from huggingface_hub import is_offline_mode
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast
    from transformers.utils import logging as transformers_logging

    assert is_offline_mode(), "huggingface_hub was imported before conftest.py could set HF_HUB_OFFLINE"
    transformers_logging.disable_progress_bar()
    torch.set_num_threads(1)  # a tiny model computes faster on one thread than on several that wait for each other
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.normalizer = normalizers.BertNormalizer(lowercase=True)
    wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=300, special_tokens=special, show_progress=False)
    wordpiece.train_from_iterator(make_reviews()["review"], trainer)
    cls_id, sep_id = wordpiece.token_to_id("[CLS]"), wordpiece.token_to_id("[SEP]")
    wordpiece.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=wordpiece,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    config = BertConfig(
        vocab_size=wordpiece.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=TINY_MAX_POSITIONS,
        initializer_range=0.1,  # wider than BERT's 0.02: random weights that tell texts apart, so it learns fast
    )
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-bert")
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def params(tmp_path: Path) -> Params:
    """The baseline's parameters: no checkpoint is built (nor torch imported) for tests that do not need one."""
    return make_params(tmp_path / "reviews.csv", tmp_path / "no-checkpoint")


@pytest.fixture
def transformer_params(params: Params, tiny_checkpoint: Path) -> Params:
    """One epoch of fine-tuning the tiny checkpoint."""
    train = params.train.model_copy(update={"model": "transformer", "pretrained_model": str(tiny_checkpoint)})
    return params.model_copy(update={"train": train})


@pytest.fixture(scope="session")
def trained_models(tmp_path_factory: pytest.TempPathFactory, tiny_checkpoint: Path) -> dict[str, Path]:
    """A model folder of each kind, trained and evaluated by the stages on the reviews: {"baseline": .../model,
    "transformer": .../model}. Beside each are the stages' other outputs: `prepared/` and `metrics/`."""
    root = tmp_path_factory.mktemp("trained")
    raw = root / "reviews.csv"
    make_reviews().to_csv(raw, index=False)
    folders = {}
    for kind in ("baseline", "transformer"):
        params = make_params(raw, tiny_checkpoint, model=kind, epochs=6, learning_rate=5e-3)
        prepared, model = root / kind / "prepared", root / kind / "model"
        save(split(read_labelled_texts(raw, params.data), params.prepare, params.seed), prepared)
        save_classifier(train(prepared, params.train, params.seed), model)
        evaluate(model, prepared, root / kind / "metrics")
        folders[kind] = model
    return folders
