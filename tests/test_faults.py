"""Faults leave every file intact: concurrent builds, kills, full and read-only disks, misuse.

The report-folder machinery (lock, staging copy, atomic exchange, clean-up)
is exercised by real processes that publish a small folder and are killed
with SIGKILL at chosen points; full and read-only disks are real tmpfs
mounts (skipped where mounting is not permitted). Misuse of output paths
goes through the command line in separate processes (see ``corpus.run_cli``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEEDS
from corpus import ROOT, run_cli

from trends.errors import OptionError, OutputError
from trends.report import publish as P

PUBLISHER = r"""
import json, os, signal, sys, time
from pathlib import Path
from trends.report import publish as P

out, mode, name = sys.argv[1:4]

def write(folder):
    (folder / name).write_text(name * 1000)
    manifest = folder / "pages.json"
    pages = json.loads(manifest.read_text()) if manifest.exists() else []
    manifest.write_text(json.dumps(sorted({*pages, name})))
    if mode == "slow":
        time.sleep(1.0)
    if mode == "kill-in-write":
        os.kill(os.getpid(), signal.SIGKILL)
    return folder / name

if mode == "kill-after-exchange":
    exchange = P.exchange
    def killing_exchange(a, b):
        exchange(a, b)
        os.kill(os.getpid(), signal.SIGKILL)
    P.exchange = killing_exchange
if mode == "kill-between-renames":
    P.exchange = lambda a, b: False
    rename, calls = os.rename, []
    def killing_rename(a, b):
        rename(a, b)
        calls.append(b)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGKILL)
    P.os.rename = killing_rename
