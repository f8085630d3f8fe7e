"""Know that nothing changed since the last run before importing spaCy, pandas or DuckDB.

After a run, ``cxaudit run`` writes ``DIR/.cxaudit-rerun.json`` (the *rerun manifest*): a key of the
command's options, and the identity (inode, size, modification and change times) of everything the
run depended on, taken **before** it read anything: ``audit.yml``, every input file that was read,
every folder under the inputs (a file added, removed or renamed changes its folder's times), the
metadata tables, the desired file, the codebooks, the learned tagger and a model given as a path, and
the folders packages are installed in (installing or removing a spaCy pipeline changes what
``model: auto`` means), and every file of the cxaudit package itself (an edited checkout is other code,
whatever its version number: :mod:`cxaudit.run.codeid`). It also records the identity of what the run
wrote: the store, ``rejected.csv`` and the redaction map, taken after they were written.

The next ``cxaudit run`` with the same options compares those identities with the files' own
(:func:`unchanged`), which costs a few ``stat`` calls and no heavy import. When all are equal it says
that nothing changed and exits with the previous run's status, without opening the store. Anything
else — a file touched, a folder listed differently, a permission changed (the change time moves),
another store written, the manifest missing or unreadable — means the usual run, which reuses what it
can. A file changed in the same instant as the snapshot cannot be told apart by its times, so a
manifest whose snapshot is that recent to any of its files is not trusted (:data:`RACY_NS`).

Only the standard library is imported here.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Iterable

from cxaudit import __version__
from cxaudit.store import atomic_write_text  # light: no pandas or DuckDB (cxaudit/store/__init__.py)

__all__ = ["MANIFEST", "FORMAT", "run_key", "identity", "snapshot", "unchanged", "write_manifest",
           "package_dirs", "previous_pipeline"]

MANIFEST = ".cxaudit-rerun.json"
FORMAT = 1
#: A file whose change time is this close to the snapshot (or later) may have changed again within the
#: same tick of the file system's clock: a manifest holding one is not trusted.
RACY_NS = 1_000_000_000


def run_key(options: dict[str, Any]) -> str:
    """Hash of the command's options that change results, with the folder they are relative to, the
    cxaudit version and the Python interpreter."""
    payload = {"options": options, "cwd": os.getcwd(), "version": __version__, "python": sys.executable,
               "format": FORMAT}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def identity(path: str | os.PathLike) -> list[int] | None:
    """``[is_dir, inode, size, mtime_ns, ctime_ns]`` of ``path`` (following links), or None when it is missing."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [int(os.path.isdir(path)), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def package_dirs() -> list[str]:
    """The folders on ``sys.path`` that packages are installed in."""
    return sorted({p for p in sys.path if p and p.rstrip(os.sep).endswith(("site-packages", "dist-packages"))
                   and os.path.isdir(p)})


def _walk_dirs(root: str, skip: set[str]) -> Iterable[str]:
    """Every folder under ``root`` (itself included) but those in ``skip`` and below; raises OSError
    when one cannot be listed."""
    def fail(exc: OSError) -> None:
        raise exc

    for folder, dirs, _files in os.walk(root, onerror=fail):
        dirs[:] = [d for d in dirs if os.path.join(folder, d) not in skip]
        yield folder


def snapshot(files: Iterable[str | os.PathLike], trees: Iterable[str | os.PathLike] = (), *,
             skip: Iterable[str | os.PathLike] = ()) -> dict[str, Any]:
    """The identities of ``files`` and of every folder under ``trees`` (but the folders ``skip``, e.g.
    the results folder when it lies inside an input folder), and the time they were taken.

    Raises OSError when a folder cannot be listed (then no manifest can vouch for it)."""
    taken = time.time_ns()
    entries: dict[str, list[int] | None] = {}
    skipped = {os.path.abspath(p) for p in skip}
    for tree in trees:
        tree = os.path.abspath(tree)
        if os.path.isdir(tree):
            for folder in _walk_dirs(tree, skipped):
                entries[folder] = identity(folder)
        else:
            entries[tree] = identity(tree)
    for path in files:
        path = os.path.abspath(path)
        entries[path] = identity(path)
    return {"taken_ns": taken, "entries": entries}


def _outputs(paths: Iterable[str | os.PathLike]) -> dict[str, list[int] | None]:
    return {os.path.abspath(p): identity(p) for p in paths}


def write_manifest(out_dir: str | os.PathLike, key: str, deps: dict[str, Any], outputs: Iterable[str | os.PathLike],
                   summary: dict[str, Any]) -> Path:
    """Write the rerun manifest of ``out_dir`` atomically: ``deps`` from :func:`snapshot` taken before the
    run read anything, the identities of ``outputs`` now (after they were written), and ``summary``
    (what the run printed: counts, exit status, rejected lines)."""
    manifest = {"format": FORMAT, "key": key, "deps": deps, "outputs": _outputs(outputs), "summary": summary}
    return atomic_write_text(Path(out_dir) / MANIFEST, json.dumps(manifest, sort_keys=True))


def remove_manifest(out_dir: str | os.PathLike) -> None:
    """Forget the manifest (the next run then compares nothing and runs as usual)."""
    try:
        (Path(out_dir) / MANIFEST).unlink(missing_ok=True)
    except OSError:
        pass


def unchanged(out_dir: str | os.PathLike, key: str) -> dict[str, Any] | None:
    """The previous run's summary when ``out_dir``'s manifest has ``key`` and every file it names is as it
    was; None otherwise (no manifest, other options, anything changed, or a snapshot too recent to trust)."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT or manifest.get("key") != key:
            return None
        deps, outputs = manifest["deps"], manifest["outputs"]
        taken = int(deps["taken_ns"])
        for path, before in [*deps["entries"].items(), *outputs.items()]:
            now = identity(path)
            if now != before:
                return None
        for path, before in deps["entries"].items():
            if before is not None and max(before[3], before[4]) > taken - RACY_NS:
                return None
        return manifest["summary"]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def previous_pipeline(out_dir: str | os.PathLike, key: str) -> dict[str, Any] | None:
    """The pipeline (``model``, ``codebooks``, ``tagger``) the last run into ``out_dir`` used, when its
    manifest has ``key`` (the same command); None otherwise. What a rerun most likely needs again: it
    starts loading it at once (:mod:`cxaudit.run.warm`), and analyses in its own process when its
    settings name another one."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT or manifest.get("key") != key:
            return None
        pipeline = manifest["summary"]["pipeline"]
        model, codebooks, tagger = pipeline["model"], pipeline["codebooks"], pipeline["tagger"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(model, str) or not isinstance(codebooks, list) \
            or not all(isinstance(c, str) for c in codebooks) or not (tagger is None or isinstance(tagger, str)):
        return None
    return {"model": model, "codebooks": codebooks, "tagger": tagger}
