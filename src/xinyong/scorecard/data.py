"""The German Credit data (UCI Statlog, 1,000 applicants, 300 bad; CC BY 4.0), shipped for tests,
docs and the benchmark; see `data/README.md` for its origin and licence."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

GERMAN_CREDIT = Path(__file__).parent / "data" / "german_credit.csv"
GERMAN_TARGET = "creditability"
GERMAN_BAD = ("bad",)


def german_credit() -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(GERMAN_CREDIT)