P.publish(out, write)
"""


def start(tmp_path: Path, out: Path, mode: str, name: str) -> subprocess.Popen:
    script = tmp_path / "publisher.py"
    script.write_text(PUBLISHER)
    return subprocess.Popen(
        [sys.executable, str(script), str(out), mode, name],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )


def publish_in_process(out: Path, name: str, size: int = 1000) -> None:
    def write(folder: Path) -> Path:
        (folder / name).write_text(name + "x" * size)
        manifest = folder / "pages.json"
        pages = json.loads(manifest.read_text()) if manifest.exists() else []
        manifest.write_text(json.dumps(sorted({*pages, name})))
        return folder / name

    P.publish(out, write)


def tree(folder: Path) -> dict[str, tuple[str, int]]:
    """Relative path -> (content hash or link target, permission bits), for every entry."""
    out = {}
    for path in sorted(folder.rglob("*")):
        mode = stat.S_IMODE(path.lstat().st_mode)
        name = str(path.relative_to(folder))
        if path.is_symlink():
            out[name] = (os.readlink(path), mode)
        elif path.is_file():
            out[name] = (hashlib.sha256(path.read_bytes()).hexdigest(), mode)
        else:
            out[name + "/"] = ("", mode)
    return out


def hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


@pytest.mark.slow
def test_concurrent_builds_keep_every_page(tmp_path):
    out = tmp_path / "site"
    publish_in_process(out, "first.html")
    runs = [start(tmp_path, out, "slow", name) for name in ("a.html", "b.html", "c.html")]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], errors
    assert json.loads((out / "pages.json").read_text()) == [
        "a.html",
        "b.html",
        "c.html",
        "first.html",
    ]
    assert any("waiting for another build" in e for e in errors)
    assert hidden(tmp_path) == []  # no lock file, no staging folder left behind


def test_kill_during_a_build_leaves_the_report_and_the_next_build_cleans_up(tmp_path):
    out = tmp_path / "site"
    publish_in_process(out, "first.html")
    before = tree(out)
    run = start(tmp_path, out, "kill-in-write", "second.html")
    run.communicate(timeout=120)
    assert run.returncode == -signal.SIGKILL
    assert tree(out) == before
    # the dead build's staging folder (and its unlocked lock file) remain until the next build
    assert [n.split("-")[0] for n in hidden(tmp_path)] in (
        [".site.building"],
        [".site.building", ".site.lock"],
    )
    publish_in_process(out, "third.html")
    assert hidden(tmp_path) == []
    assert json.loads((out / "pages.json").read_text()) == ["first.html", "third.html"]


def test_kill_right_after_the_swap_leaves_the_new_report(tmp_path):
    out = tmp_path / "site"
    publish_in_process(out, "first.html")
    run = start(tmp_path, out, "kill-after-exchange", "second.html")
    run.communicate(timeout=120)
    assert run.returncode == -signal.SIGKILL
    assert json.loads((out / "pages.json").read_text()) == ["first.html", "second.html"]
    publish_in_process(out, "third.html")
    assert hidden(tmp_path) == []


def test_without_atomic_exchange_a_kill_between_renames_is_repaired(tmp_path):
    out = tmp_path / "site"
    publish_in_process(out, "first.html")
    before = tree(out)
    run = start(tmp_path, out, "kill-between-renames", "second.html")
    run.communicate(timeout=120)
    assert run.returncode == -signal.SIGKILL
    assert not out.exists()  # the window the atomic exchange closes
    P.clean_stale(P.report_folder(out))
    assert tree(out) == before
    publish_in_process(out, "third.html")
    assert json.loads((out / "pages.json").read_text()) == ["first.html", "third.html"]
    assert hidden(tmp_path) == []


def test_the_swap_is_atomic_on_this_system(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    if not P.exchange(a, b):
        pytest.skip("no atomic exchange on this file system; the repair above applies")
    assert (b / "x").read_text() == "a" and not (a / "x").exists()


def test_a_build_keeps_the_permissions_and_links_of_files_it_did_not_create(tmp_path):
    out = tmp_path / "site"
    publish_in_process(out, "first.html")
    private = out / "notes-private.txt"
    private.write_text("secret")
    private.chmod(0o600)
    script = out / "deploy.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o750)
    (out / "drafts").mkdir(mode=0o700)
    (out / "drafts").chmod(0o700)
    (out / "latest.html").symlink_to("first.html")
    out.chmod(0o750)
    mine = {k: v for k, v in tree(out).items() if k != "pages.json"}
    publish_in_process(out, "second.html")
    after = tree(out)
    assert {k: after[k] for k in mine} == mine
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert (out / "latest.html").is_symlink()


def test_a_folder_that_is_not_a_report_is_refused_untouched(tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "private.txt").write_text("secret")
    (folder / "private.txt").chmod(0o600)
    (folder / "run.sh").write_text("#!/bin/sh\n")
    (folder / "run.sh").chmod(0o755)
    before = tree(folder)
    with pytest.raises(OptionError, match=r"exists and is not a trends report"):
        publish_in_process(folder, "page.html")
    assert tree(folder) == before
    assert hidden(tmp_path) == []


def test_an_empty_folder_is_taken_over_keeping_its_permissions(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir(mode=0o750)
    folder.chmod(0o750)
    publish_in_process(folder, "page.html")
    assert (folder / "page.html").exists()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750


@pytest.fixture
def tiny_disk(tmp_path):
    """A 512 KiB tmpfs, or skip where mounting is not permitted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr!r}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def remount_read_only(mount: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)


def test_full_disk_leaves_the_report_and_says_so(tiny_disk):
    out = tiny_disk / "site"
    publish_in_process(out, "first.html", size=100_000)
    before = tree(out)
    with pytest.raises(OutputError) as caught:
        publish_in_process(out, "second.html", size=400_000)
    message = str(caught.value)
    assert "no space left on the device" in message and "unchanged" in message
    assert "\n" not in message and "None" not in message
    assert tree(out) == before
    assert hidden(tiny_disk) == []


def test_read_only_folder_is_reported_clearly(tiny_disk):
    out = tiny_disk / "site"
    publish_in_process(out, "first.html")
    before = tree(out)
    remount_read_only(tiny_disk)
    with pytest.raises(OutputError, match="read-only"):
        publish_in_process(out, "second.html")
    assert tree(out) == before


