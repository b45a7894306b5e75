"""``trends aggregate FOLDER`` in one process against the same on a local Dask cluster.

Run: python benchmarks/bench_dask_aggregate.py [--files 10] [--events 100000] [--workers 2]

Inputs (made once in --data, default /tmp/trends-bench-dask): a folder of
``--files`` GED-layout CSV files of ``--events`` events each, the bundled
UCDP GED rows (data/ucdp_ged_syria_2016-01_2019-11.csv.gz) repeated with
fresh ids, distinct across files, so the text, quoting and line breaks
inside fields are the real ones.

The local run is one whole ``trends aggregate`` process under /usr/bin/time.
The cluster run starts a Dask scheduler and ``--workers`` one-thread workers
on 127.0.0.1 (started and warmed up before the clock starts), then runs the
same command with ``--scheduler``: its CPU is the command's (user + system,
from /usr/bin/time) plus what the workers and the scheduler used during it
(psutil, the workers' nanny processes and children included), its peak
memory the command's and the largest worker process's. Both runs
write the panel and the row log (``--rejects``), and the script checks that
the two runs' files are byte-identical.

``--hostile`` makes the files of benchmarks/bench_aggregate.py's hostile case
instead (20,000-character headlines with quotes and line breaks, every row
logged), each holding the same event ids, so that every event of the second
and later files is a repeat that the cross-file step drops and logs.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_aggregate import ged_records, write_hostile

TRENDS = [sys.executable, "-m", "trends"]


def write_folder(folder: Path, files: int, events: int) -> None:
    """``files`` GED-layout CSV files of ``events`` events each, ids distinct across files."""
    header, rests = ged_records()
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(files):
        path = folder / f"ged_{k:03d}.csv"
        if path.exists():
            continue
        with open(path, "w", encoding="utf-8", newline="") as out:
            out.write(header)
            start = k * events
            for a in range(0, events, 100_000):
                out.write("".join(f"{start + i + 1},{rests[(start + i) % len(rests)]}"
                                  for i in range(a, min(events, a + 100_000))))


def with_children(pids: list[int]) -> list[psutil.Process]:
    """The processes and their children (a ``dask worker`` runs its worker under a nanny)."""
    procs = [psutil.Process(pid) for pid in pids]
    return procs + [c for p in procs for c in p.children(recursive=True)]


def timed(argv: list[str], others: list[psutil.Process]) -> dict[str, float]:
    """Wall, CPU (the command's plus ``others``' during it) and peak RSS of one command."""
    before = sum(sum(p.cpu_times()[:2]) for p in others)
    peaks = dict.fromkeys([p.pid for p in others], 0.0)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as record:
        t0 = time.perf_counter()
        run = subprocess.Popen(["/usr/bin/time", "-f", "%U %S %M", "-o", record.name, *argv],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while run.poll() is None:
            for p in others:
                peaks[p.pid] = max(peaks[p.pid], p.memory_info().rss / 2**20)
            time.sleep(0.1)
        wall = time.perf_counter() - t0
        err = run.stderr.read().decode() if run.stderr else ""
        if run.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {err.strip()}")
        user, system, kib = (float(x) for x in record.read().split()[-3:])
    after = sum(sum(p.cpu_times()[:2]) for p in others)
    return {"wall": wall, "cpu": user + system + after - before, "rss": kib / 1024,
            "worker_rss": max(peaks.values(), default=0.0)}


UNSET_TRIM = """\
distributed:
  nanny:
    pre-spawn-environ:
      MALLOC_TRIM_THRESHOLD_: null
"""


def start_cluster(workers: int, unset_trim: bool = False,
                  ) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """A scheduler and one-thread workers on 127.0.0.1, trends imported on each.

    With ``unset_trim`` the workers run with glibc's own malloc settings:
    Dask's nanny otherwise sets MALLOC_TRIM_THRESHOLD_=65536, which also
    fixes glibc's mmap threshold and makes reading about 1.7 times as costly.
    """
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or "dask"
    env = dict(os.environ)
    if unset_trim:
        config = Path(tempfile.gettempdir()) / "trends-bench-dask-config"
        config.mkdir(exist_ok=True)
        (config / "trends.yaml").write_text(UNSET_TRIM, encoding="utf-8")
        env["DASK_CONFIG"] = str(config)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], **quiet)]
    procs += [subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                "--no-dashboard", "--memory-limit", "0"], **quiet)
              for _ in range(workers)]
    from distributed import Client

    try:
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(workers, timeout=120)
            # import trends on every worker before the clock starts, as a running cluster has
            client.run(lambda: bool(__import__("trends.cluster_panel")))
    except BaseException:
        for proc in procs:
            proc.terminate()
        raise
    return address, procs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--unset-trim", action="store_true",
                        help="start the workers without Dask's MALLOC_TRIM_THRESHOLD_=65536")
    parser.add_argument("--hostile", action="store_true",
                        help="files of 20,000-character headlines, every row logged, each file "
                        "holding the same event ids (all but the first file's are repeats)")
    parser.add_argument("--data", type=Path,
                        default=Path(tempfile.gettempdir()) / "trends-bench-dask")
    args = parser.parse_args()
    kind = "hostile" if args.hostile else "ged"
    folder = args.data / f"{kind}_{args.files}x{args.events}"
    if args.hostile:
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(args.files):
            if not (folder / f"hostile_{k:03d}.csv").exists():
                write_hostile(folder / f"hostile_{k:03d}.csv", args.events)
    else:
        write_folder(folder, args.files, args.events)
    size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
    print(f"{args.files} files x {args.events:,} {kind} GED-layout events, "
          f"{size:,.0f} MiB of CSV\n")
    address, procs = start_cluster(args.workers, args.unset_trim)
    try:
        with tempfile.TemporaryDirectory() as out:
            results = {}
            for name, extra in (("one process", []), (f"{args.workers}-worker local cluster",
                                                      ["--scheduler", address])):
                Path(out, name).mkdir()
                argv = [*TRENDS, "aggregate", str(folder), "--out", f"{out}/{name}/panel.csv",
                        "--rejects", f"{out}/{name}/rejects.csv", *extra]
                others = with_children([p.pid for p in procs]) if extra else []
                results[name] = timed(argv, others)
            names = list(results)
            same = all(filecmp.cmp(f"{out}/{names[0]}/{f}", f"{out}/{names[1]}/{f}",
                                   shallow=False) for f in ("panel.csv", "rejects.csv"))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    print("| run | wall | CPU, all processes | peak RSS of the command | largest cluster process |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        worker = f"{r['worker_rss']:,.0f} MiB" if r["worker_rss"] else "-"
        print(f"| {name} | {r['wall']:.1f} s | {r['cpu']:.1f} s | {r['rss']:,.0f} MiB | "
              f"{worker} |")
    print(f"\npanel and row log byte-identical: {same}")


if __name__ == "__main__":
    main()
