"""Aggregation speed and memory on synthetic incident tables.

Run: python benchmarks/bench_aggregate.py [--sizes 1000000 10000000]

Each size runs in a fresh process, so that its peak resident memory is its
own. Two figures per size: the aggregation step alone (rules, filters and the
zero-filled month x region panel, from an in-memory canonical table) and,
for sizes up to --csv-max, the whole path from a native CSV file on disk.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from trends.aggregate import aggregate
from trends.ingest import IncidentSet
from trends.regions import Gazetteer
from trends.schema import finish


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` incidents over ten years in Syria's 14 governorates."""
    rng = np.random.default_rng(seed)
    regions = np.array(Gazetteer.default().regions("Syria"))
    start = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3652, n), unit="D")
    spans = np.where(rng.random(n) < 0.02, rng.integers(1, 60, n), 0)
    best = rng.negative_binomial(1, 0.2, n)
    actors = np.array(["IS", "Government of Syria", "SDF", "Syrian insurgents"])
    return pd.DataFrame(
        {
            "incident_id": np.char.add("e", np.arange(n).astype(str)),
            "date_start": start,
            "date_end": start + pd.to_timedelta(spans, unit="D"),
            "date_precision": "day",
            "country": "Syria",
            "region": regions[rng.integers(0, len(regions), n)],
            "actor1": actors[rng.integers(0, 4, n)],
            "actor2": actors[rng.integers(0, 4, n)],
            "killed_low": best,
            "killed_best": best,
            "killed_high": best + rng.integers(0, 3, n),
            "_file": "synthetic.csv",
            "_line": np.arange(2, n + 2),
        }
    )


def run_one(n: int, csv: bool) -> dict:
    table = finish(synthetic(n))
    incidents = IncidentSet(table, rows_read=n)
    t0 = time.perf_counter()
    panel = aggregate(incidents, actors=["IS"])
    seconds = time.perf_counter() - t0
    result = {
        "events": n,
        "aggregate_s": seconds,
        "events_per_s": n / seconds,
        "panel_rows": len(panel),
    }
    if csv:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "events.csv"
            table.drop(columns=["_file", "_line"]).to_csv(path, index=False, date_format="%Y-%m-%d")
            del table, incidents
            t0 = time.perf_counter()
            aggregate(path, actors=["IS"])
            seconds = time.perf_counter() - t0
        result.update(csv_s=seconds, csv_events_per_s=n / seconds)
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--csv-max", type=int, default=1_000_000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.child <= args.csv_max)))
        return
    print(
        "| events | aggregate (s) | events/s | from CSV (s) | events/s from CSV | peak RSS (MiB) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n), "--csv-max", str(args.csv_max)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout)
        csv_s = f"{r['csv_s']:.1f}" if "csv_s" in r else "-"
        csv_rate = f"{r['csv_events_per_s']:,.0f}" if "csv_s" in r else "-"
        print(
            f"| {n:,} | {r['aggregate_s']:.2f} | {r['events_per_s']:,.0f} | {csv_s} | "
            f"{csv_rate} | {r['peak_rss_mib']:,.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
