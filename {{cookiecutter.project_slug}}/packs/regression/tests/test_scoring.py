"""The bootstrap's scorers give scikit-learn's figures, for every resample at once."""

import numpy as np
import pytest

from {{ cookiecutter.package_name }}.modeling.scoring import BATCH_SCORERS, SCORERS


@pytest.mark.parametrize("metric", sorted(SCORERS))
def test_batch_scorers_equal_scikit_learn_on_each_resample(metric: str) -> None:
    """Resamples of few rows, some of one repeated value (R² is then 1 for an exact guess and 0 otherwise)."""
    rng = np.random.default_rng(0)
    actual = rng.integers(0, 4, size=(300, 4)).astype(float)
    actual[:20] = 2.0
    predicted = np.where(rng.random((300, 4)) < 0.3, actual, actual + rng.normal(size=(300, 4)))
    predicted[0] = actual[0]  # one constant guessed exactly
    score = SCORERS[metric]
    expected = [score(one_actual, one_predicted) for one_actual, one_predicted in zip(actual, predicted, strict=True)]
    np.testing.assert_allclose(BATCH_SCORERS[metric](actual, predicted), expected, rtol=1e-12, atol=1e-12)
