"""Bad arguments and bad input the user can fix, and the checks that raise them.

Every ``pii`` subcommand raises :class:`UsageError` for a problem in what the user named (a file, a year,
a province, an option); ``pii.cli.main`` prints it on one line and exits 2. Anything else is a defect and
keeps its traceback.
"""

from __future__ import annotations

import os
import re
from pathlib import Path


class UsageError(ValueError):
    """A bad argument or input; the message says what was given, where, and what is accepted."""


def one_line(message: str) -> str:
    """The message on one line: line breaks (e.g. from a library's error text) become '; '."""
    return re.sub(r"\s*[\r\n]+\s*", "; ", message.strip())


def require_file(path: str | Path, what: str) -> Path:
    """``path`` as a readable file, or a UsageError naming ``what`` it should have been."""
    file = Path(path)
    if not file.exists():
        raise UsageError(f"{what} {file}: no such file")
    if not file.is_file():
        raise UsageError(f"{what} {file} is a folder, not a file")
    if not os.access(file, os.R_OK):
        raise UsageError(f"{what} {file} is not readable")
    return file


def require_output_dir(path: str | Path, what: str) -> Path:
    """``path`` as a folder that exists or can be created (its nearest existing ancestor is a writable folder).

    Nothing is created: a command that fails later leaves no empty folder (see :func:`create_output_dir`).
    """
    folder = Path(path)
    for existing in (folder, *folder.parents):
        if existing.exists():
            if not existing.is_dir():
                raise UsageError(f"{what} {folder}: {existing} is a file, not a folder")
            if not os.access(existing, os.W_OK | os.X_OK):
                raise UsageError(f"{what} {folder}: {existing} is not writable")
            break
    return folder


def create_output_dir(folder: Path, what: str) -> Path:
    """Create ``folder`` once the command has its output; a folder that cannot be made is a usage error.

    Permissions do not tell everything (``/proc``, a read-only mount): the mkdir's own error, on one line.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{what} {folder}: cannot create the folder ({exc.strerror or exc})") from None
    return folder
