"""Does the verdict of ``trends assess`` depend on the seed? Real and hostile series, 3 seeds.

A verdict rests on simulations; a check whose p-value sits near 0.05 could
once go either way with the seed and change the whole answer (Syria's deaths
at November 2023 gave "no change", "rise" and "cannot tell" at seeds 0, 1 and
2). This asks the same question at several seeds and counts the questions
whose verdict differs between them.

Real series: the bundled UCDP country-month series at months with a known
event, and IS incidents in five governorates from the bundled GED file.
Hostile series (84 months, generated here with fixed seeds): one month of ten
million among a few a month, 90% zero months and the rest about 500, four
spikes of up to a million among zeros, heavy-tailed (Cauchy-like) counts.

``--baseline DIR`` runs the same questions with an older checkout in DIR, in a
second process of the same run.

Usage: PYTHONPATH=. python benchmarks/seed_stability.py [--seeds 0 1 2] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
COUNTRY = ROOT / "data" / "ucdp_country_month_killed_syria_iraq_1989-2026.csv"
GED = ROOT / "data" / "ucdp_ged_syria_2016-01_2019-11.csv.gz"
QUESTIONS = [("syria_killed_best", m) for m in
             ("2016-01", "2019-05", "2020-03", "2022-01", "2023-11", "2024-12")] + \
            [("iraq_killed_best", m) for m in
             ("2008-01", "2014-06", "2017-10", "2019-10", "2021-06", "2023-11")]
REGIONS = ("Deir ez-Zor", "Homs", "Aleppo", "Hama", "Damascus")


def hostile() -> dict[str, pd.Series]:
    """Four kinds of awkward 84-month series, two of each."""
    index = pd.period_range("2018-01", periods=84, freq="M")
    out = {}
    for k in range(2):
        rng = np.random.default_rng(k)
        huge = rng.poisson(3.0, 84).astype(float)
        huge[-1 - 7 * k] = 10_000_000
        zeros = np.where(rng.random(84) < 0.9, 0.0, rng.poisson(500.0, 84))
        spikes = np.zeros(84)
        spikes[rng.choice(84, 4, replace=False)] = [10.0 ** rng.integers(2, 7) for _ in range(4)]
        heavy = np.minimum(np.round(np.abs(rng.standard_cauchy(84)) * 20), 1e6)
        for name, values in (("one huge month", huge), ("90% zeros", zeros),
                             ("4 spikes", spikes), ("heavy tail", heavy)):
            out[f"{name} {k}"] = pd.Series(values, index=index, name="killed")
    return out


def questions() -> list[tuple[str, pd.Series, str]]:
    import trends

    table = pd.read_csv(COUNTRY)
    index = pd.PeriodIndex(table["month"], freq="M")
    asked = [(f"{column.split('_')[0]} deaths at {month}",
              pd.Series(table[column].to_numpy(float), index=index, name=column), month)
             for column, month in QUESTIONS]
    panel = trends.load_panel([str(GED)], actors=["IS"]).panel
    for region in REGIONS:
        y = trends.to_series(panel, "incidents", region)
        asked += [(f"IS incidents in {region} at {month}", y, month)
                  for month in ("2017-11", "2018-07")]
    asked += [(name, y, str(y.index[56])) for name, y in hostile().items()]
    return asked


def run(seeds: list[int]) -> None:
    from trends import assess

    differ = 0
    asked = questions()
    start = time.perf_counter()
    for name, y, month in asked:
        verdicts = []
        for seed in seeds:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    verdicts.append(assess(y, month, seed=seed).verdict)
                except Exception as err:  # an error is an answer too, and a bad one
                    verdicts.append(f"error: {type(err).__name__}")
        differ += len(set(verdicts)) > 1
        print(f"  {name}: {', '.join(verdicts)}" + ("  <- differs" if len(set(verdicts)) > 1
                                                    else ""), flush=True)
    print(f"{differ} of {len(asked)} questions get a verdict that depends on the seed "
          f"(seeds {', '.join(map(str, seeds))}); {time.perf_counter() - start:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--baseline", help="an older checkout to run the same questions with")
    opts = parser.parse_args()
    import trends

    print(f"this checkout ({Path(trends.__file__).parent}):", flush=True)
    run(opts.seeds)
    if opts.baseline:
        print(f"baseline ({opts.baseline}):", flush=True)
        env = dict(os.environ, PYTHONPATH=str(Path(opts.baseline).resolve()))
        here = str(Path(__file__).parent)
        code = (f"import sys, trends; sys.path.insert(1, {here!r}); import seed_stability as s; "
                f"print('  (trends from', trends.__file__ + ')'); s.run({opts.seeds!r})")
        # run from the baseline's folder, so that its trends is the one imported
        subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=opts.baseline)


if __name__ == "__main__":
    main()
