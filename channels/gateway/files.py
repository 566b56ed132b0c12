"""Files the gateway keeps at rest (databases, their write-ahead logs, logs, keys) are
readable by its own user only: the run folder 0700, each file 0600."""
from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
# SQLite's companions of a database file: they hold the same data
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def private_dir(path: str | Path) -> Path:
    """The folder, made if needed, for its owner only."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    os.chmod(path, DIR_MODE)
    return path


def private_file(path: str | Path) -> None:
    """An existing file for its owner only (nothing when it is not there)."""
    try:
        os.chmod(path, FILE_MODE)
    except FileNotFoundError:
        pass


def private_database(path: str | Path) -> None:
    """A SQLite file and its write-ahead log, shared memory and journal."""
    for suffix in SQLITE_SUFFIXES:
        private_file(f"{path}{suffix}")


def write_private(path: str | Path, text: str) -> None:
    """Write a new file that nobody else could read at any moment (made 0600)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)
