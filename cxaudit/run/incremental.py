"""Which input files changed since the last run, so unchanged files are neither read nor redacted again.

A file is unchanged when its path, size and modification time are those the
previous run recorded (table ``file_state``) under the same reading options
(its input's options, the metadata CSV's content, the speaker-role lists, the
default wave, the redaction setting, the cxaudit version and the digest of
its files, :func:`cxaudit.run.codeid.code_digest`). Its documents,
turns and rejected rows are then taken from the previous store as they were
stored (already redacted). Everything else is read again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxaudit import __version__
from cxaudit.clues.codebook import load_codebook
from cxaudit.ingest.base import UNREADABLE, IngestError, Issue
from cxaudit.ingest.files import _is_glob, input_root, iter_files, resolve
from cxaudit.ingest.spec import InputSpec, RoleConfig

from .codeid import code_digest, package_files
from .rerun import package_dirs

__all__ = ["STATE_TABLE", "FilePlan", "plan_files", "reading_key"]

STATE_TABLE = "file_state"
#: Bumped when the readers' output changes for the same file (2: empty survey answers are kept),
#: so that files recorded by an older reader are read again.
READER_VERSION = 2


@dataclass
class FilePlan:
    """``changed``: specs to read (one per changed file, plus inputs that could not be listed,
    so that ingest reports them); ``unchanged``: source paths whose stored rows are reused;
    ``unreadable``: folders (and files) that exist but could not be listed (permissions, I/O errors):
    the documents read from them before are kept; ``state``: this run's file_state rows (path,
    size, mtime_ns, key)."""

    changed: list[InputSpec] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unreadable: list[Issue] = field(default_factory=list)
    state: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["path", "size", "mtime_ns", "key"]))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


def reading_key(spec: InputSpec, roles: RoleConfig, wave: str | None, redact: bool) -> str:
    """Hash of every option that changes how a file of ``spec`` is read into tables."""
    options = dataclasses.asdict(spec)
    options.pop("path")
    if spec.metadata:
        options["metadata_digest"] = _digest(Path(resolve(spec, spec.metadata)))
    payload = {"spec": options, "roles": dataclasses.asdict(roles), "wave": wave, "redact": redact,
               "version": __version__, "reader": READER_VERSION, "code": code_digest()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _file_spec(spec: InputSpec, path: Path) -> InputSpec:
    """A spec that reads only ``path`` and names its document exactly as the whole input would."""
    base = os.path.abspath(spec.base_dir)
    inside = os.path.commonpath([os.path.abspath(path), base]) == base
    return dataclasses.replace(
        spec, path=str(path),
        base_dir=spec.base_dir if inside else str(input_root(spec)),  # document_stem's fallback, kept
        metadata=str(resolve(spec, spec.metadata)) if spec.metadata else None,
    )


def plan_files(specs: list[InputSpec], *, roles: RoleConfig, wave: str | None, redact: bool,
               previous: pd.DataFrame | None) -> FilePlan:
    """Split the inputs' files into changed (to read) and unchanged (to reuse), given the previous
    run's ``file_state`` table (None: read everything)."""
    known: set[tuple] = set()
    if previous is not None and len(previous):
        known = set(zip(previous["path"].astype(str), previous["size"].astype("int64"),
                        previous["mtime_ns"].astype("int64"), previous["key"].astype(str)))
    plan = FilePlan()
    rows = []
    for spec in specs:
        try:
            files = iter_files(spec, unreadable=plan.unreadable)
        except IngestError as e:
            if e.kind == UNREADABLE:
                plan.unreadable.append(Issue(e.path, e.line, e.reason, e.kind))
            else:
                plan.changed.append(spec)  # ingest reports the problem with its usual message
            continue
        key = reading_key(spec, roles, wave, redact)
        for path in files:
            try:
                stat = path.stat()
            except OSError as e:  # listed, but its folder cannot be searched
                plan.unreadable.append(Issue(str(path), None, f"cannot read file: {e.strerror or e}", UNREADABLE))
                continue
            row = (str(path), int(stat.st_size), int(stat.st_mtime_ns), key)
            rows.append(row)
            if row in known:
                plan.unchanged.append(str(path))
            else:
                plan.changed.append(_file_spec(spec, path))
    plan.state = pd.DataFrame(rows, columns=["path", "size", "mtime_ns", "key"])
    return plan


def dependencies(config, base_model: str) -> tuple[list[str], list[str]]:
    """What a run of ``config`` depends on besides its options, for the rerun manifest
    (:mod:`cxaudit.run.rerun`): the files it reads (and the folders packages are installed in), and the
    folders whose every sub-folder's listing matters (the inputs' folders, a learned tagger, a model
    given as a path).

    Raises :class:`~cxaudit.ingest.base.IngestError` or OSError when an input cannot be listed: a run
    that meets an unreadable input writes no manifest."""
    files: list[str] = [config.path] if config.path else []
    trees: list[str] = []
    for spec in config.inputs:
        issues: list[Issue] = []
        files += [str(p) for p in iter_files(spec, unreadable=issues)]
        if issues:
            raise IngestError(issues[0].path, issues[0].line, issues[0].reason, kind=issues[0].kind)
        if resolve(spec, spec.path).is_dir() or _is_glob(spec):
            trees.append(str(input_root(spec)))
        if spec.metadata:
            files.append(str(resolve(spec, spec.metadata)))
    for ref in config.codebooks:
        files += [str(Path(ref).resolve()), str(load_codebook(ref).path)]  # a file named like a bundled one
    if config.desired:
        files.append(config.desired)
    if config.tagger:
        trees.append(config.tagger)
        files += [str(p) for p in Path(config.tagger).rglob("*") if p.is_file()]
    if base_model not in ("blank",) and Path(base_model).exists():
        trees.append(base_model)
        files += [str(p) for p in Path(base_model).rglob("*") if p.is_file()]
    files += package_dirs()  # their own listing only: a package installed or removed changes it
    files += [str(p) for p in package_files()[1]]  # cxaudit's own files: edited code is another run
    return files, trees
