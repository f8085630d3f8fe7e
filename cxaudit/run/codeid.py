"""Which cxaudit code a run uses: the package's files and a digest of their contents.

A rerun reuses what an earlier run computed (a document's analysis rows, the compare tables, or the
whole run when nothing changed) only when the code that would compute it again is the same. The version
number alone does not say so: a working tree edited by hand, a ``git pull`` or a checkout of another
commit keep ``0.1.0`` while the analysis changes. So the per-document fingerprints and the compare key
hold :func:`code_digest` (a digest of every file of the package), the rerun manifest holds the
identity of each of those files (:func:`package_files`), and the pipeline cache is named by the same
digest (:mod:`cxaudit.run.engine`). On an installed cxaudit the files never change, so nothing is
analysed again; the digest costs about 15 ms (138 files, 1.8 MB).

A file edited while a run is under way is not told apart: the run records the new files' digest
beside rows its modules (loaded before the edit) computed. The pipeline cache guards against that
(:func:`code_unchanged_since_import`); the fingerprints do not, because a process that stays up (a
notebook, a test session) while the files are edited would then analyse everything at every run.

Only the standard library is imported here (the rerun manifest is checked before anything heavy loads).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cxaudit

__all__ = ["package_root", "package_files", "code_digest", "code_unchanged_since_import"]


def package_root() -> Path:
    """The folder of the cxaudit package this process imported."""
    return Path(cxaudit.__file__).resolve().parent


def package_files() -> tuple[Path, list[Path]]:
    """The package's folder and every file in it (code, lexicons, bundled codebooks, templates), sorted;
    compiled ``__pycache__`` files left out."""
    root = package_root()
    return root, sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


_DIGESTS: dict[tuple, str] = {}  # the files' (path, size, mtime, ctime) -> their digest, in this process


def code_digest() -> str:
    """SHA-256 of every file of the cxaudit package (paths and contents): any change to them, even
    without a new version number, gives another digest. Read again only when a file's size or times
    changed since the last call in this process (a run asks several times)."""
    root, files = package_files()
    try:
        stats = tuple((str(p), st.st_size, st.st_mtime_ns, st.st_ctime_ns) for p in files for st in [p.stat()])
    except OSError:
        stats = None
    if stats is not None and stats in _DIGESTS:
        return _DIGESTS[stats]
    h = hashlib.sha256()
    for path in files:
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest = h.hexdigest()
    if stats is not None:
        _DIGESTS.clear()
        _DIGESTS[stats] = digest
    return digest


def code_unchanged_since_import() -> bool:
    """True when no file of the package changed since this process imported cxaudit (with a second's
    margin): the modules in memory are then the files :func:`code_digest` reads."""
    try:
        newest = max(p.stat().st_mtime for p in package_files()[1])
    except (OSError, ValueError):
        return False
    return newest < cxaudit._IMPORTED_AT - 1.0  # read at each call (tests set it)
