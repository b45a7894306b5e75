"""``trends aggregate`` against DuckDB on the same files, whole processes, in one run.

Run: python benchmarks/bench_aggregate.py [--sizes 1000000 10000000] [--data DIR]

Inputs (made once in --data, default /tmp/trends-bench):

* GED-layout event files of each size, CSV and Parquet: the bundled UCDP GED
  rows (data/ucdp_ged_syria_2016-01_2019-11.csv.gz) repeated with fresh ids,
  so the text, quoting and line breaks inside fields are the real ones;
* the bundled file itself (gzip);
* a hostile file: 20,000 events with 20,000-character headlines holding
  quotes and line breaks, every one of them logged (unknown region spelling,
  an unidentified actor, low above best).

Each command runs as its own process under /usr/bin/time: CPU seconds (user
+ system) and peak resident memory are the whole process's, start-up
included. DuckDB (the ``bench`` extra) reads the same file and computes the
same month x region sums. A third process shows the floor of any reader
built on pyarrow: pyarrow alone parsing the columns the GED layout reads,
with nothing else done. A process passing --rss-cap is stopped and shown
as such. trends runs with ``--max-expanded 16G``: the 10M-event Parquet file
expands past the default guard against decompression bombs. Last, the wall
time of ``trends --help`` and of two error messages (a missing file, a bad
option), median of 15 runs.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GED = ROOT / "data" / "ucdp_ged_syria_2016-01_2019-11.csv.gz"
TRENDS = [sys.executable, "-m", "trends"]

DUCKDB = """
import sys, duckdb
path = sys.argv[1]
source = (f"read_parquet('{path}')" if path.endswith('.parquet')
          else f"read_csv('{path}', header=true, all_varchar=true)")
duckdb.sql(f'''
  COPY (SELECT strftime(CAST(date_start AS DATE), '%Y-%m') AS month, adm_1 AS region,
               count(*) AS incidents, sum(CAST(low AS BIGINT)) AS killed_low,
               sum(CAST(best AS BIGINT)) AS killed_best, sum(CAST(high AS BIGINT)) AS killed_high
        FROM {source} GROUP BY ALL ORDER BY ALL) TO '{sys.argv[2]}' (HEADER)''')
"""


# The floor of any pyarrow-based reader: pyarrow alone parsing the columns the GED layout
# reads (as text, as trends does) and nothing else: no checks, no sums, no output.
PYARROW = """
import sys, pyarrow as pa
path, columns = sys.argv[1], sys.argv[2].split(',')
if path.endswith('.parquet'):
    import pyarrow.parquet as pq
    names = pq.read_schema(path).names
    pq.read_table(path, columns=[c for c in columns if c in names])
else:
    import pyarrow.csv as pacsv
    header = pacsv.open_csv(path).schema.names
    keep = [c for c in columns if c in header]
    pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True),
                   convert_options=pacsv.ConvertOptions(
                       include_columns=keep, column_types=dict.fromkeys(keep, pa.string())))
