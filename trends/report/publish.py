"""Replacing a report folder as a whole, so that it is never lost or half-written.

A build writes into a staging folder beside the report and then swaps it
into place:

1. The report folder is **locked** (``.NAME.lock`` beside it, with
   ``flock``, removed at the end): a second build of the same folder waits
   for the first and then adds its page to the first one's result, so no
   page is lost.
2. Under the lock, **staging folders of dead builds** (``.NAME.building-PID-*``
   and ``.NAME.old-PID-*``, whose process no longer runs) are removed, and a
   report left aside by a build killed in the middle of a two-step swap is
   put back.
3. An existing folder must be a **trends report** (it holds ``pages.json``)
   or be empty; any other folder is refused, so a build never takes over a
   folder of other files.
4. The report is **copied** into the staging folder keeping every file's
   permissions (and owner, when run as root); the new page is written there.
5. The staging folder and the report are **exchanged atomically**
   (``renameat2(RENAME_EXCHANGE)`` on Linux, ``renamex_np(RENAME_SWAP)`` on
   macOS), so at every instant the path holds the complete old or the
   complete new report; the old one is then deleted. Where the system has
   no atomic exchange the swap takes two renames, and the next build puts
   the old report back if a build died between them.

Examples
--------
>>> publish("out/report", lambda folder: (folder / "pages.json").write_text("[]"))  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from trends.errors import OptionError, OutputError
from trends.outputs import describe_os_error, new_file_mode

T = TypeVar("T")
MARKER = "pages.json"
"""The file that marks a folder as a trends report (its list of pages)."""
LOCK_WAIT_SECONDS = 900.0


def report_folder(out: str | Path) -> Path:
    """The absolute report folder for ``--out``; refuse a path that cannot be replaced whole.

    Examples
    --------
    >>> report_folder("/")
    Traceback (most recent call last):
    ...
    trends.errors.OptionError: --out / is the current folder or holds it; ...

    """
    given = str(out)
    folder = Path(os.path.realpath(given))
    here = Path(os.path.realpath(os.getcwd()))
    if folder == here or folder in here.parents or folder.parent == folder:
        msg = (
            f"--out {given} is the current folder or holds it; a report folder is replaced as a "
            "whole at each build, so name a folder of its own, e.g. --out report"
        )
        raise OptionError(msg)
    if folder.exists() and not folder.is_dir():
        msg = f"--out {given} is a file, not a folder; name a new folder for the report"
        raise OptionError(msg)
    return folder


def precheck(out: str | Path) -> None:
    """Refuse an unusable ``--out`` before any work is done (checked again under the lock)."""
    check_is_report(report_folder(out), str(out))


def check_is_report(folder: Path, given: str) -> None:
    """Refuse an existing folder that holds files but is not a trends report."""
    if not folder.exists() or MARKER in os.listdir(folder) or not os.listdir(folder):
        return
    msg = (
        f"--out {given} exists and is not a trends report (it has no {MARKER}); a build "
        "replaces its folder whole, so name a new or empty folder, or move those files away"
    )
    raise OptionError(msg)


@contextlib.contextmanager
def locked(folder: Path, given: str, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the lock of a report folder; wait up to ``wait`` seconds for another build.

    The lock file is removed when the build ends. A build that gets the lock
    of a file already removed by the build before it tries again, so two
    builds never both hold the lock.
    """
    try:
        import fcntl
    except ImportError:  # no flock (Windows): builds of one folder must not overlap
        yield
        return
    path = folder.parent / f".{folder.name}.lock"
    deadline = time.monotonic() + wait
    told = False
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, new_file_mode())
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            if not told:
                note = f"trends: waiting for another build of {given} to finish"
                print(note, file=sys.stderr)
                told = True
            if time.monotonic() > deadline:
                msg = (
                    f"another build of {given} has been running for over {wait:.0f} s "
                    f"(it holds {path.name}); wait for it to finish or stop it, then build again"
                )
                raise OutputError(msg) from None
            time.sleep(0.2)
            continue
        if _same_file(handle, path):
            break
        os.close(handle)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(handle)


