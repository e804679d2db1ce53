"""``.practicegrade/``, our folder in the learner's repository, ignores itself.

Artifacts (``.practicegrade/out/``), the progress review and the showcase are written
there, and ``git add -A`` must never commit them. So the first write into that folder,
whatever the command, gives it a ``.gitignore`` holding ``*`` (which ignores the
``.gitignore`` too: nothing of ours ever shows in ``git status``). Every writer calls
:func:`ignore_own_folder` with the path it writes; paths outside the folder are left
alone. A ``.gitignore`` that exists is the user's and stays as it is, and a symlinked
``.practicegrade`` is not written through. The incremental cache lives in the git
directory (``.git/practicegrade/``), which git never commits.
"""

from __future__ import annotations

from pathlib import Path

OWN_FOLDER = ".practicegrade"
IGNORE_TEXT = "# Written by practicegrade: its artifacts are not part of the project.\n*\n"


def own_folder_of(path: Path) -> Path | None:
    """The nearest ``.practicegrade`` folder that is ``path`` or holds it, if any."""
    absolute = path.absolute()
    return next((p for p in (absolute, *absolute.parents) if p.name == OWN_FOLDER), None)


def ignore_own_folder(path: Path) -> Path | None:
    """Give the ``.practicegrade`` folder ``path`` is in (or is) its ``.gitignore``, creating
    the folder itself when its parent exists; returns the ``.gitignore`` written, if any.

    Never fails a command: a folder that cannot be written to is the writer's error to
    report, with its own words.
    """
    folder = own_folder_of(path)
    if folder is None or folder.is_symlink():
        return None
    ignore = folder / ".gitignore"
    try:
        folder.mkdir(exist_ok=True)
        with ignore.open("x", encoding="utf-8") as stream:
            stream.write(IGNORE_TEXT)
    except OSError:  # FileExistsError included: the user's own file stays
        return None
    return ignore