@pytest.mark.slow
def test_cli_outputs_on_a_full_or_read_only_disk(tiny_disk, tmp_path):
    seeds = tmp_path / "seeds.csv"
    shutil.copy(SEEDS, seeds)
    filler = tiny_disk / "filler"
    try:
        with open(filler, "wb", buffering=0) as stream:
            while True:
                stream.write(b"\0" * 4096)
    except OSError:
        pass  # the disk is full
    existing = tiny_disk / "panel.csv"
    results = run_cli(
        [
            ["aggregate", str(seeds), "--out", "/dev/full"],
            ["aggregate", str(seeds), "--out", str(tiny_disk / "big.csv"), "--by", "actor1"],
        ]
    )
    for result in results:
        assert result["status"] == 2, result
        errors = [line for line in result["stderr"].splitlines() if ": error: " in line]
        assert len(errors) == 1 and "no space left on the device" in errors[0], errors
        assert "Traceback" not in result["stderr"]
    filler.unlink()
    existing.write_text("month,incidents\n")
    remount_read_only(tiny_disk)
    (result,) = run_cli([["aggregate", str(seeds), "--out", str(existing), "--force"]])
    assert result["status"] == 2 and "read-only" in result["stderr"], result
    assert existing.read_text() == "month,incidents\n"


def test_outputs_never_overwrite_inputs_or_each_other(tmp_path):
    seeds = tmp_path / "seeds.csv"
    shutil.copy(SEEDS, seeds)
    original = seeds.read_bytes()
    os.link(seeds, tmp_path / "hard.csv")
    (tmp_path / "soft.csv").symlink_to(seeds)
    (tmp_path / "panel.csv").write_text("keep me\n")
    argvs = [
        ["aggregate", "seeds.csv", "--out", "seeds.csv", "--rejects", "seeds.csv"],
        ["aggregate", "seeds.csv", "--out", "./seeds.csv"],
        ["aggregate", "seeds.csv", "--rejects", "hard.csv"],
        ["aggregate", "seeds.csv", "--out", "soft.csv"],
        ["aggregate", "seeds.csv", "--out", "panel.csv", "--rejects", "panel.csv"],
        ["test", "seeds.csv", "--since", "2023-11", "--rejects", "seeds.csv"],
        ["report", "seeds.csv", "--out", "seeds.csv"],
        ["report", "seeds.csv", "--out", "."],
        ["report", "seeds.csv", "--out", ".."],
        ["chart", "series", "seeds.csv", "--out", "seeds.csv"],
    ]
    results = run_cli(argvs, cwd=tmp_path)
    for argv, result in zip(argvs, results, strict=True):
        errors = [line for line in result["stderr"].splitlines() if ": error: " in line]
        assert result["status"] == 2 and len(errors) == 1, (argv, result["stderr"])
        assert "Traceback" not in result["stderr"]
    assert seeds.read_bytes() == original
    assert (tmp_path / "panel.csv").read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "hard.csv",
        "panel.csv",
        "seeds.csv",
        "soft.csv",
    ]


def test_an_output_that_exists_is_replaced_only_with_force_and_keeps_its_permissions(tmp_path):
    panel = tmp_path / "panel.csv"
    panel.write_text("old\n")
    panel.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(panel, 65534, 65534)
    owner = panel.stat().st_uid, panel.stat().st_gid
    (refused,) = run_cli([["aggregate", str(SEEDS), "--out", str(panel)]], cwd=tmp_path)
    assert refused["status"] == 2 and panel.read_text() == "old\n"
    assert refused["stderr"] == (f"trends aggregate: error: --out {panel} already exists: add "
                                 "--force to replace it, or choose another file\n")
    (result,) = run_cli([["aggregate", str(SEEDS), "--out", str(panel), "--force"]],
                        cwd=tmp_path)
    assert result["status"] == 0, result["stderr"]
    assert panel.read_text().startswith("month,region,")
    assert stat.S_IMODE(panel.stat().st_mode) == 0o640
    assert (panel.stat().st_uid, panel.stat().st_gid) == owner


