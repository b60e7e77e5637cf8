"""Write the generated project's sample tables from the data sets bundled with scikit-learn.

The sets ship inside scikit-learn, so neither this script nor the test that checks the shipped copies needs the
network. Wine (tabular-classification): three cultivars, 178 wines, 13 numeric measurements each. Diabetes
(tabular-regression): 442 patients, 10 baseline measurements, and the disease's progression a year later.
"""

import argparse
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sklearn.datasets import load_diabetes, load_wine

PACKS = Path("{{cookiecutter.project_slug}}/packs")
WINE_PATH = PACKS / "tabular-classification/data/raw/wine.csv"
WINE_LABEL = "cultivar"
DIABETES_PATH = PACKS / "tabular-regression/data/raw/diabetes.csv"
DIABETES_TARGET = "progression"
# scikit-learn names the six blood serum measurements s1 to s6; its description says what each one is.
DIABETES_SERUM_NAMES = {"s1": "tc", "s2": "ldl", "s3": "hdl", "s4": "tch", "s5": "ltg", "s6": "glu"}


def wine_table() -> pd.DataFrame:
    """The wine measurements with the cultivar named as text, the way a user's labels usually come."""
    wine = load_wine(as_frame=True)
    table = wine.data.copy()
    table[WINE_LABEL] = [str(wine.target_names[code]) for code in wine.target]
    return table


def diabetes_table() -> pd.DataFrame:
    """The patients' measurements in their original units (not scikit-learn's scaled copy), as a user has them."""
    diabetes = load_diabetes(scaled=False, as_frame=True)
    table = diabetes.data.rename(columns=DIABETES_SERUM_NAMES)
    table[DIABETES_TARGET] = diabetes.target
    return table


SAMPLES: dict[Path, Callable[[], pd.DataFrame]] = {WINE_PATH: wine_table, DIABETES_PATH: diabetes_table}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    for path, table in SAMPLES.items():
        table().to_csv(path, index=False)


if __name__ == "__main__":
    main()