"""


def ged_records() -> tuple[str, list[str]]:
    with gzip.open(GED, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    def line(row: list[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(row)
        return buffer.getvalue()
    return line(rows[0]), [line(row[1:]) for row in rows[1:]]


def write_ged(n: int, path: Path) -> None:
    header, rests = ged_records()
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(header)
        block = []
        for i in range(n):
            block.append(f"{i + 1},{rests[i % len(rests)]}")
            if len(block) == 100_000:
                out.write("".join(block))
                block = []
        out.write("".join(block))


def write_parquet(source: Path, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    header = next(csv.reader(open(source, encoding="utf-8")))
    reader = pacsv.open_csv(
        source,
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string())),
    )
    with pq.ParquetWriter(path, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)


def write_hostile(path: Path, n: int = 20_000) -> None:
    rng = random.Random(11)
    with gzip.open(GED, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for i in range(n):
            row = list(body[i % len(body)])
            row[col["id"]] = str(i + 1)
            words = "".join(rng.choice('ab "\n,’') for _ in range(200))
            row[col["source_headline"]] = words * 100
            row[col["adm_1"]] = f"Nowhere {i % 50} governorate"
            row[col["side_b"]] = f"XXX{i % 900}"
            row[col["low"]] = str(int(row[col["best"]]) + 1)
            row[col["high"]] = str(int(row[col["best"]]) + 1)
            writer.writerow(row)


def measure(argv: list[str], cap_mib: float) -> dict[str, float | str]:
    """CPU seconds and peak RSS of one whole process (stopped past ``cap_mib``)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as record:
        run = subprocess.Popen(
            ["/usr/bin/time", "-f", "%U %S %M", "-o", record.name, *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        capped = False
        while run.poll() is None:
            time.sleep(0.2)
            rss = _tree_rss_mib(run.pid)
            if rss > cap_mib:
                capped = True
                _kill_tree(run.pid)
        err = run.stderr.read().decode() if run.stderr else ""
        fields = record.read().split()
    if capped:
        return {"status": f"stopped past {cap_mib:,.0f} MiB"}
    if run.returncode != 0:
        return {"status": f"failed: {err.strip().splitlines()[-1] if err.strip() else ''}"}
    user, system, kib = (float(x) for x in fields[-3:])
    return {"cpu": user + system, "rss": kib / 1024, "status": "ok"}


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            kids = [int(k) for k in handle.read().split()]
    except OSError:
        return []
    return kids + [g for k in kids for g in _children(k)]


def _tree_rss_mib(pid: int) -> float:
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            with open(f"/proc/{p}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def _kill_tree(pid: int) -> None:
    for p in [*_children(pid), pid]:
        try:
            os.kill(p, 9)
        except OSError:
            pass


def startup(argv: list[str], runs: int = 15) -> tuple[float, float]:
    """Median and fastest wall seconds of ``trends ARGV`` (whatever its exit status)."""
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([*TRENDS, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls), min(walls)


def fmt(r: dict[str, float | str], key: str, unit: str) -> str:
    return f"{r[key]:,.2f} {unit}" if r["status"] == "ok" else str(r["status"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "trends-bench")
    parser.add_argument("--rss-cap", type=float, default=8192, help="MiB; stop a process past it")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from trends.ingest import READERS

    columns = ",".join(READERS["ucdp-ged"].COLUMNS)  # given to the pyarrow process
    args.data.mkdir(parents=True, exist_ok=True)
    files: list[tuple[str, Path]] = [("bundled GED (gzip, 16,566 events)", GED)]
    hostile = args.data / "hostile.csv"
    if not hostile.exists():
        write_hostile(hostile)
    files.append(("hostile (20,000 events, 20,000-char headlines)", hostile))
    for n in args.sizes:
        csv_path = args.data / f"ged_{n}.csv"
        if not csv_path.exists():
            write_ged(n, csv_path)
        pq_path = args.data / f"ged_{n}.parquet"
        if not pq_path.exists():
            write_parquet(csv_path, pq_path)
        files += [(f"{n:,} events, CSV", csv_path), (f"{n:,} events, Parquet", pq_path)]
    print(
        "| input | size | trends CPU | DuckDB CPU | ratio | trends peak RSS | DuckDB peak RSS "
        "| ratio | pyarrow read alone CPU | its ratio to DuckDB |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for label, path in files:
            # The 10M-event Parquet file expands past the default 2 GiB guard against
            # decompression bombs; the benchmark raises it (DuckDB has none).
            argv = [
                *TRENDS, "aggregate", str(path), "--out", f"{folder}/t.csv", "--force",
                "--max-expanded", "16G",
            ]  # fmt: skip
            ours = measure(argv, args.rss_cap)
            theirs = measure(
                [sys.executable, "-c", DUCKDB, str(path), f"{folder}/d.csv"], args.rss_cap
            )
            both = ours["status"] == theirs["status"] == "ok"
            cpu_ratio = f"{ours['cpu'] / theirs['cpu']:.1f}x" if both else "-"
            rss_ratio = f"{ours['rss'] / theirs['rss']:.1f}x" if both else "-"
            floor = measure([sys.executable, "-c", PYARROW, str(path), columns], args.rss_cap)
            floor_ratio = (f"{floor['cpu'] / theirs['cpu']:.1f}x"
                           if floor["status"] == theirs["status"] == "ok" else "-")
            size = f"{path.stat().st_size / 2**20:,.0f} MiB"
            print(
                f"| {label} | {size} | {fmt(ours, 'cpu', 's')} | {fmt(theirs, 'cpu', 's')} | "
                f"{cpu_ratio} | {fmt(ours, 'rss', 'MiB')} | {fmt(theirs, 'rss', 'MiB')} | "
                f"{rss_ratio} | {fmt(floor, 'cpu', 's')} | {floor_ratio} |",
                flush=True,
            )
    print()
    for argv in (["--help"], ["detect", "missing.csv"], ["assess", "--since", "2024-13"]):
        median, best = startup(argv)
        print(f"`trends {' '.join(argv)}`: {median:.2f} s wall (median of 15; fastest "
              f"{best:.2f} s)")


if __name__ == "__main__":
    main()