def _same_file(handle: int, path: Path) -> bool:
    """True when ``path`` still names the open file (no later build removed and remade it)."""
    try:
        here, there = os.fstat(handle), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _pid_of(name: str, folder: Path) -> int | None:
    """The process id in a staging name ``.NAME.building-PID-TOKEN``, if any."""
    for kind in ("building", "old"):
        prefix = f".{folder.name}.{kind}-"
        if name.startswith(prefix):
            head = name[len(prefix) :].split("-", 1)[0]
            return int(head) if head.isdigit() else None
    return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(folder: Path) -> None:
    """Restore a report set aside by a dead build; remove dead builds' staging folders."""
    parent = folder.parent
    leftovers = sorted(
        (entry for entry in parent.iterdir() if _pid_of(entry.name, folder) is not None),
        key=lambda entry: entry.stat().st_mtime,
    )
    dead = [entry for entry in leftovers if not _alive(_pid_of(entry.name, folder) or 0)]
    old = [entry for entry in dead if entry.name.startswith(f".{folder.name}.old-")]
    if not folder.exists() and old:
        os.rename(old[-1], folder)
        print(f"trends: restored {folder.name} left aside by an interrupted build", file=sys.stderr)
        dead.remove(old[-1])
    for entry in dead:
        shutil.rmtree(entry, ignore_errors=True)


def _copy_keeping_owner(source: str, target: str) -> str:
    shutil.copy2(source, target, follow_symlinks=False)
    _same_owner(source, target)
    return target


def _same_owner(source: str | Path, target: str | Path) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        info = os.lstat(source)
        os.lchown(target, info.st_uid, info.st_gid)


def copy_report(folder: Path, staging: Path) -> None:
    """Copy the report into ``staging`` keeping permissions, times, links and (as root) owners."""
    shutil.copytree(
        folder, staging, symlinks=True, dirs_exist_ok=True, copy_function=_copy_keeping_owner
    )
    for root, dirs, _files in os.walk(folder):
        for name in ["", *dirs]:
            source = Path(root) / name
            _same_owner(source, staging / source.relative_to(folder))


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the system cannot (then nothing happened)."""
    names = os.fsencode(a), os.fsencode(b)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    except OSError:
        return False
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        at_fdcwd, rename_exchange = -100, 2
        status = libc.renameat2(at_fdcwd, names[0], at_fdcwd, names[1], rename_exchange)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        status = libc.renamex_np(names[0], names[1], 2)
    else:
        return False
    if status == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap(staging: Path, folder: Path, token: str) -> None:
    if not folder.exists():
        os.rename(staging, folder)
        return
    if exchange(staging, folder):
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = folder.parent / f".{folder.name}.old-{os.getpid()}-{token}"
    os.rename(folder, old)
    os.rename(staging, folder)
    shutil.rmtree(old, ignore_errors=True)


def publish(out: str | Path, write: Callable[[Path], T]) -> T:
    """Run ``write(staging)`` on a copy of the report folder ``out``, then swap it into place.

    Raises :class:`~trends.errors.OptionError` for a folder that may not be
    used and :class:`~trends.errors.OutputError` when writing fails; in both
    cases the report at ``out`` is as it was.
    """
    given = str(out)
    folder = report_folder(out)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        msg = f"cannot create the folder for {given}: {describe_os_error(err)}"
        raise OutputError(msg) from err
    token = secrets.token_hex(4)
    staging = folder.parent / f".{folder.name}.building-{os.getpid()}-{token}"
    try:
        with locked(folder, given):
            clean_stale(folder)
            check_is_report(folder, given)
            os.mkdir(staging, 0o777)
            try:
                if folder.exists():
                    copy_report(folder, staging)
                result = write(staging)
                _swap(staging, folder, token)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except OSError as err:
        if isinstance(err, OutputError) and not hasattr(err, "reason"):
            raise
        state = "the report there is unchanged" if folder.exists() else "nothing was written"
        msg = f"cannot write the report {given}: {describe_os_error(err)}; {state}"
        raise OutputError(msg) from err
    return result
