"""Time a full monthly report: 14 regions x 120 months, bootstrap tests, every chart and PNG.

Run: python benchmarks/bench_report.py [--bootstrap 999] [--repeat 1]

Synthetic incidents (seeded) in Syria's 14 governorates over 2015-2024 are
written as a native CSV; the report definition tests a break in 2020-01 and
builds the page, the index and every chart as .vl.json, .svg and .png.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from trends.charts import offline_scripts
from trends.regions import Gazetteer
from trends.report import ReportDefinition, build_report
from trends.report.definition import Analysis


def write_incidents(path: Path, seed: int = 0) -> int:
    rng = np.random.default_rng(seed)
    regions = Gazetteer.default().regions("Syria")
    months = [f"{2015 + i // 12}-{i % 12 + 1:02d}" for i in range(120)]
    rows = ["incident_id,date_start,country,region,actor1,killed_best"]
    for r, region in enumerate(regions):
        base = rng.uniform(2, 30)
        for i, month in enumerate(months):
            rate = base * np.exp(0.3 * np.sin(2 * np.pi * i / 12)) * (1.5 if i >= 60 else 1.0)
            for k in range(rng.negative_binomial(5, 5 / (5 + rate))):
                day = 1 + (k * 7 + r) % 28
                deaths = int(rng.zipf(2.4)) - 1
                rows.append(f"e{r}-{i}-{k},{month}-{day:02d},Syria,{region},IS,{deaths}")
    path.write_text("\n".join(rows) + "\n")
    return len(rows) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", type=int, default=999)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        events = Path(folder) / "events.csv"
        n = write_incidents(events)
        definition = ReportDefinition(
            title="Benchmark", slug="bench", inputs=(str(events),),
            analysis=Analysis(break_month="2020-01", bootstrap=args.bootstrap,
                              alert_years_back=5, alert_window=3),
        )
        t0 = time.perf_counter()
        offline_scripts()
        bundle = time.perf_counter() - t0
        for run in range(args.repeat):
            t0 = time.perf_counter()
            page = build_report(definition, Path(folder) / "site")
            seconds = time.perf_counter() - t0
            print(f"run {run + 1}: {n:,} incidents, 14 regions x 120 months, bootstrap "
                  f"{args.bootstrap}: report with {len(page.charts)} chart files in "
                  f"{seconds:.1f} s (plus {bundle:.1f} s once per process for the JS bundle)")


if __name__ == "__main__":
    main()
