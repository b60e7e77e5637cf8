"""The sample shipped in the template is scikit-learn's bundled wine data set, unchanged."""

import io

import pandas as pd

from scripts.sample_data import LABEL_COLUMN, SAMPLE_PATH, wine_table

from .helpers import TEMPLATE_DIR


def test_shipped_sample_equals_the_bundled_data_set() -> None:
    shipped = (TEMPLATE_DIR / SAMPLE_PATH).read_text()
    buffer = io.StringIO()
    wine_table().to_csv(buffer, index=False)
    assert shipped == buffer.getvalue()


def test_sample_has_three_text_classes() -> None:
    frame = pd.read_csv(TEMPLATE_DIR / SAMPLE_PATH)
    assert frame[LABEL_COLUMN].nunique() == 3
    assert frame[LABEL_COLUMN].map(type).eq(str).all()
    assert len(frame) == 178
