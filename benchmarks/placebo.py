"""Placebo months on real series: how often the verdict finds a change where none was made.

The UK seat-belt series (R's ``Seatbelts``, 1969-1984, in tests/results/) had
one known intervention, the law of February 1983. Asked about months before
it, the verdict should rarely answer "rise" or "fall": each such answer is a
false positive of a kind, though real series also change for other reasons
(the 1973-74 oil crisis cut driving), so this is a check of the order of the
error rate, not a clean null. Every month from 1974-01 to 1981-01, every 3
months, for four casualty series; the comparison ends before the law (the
series are cut at 1983-01).

Usage: PYTHONPATH=. python benchmarks/placebo.py [--bootstrap 199]
"""

from __future__ import annotations

import argparse
import collections
import time
from pathlib import Path

import pandas as pd

from trends import assess

SEATBELTS = Path(__file__).resolve().parents[1] / "tests" / "results" / "seatbelts_monthly.csv"
COLUMNS = ("front", "rear", "drivers", "DriversKilled")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", type=int, default=199)
    opts = parser.parse_args()
    table = pd.read_csv(SEATBELTS)
    table = table[table["month"] < "1983-02"]
    months = [str(m) for m in pd.period_range("1974-01", "1981-01", freq="3M")]
    counts: dict[str, collections.Counter[str]] = {}
    start = time.perf_counter()
    for column in COLUMNS:
        y = pd.Series(table[column].to_numpy(float),
                      index=pd.PeriodIndex(table["month"], freq="M"), name=column)
        counts[column] = collections.Counter(
            assess(y, month, direction="either", bootstrap=opts.bootstrap).verdict
            for month in months)
    total: collections.Counter[str] = sum(counts.values(), collections.Counter())
    print(f"Placebo months 1974-01 to 1981-01 every 3 months ({len(months)} a series), "
          f"direction 'either', {opts.bootstrap} bootstrap series; "
          f"{time.perf_counter() - start:.0f} s")
    print(f"{'series':14} {'rise':>5} {'fall':>5} {'no change':>10} {'cannot tell':>12}")
    for name, c in [*counts.items(), ("all", total)]:
        print(f"{name:14} {c['rise']:5} {c['fall']:5} {c['no_change']:10} {c['cannot_tell']:12}")
    answered = total["rise"] + total["fall"] + total["no_change"]
    changes = total["rise"] + total["fall"]
    print(f"rise or fall: {changes} of {sum(total.values())} placebo questions "
          f"({changes / max(answered, 1):.3f} of those answered)")


if __name__ == "__main__":
    main()
