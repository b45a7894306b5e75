"""Writing output files without damaging anything.

* A file is written to a temporary file beside it and renamed over the old
  one, so a crash or a full disk leaves the old file whole; an existing
  file keeps its permissions (and, run as root, its owner), a new one gets
  the user's default (umask).
  Devices and pipes (``/dev/stdout``) are written in place.
* No output may be one of the command's inputs, or another of its outputs
  (:func:`check_distinct`), and on the command line an existing file is
  replaced only with ``--force`` (:func:`check_new`).
* Operating-system errors are described in words (:func:`describe_os_error`).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from trends.errors import OptionError, OutputError

_REASONS = {
    errno.ENOSPC: "no space left on the device; free some space and try again",
    errno.EDQUOT: "the disk quota is used up; free some space and try again",
    errno.EROFS: "the file system is read-only; write to another folder",
    errno.EACCES: "permission denied; write to a folder you may write in",
    errno.EPERM: "operation not permitted; write to a folder you may write in",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "this is a folder, not a file",
    errno.ENAMETOOLONG: "the file name is too long",
}


def describe_os_error(err: OSError) -> str:
    """One line saying what failed, where, and what to do.

    Examples
    --------
    >>> describe_os_error(OSError(errno.ENOSPC, "No space left on device", "out.csv"))
    'out.csv: no space left on the device; free some space and try again'
    >>> describe_os_error(OSError("disk full"))
    'disk full'

    """
    reason = getattr(err, "reason", None)
    if reason:
        return str(reason)
    code = err.errno
    if code is None:  # shutil.Error and friends carry "[Errno N] ..." in their text
        found = re.search(r"\[Errno (\d+)\]", str(err))
        code = int(found.group(1)) if found else None
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    reason = _REASONS.get(code or -1) or err.strerror or text
    return f"{err.filename}: {reason}" if err.filename else reason


def write_failed(path: str | Path, err: OSError, existed: bool) -> OutputError:
    """An OutputError for a failed write of ``path``, saying what was left."""
    reason = describe_os_error(err)
    state = "the file there is unchanged" if existed else "nothing was written"
    failed = OutputError(f"cannot write {path}: {reason}; {state}")
    failed.reason = reason  # type: ignore[attr-defined]
    return failed


def new_file_mode() -> int:
    """Permissions a newly created file gets: read-write for all, less the umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def is_stream(path: str | Path) -> bool:
    """Whether ``path`` is a device or a pipe, or a standard stream (/dev/stdout, /dev/fd/N).

    /dev/stdout redirected to a file is that file, which the shell has just made.

    Examples
    --------
    >>> is_stream("/dev/stdout"), is_stream("/dev/null"), is_stream("pyproject.toml")
    (True, True, False)

    """
    if str(path) in ("/dev/stdout", "/dev/stderr") or str(path).startswith("/dev/fd/"):
        return True
    return os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path)


def _write_stream(path: str, payload: bytes) -> None:
    """Write to a standard stream through the process's own, else to the device or pipe.

    Reopening /dev/stdout redirected to a file would empty it and write over what is there.
    """
    number = {"/dev/stdout": 1, "/dev/stderr": 2}.get(path)
    if number is None and path.startswith("/dev/fd/") and path[8:].isdigit():
        number = int(path[8:])
    if number is None:
        with open(path, "wb") as device:  # a device or a named pipe
            device.write(payload)
        return
    sys.stdout.flush()
    sys.stderr.flush()
    view = memoryview(payload)
    while view:
        view = view[os.write(number, view):]


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    r"""Write ``data`` to ``path`` so that it holds either the old or the new content.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> target = os.path.join(folder, "a.csv")
    >>> _ = write_atomic(target, "x\n")
    >>> os.chmod(target, 0o600)
    >>> _ = write_atomic(target, "y\n")
    >>> open(target).read(), oct(os.stat(target).st_mode & 0o777)
    ('y\n', '0o600')

    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if is_stream(path):
        # nothing to replace, and a pipe's real path is no path at all ("pipe:[123]")
        try:
            _write_stream(str(path), payload)
        except OSError as err:
            raise write_failed(path, err, existed=True) from err
        return Path(path)
    target = Path(os.path.realpath(path))
    if target.is_dir():
        msg = f"{path}: this is a folder; name a file to write"
        raise OutputError(msg)
    existed = target.exists()
    try:
        info = target.stat() if existed else None
        mode = stat.S_IMODE(info.st_mode) if info else new_file_mode()
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
            os.chmod(temp, mode)
            if info and hasattr(os, "geteuid") and os.geteuid() == 0:
                os.chown(temp, info.st_uid, info.st_gid)  # keep the owner of a replaced file
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OutputError:
        raise
    except OSError as err:
        raise write_failed(path, err, existed) from err
    return Path(path)


def same_path(a: str | Path, b: str | Path) -> bool:
    """True when ``a`` and ``b`` name the same file (links and ``..`` resolved).

    Examples
    --------
    >>> same_path("x/../a.csv", "a.csv"), same_path("a.csv", "b.csv")
    (True, False)

    """
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def check_new(outputs: Iterable[tuple[str, str]], force: bool = False) -> None:
    """Refuse to replace a file that exists, unless ``force``; folders and devices pass.

    Each item is ``(label, path)`` as for :func:`check_distinct`.

    Examples
    --------
    >>> check_new([("--out", "pyproject.toml")])
    Traceback (most recent call last):
    ...
    trends.errors.OptionError: --out pyproject.toml already exists: add --force to replace it, ...
    >>> check_new([("--out", "pyproject.toml")], force=True)

    """
    if force:
        return
    for label, path in outputs:
        if os.path.isfile(path) and not is_stream(path):
            msg = (f"{label} {path} already exists: add --force to replace it, or choose "
                   "another file")
            raise OptionError(msg)


def check_distinct(inputs: Iterable[tuple[str, str]], outputs: Iterable[tuple[str, str]]) -> None:
    """Refuse an output that is one of the inputs, or the same file as another output.

    Each item is ``(label, path)``, the label naming the option (``--out``)
    or the input, for the message.

    Examples
    --------
    >>> check_distinct([("input", "a.csv")], [("--out", "b.csv"), ("--rejects", "c.csv")])
    >>> check_distinct([("input", "a.csv")], [("--out", "a.csv")])
    Traceback (most recent call last):
    ...
    trends.errors.OptionError: --out a.csv is also the input a.csv: writing it would destroy ...

    """
    sources = [(label, str(path)) for label, path in inputs]
    seen: list[tuple[str, str]] = []
    for label, path in ((label, str(path)) for label, path in outputs):
        for other_label, other in sources:
            if same_path(path, other):
                msg = (
                    f"{label} {path} is also the {other_label} {other}: writing it would destroy "
                    f"the input; choose another {label} file"
                )
                raise OptionError(msg)
        for other_label, other in seen:
            if same_path(path, other):
                msg = (
                    f"{label} and {other_label} both name {path}: one would overwrite the other; "
                    "choose two different files"
                )
                raise OptionError(msg)
        seen.append((label, path))
