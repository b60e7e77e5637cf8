"""The bootstrap's scorers give scikit-learn's figures, for every resample at once."""

import numpy as np
import pytest

from {{ cookiecutter.package_name }}.modeling.scoring import BATCH_SCORERS, SCORERS


@pytest.mark.parametrize("metric", sorted(SCORERS))
def test_batch_scorers_equal_scikit_learn_on_each_resample(metric: str) -> None:
    """Resamples of few rows from four classes: some miss a class in the actual or the predicted labels, or both."""
    rng = np.random.default_rng(0)
    actual = rng.choice(["a", "b", "c", "d"], size=(300, 6))
    predicted = np.where(rng.random((300, 6)) < 0.5, actual, rng.choice(["a", "b", "c", "e"], size=(300, 6)))
    score = SCORERS[metric]
    expected = [score(one_actual, one_predicted) for one_actual, one_predicted in zip(actual, predicted, strict=True)]
    np.testing.assert_allclose(BATCH_SCORERS[metric](actual, predicted), expected, rtol=0, atol=1e-12)