@pytest.mark.slow
def test_two_real_report_builds_at_once_keep_both_pages(tmp_path):
    """Two ``trends report`` processes into one folder, started together."""
    definition = tmp_path / "r.toml"
    definition.write_text(
        f'title = "Seatbelts"\nslug = "belts"\n[input]\nfiles = ["{ROOT}/tests/fixtures/'
        'seatbelts_monthly.csv"]\n[analysis]\nmeasure = "front"\nbreak_month = "1983-02"\n'
        "bootstrap = 99\n"
    )
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "trends",
                "report",
                str(definition),
                "--out",
                "site",
                "--month",
                month,
            ],
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
        )
        for month in ("1984-11", "1984-12")
    ]
    errors = [run.communicate(timeout=900)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    pages = json.loads((tmp_path / "site" / "pages.json").read_text())
    assert [p["file"] for p in pages] == ["belts-1984-11.html", "belts-1984-12.html"]
    assert hidden(tmp_path) == []


SEATBELTS_DEFINITION = (
    'title = "Seatbelts"\nslug = "belts"\n[input]\nfiles = ["data/belts.csv"]\n'
    '[analysis]\nmeasure = "front"\nbreak_month = "1983-02"\nbootstrap = 99\n'
)


@pytest.mark.slow
def test_real_builds_from_anywhere_into_anywhere_are_byte_identical(tmp_path):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    shutil.copy(ROOT / "tests/fixtures/seatbelts_monthly.csv", project / "data/belts.csv")
    (project / "belts.toml").write_text(SEATBELTS_DEFINITION)
    (tmp_path / "elsewhere").mkdir()
    builds = [
        (project, ["belts.toml", "--out", "site"], project / "site"),
        (
            tmp_path / "elsewhere",
            ["../project/belts.toml", "--out", str(tmp_path / "x" / "y")],
            tmp_path / "x" / "y",
        ),
    ]
    trees = []
    for cwd, args, out in builds:
        done = subprocess.run(
            [sys.executable, "-m", "trends", "report", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        assert done.returncode == 0, done.stderr
        trees.append(tree(out))
    assert trees[0] == trees[1]
    page = (project / "site" / "belts-1984-12.html").read_text()
    assert "trends report belts.toml --month 1984-12 --out FOLDER" in page
    assert str(tmp_path) not in page


KILL_AFTER_COPY = r"""
import os, signal, sys
from trends.report import publish as P
copy = P.copy_report
def killing_copy(folder, staging):
    copy(folder, staging)
    os.kill(os.getpid(), signal.SIGKILL)
P.copy_report = killing_copy
from trends.cli import main
main(sys.argv[1:])
"""


@pytest.mark.slow
def test_a_real_build_killed_after_its_staging_copy(tmp_path):
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "tests/fixtures/seatbelts_monthly.csv", tmp_path / "data/belts.csv")
    (tmp_path / "belts.toml").write_text(SEATBELTS_DEFINITION)
    command = [sys.executable, "-m", "trends", "report", "belts.toml", "--out", "site"]
    first = subprocess.run(
        [*command, "--month", "1984-11"],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert first.returncode == 0, first.stderr
    before = tree(tmp_path / "site")
    (tmp_path / "killer.py").write_text(KILL_AFTER_COPY)
    killed = subprocess.run(
        [sys.executable, "killer.py", "report", "belts.toml", "--out", "site"],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert killed.returncode == -signal.SIGKILL
    assert tree(tmp_path / "site") == before
    assert any(name.startswith(".site.building-") for name in hidden(tmp_path))
    again = subprocess.run(
        command, cwd=tmp_path, check=False, capture_output=True, text=True, timeout=900
    )
    assert again.returncode == 0, again.stderr
    assert hidden(tmp_path) == []
    pages = json.loads((tmp_path / "site" / "pages.json").read_text())
    assert [p["file"] for p in pages] == ["belts-1984-11.html", "belts-1984-12.html"]


def test_out_may_be_standard_output_piped_or_redirected(tmp_path):
    """--out /dev/stdout failed: 'cannot write /dev/stdout: /proc/<pid>/fd/.pipe:[…].tmp'."""
    command = [sys.executable, "-m", "trends", "aggregate", str(SEEDS), "--by", "none",
               "--quiet", "--out", "/dev/stdout"]
    piped = subprocess.run(command, capture_output=True, check=True)
    assert piped.stdout.startswith(b"month,incidents,") and piped.stderr == b""
    with open(tmp_path / "panel.csv", "wb") as handle:
        subprocess.run(command, stdout=handle, check=True)
    assert (tmp_path / "panel.csv").read_bytes() == piped.stdout
    (tmp_path / "log.csv").write_bytes(b"kept\n")  # appended to, not emptied
    with open(tmp_path / "log.csv", "ab") as handle:
        subprocess.run(command, stdout=handle, check=True)
    assert (tmp_path / "log.csv").read_bytes() == b"kept\n" + piped.stdout
