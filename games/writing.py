"""Files written whole or not at all: a temporary file in the same folder, then ``os.replace``.

A kill, a full disk or Ctrl-C while a file is being written must leave the file that was there
before (or none), never a truncated one that looks like output. Every file chipdeals writes
goes through :func:`replacing`: the bytes go to a temporary file beside the target (the same
file system, so the rename is atomic), are flushed to disk, and only then renamed over the
target. :func:`replacing_files` does the same for a set of files in one folder: all of them
are written before the first is put in place. :func:`check_writable` refuses a path that
could not be written before any work is done.

>>> import pathlib, tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder) / "out.txt"
...     write_text(path, "old")
...     try:
...         with replacing(path) as f:
...             _ = f.write(b"new, half written")
...             raise KeyboardInterrupt
...     except KeyboardInterrupt:
...         pass
...     path.read_text(), sorted(p.name for p in pathlib.Path(folder).iterdir())
('old', ['out.txt'])
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["replacing", "write_text", "write_bytes", "replacing_files", "check_writable"]


def _temporary_beside(path: Path) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)


def _put_in_place(temporary: str, path: Path) -> None:
    """Rename ``temporary`` over ``path``, keeping the old file's permission bits if any."""
    try:
        os.chmod(temporary, os.stat(path).st_mode & 0o7777)
    except FileNotFoundError:  # a new file: the usual permissions (umask), not mkstemp's 0600
        os.chmod(temporary, 0o666 & ~_umask())
    os.replace(temporary, path)


@contextmanager
def replacing(path: str | os.PathLike[str], mode: str = "wb", **options: Any) -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; when the block ends without an
    exception it is flushed to disk and renamed over ``path``, otherwise removed.

    ``mode`` and ``options`` are those of :func:`open` (``"w", encoding="utf-8"`` for text).
    """
    target = Path(path)
    if _special(target):  # renamed over, /dev/full would become a regular file of our bytes
        raise OSError(errno.EINVAL, "not a regular file (a device or a pipe); give the name "
                      "of a file to write", str(target))
    handle, temporary = _temporary_beside(target)
    try:
        with os.fdopen(handle, mode, **options) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        _put_in_place(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def _special(target: Path) -> bool:
    """Whether ``target`` exists and is neither a regular file nor a folder."""
    try:
        mode = target.stat().st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`replacing`)."""
    with replacing(path, "w", encoding=encoding) as out:
        out.write(text)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`replacing`)."""
    with replacing(path, "wb") as out:
        out.write(data)


def replacing_files(folder: str | os.PathLike[str],
                    files: Mapping[str, Callable[[IO], Any]]) -> list[Path]:
    """Write several files into ``folder`` (made if missing), all or nothing.

    ``files`` maps each file name to a function that writes its bytes to an open binary file.
    A new folder is filled under a temporary name and renamed into place whole. In a folder
    that exists already (it may hold the user's other files, which are left alone), every
    file is first written in full to a temporary folder inside it, and only when all are
    written are they renamed into place: an error or a kill while writing leaves the old
    files as they were.
    """
    target = Path(folder)
    fresh = not target.exists()
    for name in files if not fresh else ():  # a folder of a file's name cannot be replaced:
        if (target / name).is_dir():         # refused before any file is put in place
            raise OSError(errno.EISDIR, "is a folder, where a table's file goes; move it or "
                          "give another folder", str(target / name))
    parent = target.parent if fresh else target
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    try:
        for name, write in files.items():
            with open(staging / name, "wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
        if fresh:
            os.chmod(staging, 0o777 & ~_umask())
            os.replace(staging, target)
        else:
            for name in files:
                _put_in_place(str(staging / name), target / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [target / name for name in files]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_writable(path: str | os.PathLike[str], *, folder: bool = False) -> str | None:
    """Why ``path`` could not be written (a file, or with ``folder=True`` a folder of files),
    or None when it can: checked before the work, so a bad ``--output`` costs no audit.

    >>> check_writable("/nonexistent-folder/x/out.xlsx") is not None
    True
    >>> check_writable(".", folder=True), check_writable(".")
    (None, 'it is a folder')
    """
    target = Path(path)
    if target.exists():
        if folder and not target.is_dir():
            return "it is a file, not a folder"
        if not folder and target.is_dir():
            return "it is a folder"
        if not folder and _special(target):
            return "it is not a regular file (a device or a pipe)"
        # a file is replaced by a rename in its folder; a folder gets new files
        where = target if folder else target.parent
        if not os.access(where, os.W_OK | os.X_OK):
            return f"the folder {str(where)!r} cannot be written"
        if not folder and not os.access(target, os.W_OK):
            return "it exists and cannot be written"
        return None
    ancestor = target.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not folder and ancestor != target.parent:
        return f"the folder {str(target.parent)!r} does not exist"
    if not ancestor.is_dir():
        return f"{str(ancestor)!r} is not a folder"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"the folder {str(ancestor)!r} cannot be written"
    return None
