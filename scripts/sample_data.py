"""Write the generated project's sample data: scikit-learn's bundled wine data set, as a CSV.

The set ships inside scikit-learn, so neither this script nor the test that checks the shipped copy needs the
network. Three cultivars, 178 wines, 13 numeric measurements each.
"""

import argparse
from pathlib import Path

import pandas as pd
from sklearn.datasets import load_wine

LABEL_COLUMN = "cultivar"
SAMPLE_PATH = Path("{{cookiecutter.project_slug}}/packs/tabular/data/raw/wine.csv")


def wine_table() -> pd.DataFrame:
    """The wine measurements with the cultivar named as text, the way a user's labels usually come."""
    wine = load_wine(as_frame=True)
    table = wine.data.copy()
    table[LABEL_COLUMN] = [str(wine.target_names[code]) for code in wine.target]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, nargs="?", default=SAMPLE_PATH)
    args = parser.parse_args()
    wine_table().to_csv(args.output, index=False)


if __name__ == "__main__":
    main()
