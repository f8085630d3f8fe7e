"""Finding input files, naming documents, and the per-transcript metadata CSV."""

from __future__ import annotations

import csv
import glob
import io
import logging
import os
from functools import lru_cache
from pathlib import Path, PurePosixPath

from .base import CONFIG, UNREADABLE, IngestError, Issue
from .decode import read_text
from .spec import InputSpec
from .tables import DOC_FIELDS, cell_text, iso_date, parse_score, sniff_delimiter

__all__ = ["iter_files", "input_root", "document_stem", "load_metadata", "match_metadata", "metadata_fields", "resolve"]

log = logging.getLogger("cxaudit.ingest")

_GLOB_CHARS = set("*?[")
_JUNK = {"thumbs.db", "desktop.ini"}


def resolve(spec: InputSpec, path: str) -> Path:
    """``path`` joined to the spec's ``base_dir`` (absolute paths stay as they are), normalised."""
    return Path(os.path.normpath(Path(spec.base_dir) / path))


def _is_glob(spec: InputSpec, path: str | None = None) -> bool:
    """True when the input's path is a glob pattern: it has ``*``, ``?`` or ``[`` and names no existing
    file or folder (``Interview [p01].txt`` that exists is read as it is written)."""
    path = spec.path if path is None else path
    return any(ch in _GLOB_CHARS for ch in path) and not resolve(spec, path).exists()


def input_root(spec: InputSpec) -> Path:
    """The folder an input's files are found under: the folder itself, a glob's fixed prefix, or a file's parent."""
    root = resolve(spec, spec.path)
    if _is_glob(spec):
        parts = []
        for part in root.parts:
            if any(ch in _GLOB_CHARS for ch in part):
                break
            parts.append(part)
        return Path(*parts) if parts else Path(".")
    return root if root.is_dir() else root.parent


def _skipped(rel: Path) -> bool:
    """True for hidden files or folders (leading '.'), Office lock files (~$…) and OS junk files."""
    return any(p.startswith(".") for p in rel.parts) or rel.name.startswith("~$") or rel.name.casefold() in _JUNK


def _walk(root: Path, unreadable: list[Issue] | None) -> list[Path]:
    """The files under folder ``root``, recursively (symbolic links to folders are not followed),
    hidden ones skipped. A sub-folder that cannot be listed is appended to ``unreadable`` (logged as a
    warning when it is None); ``root`` itself raises IngestError (kind UNREADABLE)."""
    failed: list[OSError] = []
    files = []
    for folder, dirs, names in os.walk(root, onerror=failed.append):
        rel = Path(folder).relative_to(root)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        files.extend(Path(folder) / n for n in names if not _skipped(rel / n))
    for err in failed:
        where = Path(err.filename) if err.filename else root
        reason = f"cannot read folder: {err.strerror or err}; the files in it were not read"
        if where == root:
            raise IngestError(root, None, reason, kind=UNREADABLE)
        issue = Issue(str(where), None, reason, UNREADABLE)
        if unreadable is None:
            log.warning("%s", issue.message)
        else:
            unreadable.append(issue)
    return [p for p in files if p.is_file()]


def _literal_prefix(pattern: Path) -> str:
    """``pattern`` with the glob characters of its leading folders escaped where those folders exist
    as written (``in [x]/*.txt`` finds the files of the folder ``in [x]``)."""
    parts = pattern.parts
    for k in range(len(parts) - 1, 0, -1):
        prefix = Path(*parts[:k])
        if prefix.is_dir():
            return os.path.join(glob.escape(str(prefix)), *parts[k:])
    return str(pattern)


def iter_files(spec: InputSpec, *, unreadable: list[Issue] | None = None) -> list[Path]:
    """The files of an input, sorted: the file itself, a folder's files (recursively) or a glob's matches.

    A path that exists is read as written, even with glob characters in its name. Hidden files and
    folders, Office lock files and the input's own metadata CSV are skipped. Raises IngestError when
    the path does not exist or a glob matches nothing (kind CONFIG), or when the input folder cannot be
    listed (kind UNREADABLE); sub-folders that cannot be listed are appended to ``unreadable``.
    """
    root = resolve(spec, spec.path)
    skip = {os.path.abspath(resolve(spec, spec.metadata))} if spec.metadata else set()
    if _is_glob(spec):
        base = input_root(spec)
        found = [Path(p) for p in glob.glob(_literal_prefix(root), recursive=True)]
        files = [p for p in found if p.is_file() and not _skipped(p.relative_to(base))]
        if not found:
            raise IngestError(root, None, "the glob matched no files", kind=CONFIG)
    elif root.is_dir():
        files = _walk(root, unreadable)
    elif root.is_file():
        return [root]
    else:
        raise IngestError(root, None, f"no such file or folder (resolved to {os.path.abspath(root)})", kind=CONFIG)
    return sorted((p for p in files if os.path.abspath(p) not in skip), key=lambda p: p.as_posix())


def document_stem(path: str | Path, spec: InputSpec) -> str:
    """The file's path relative to ``base_dir`` (else to the input's folder), without suffix, '/'-separated."""
    path = Path(path)
    absolute = os.path.abspath(path)
    for base in (os.path.abspath(spec.base_dir), os.path.abspath(input_root(spec))):
        try:
            inside = os.path.commonpath([absolute, base]) == base
        except ValueError:  # different drives on Windows
            inside = False
        if inside:
            rel = PurePosixPath(Path(os.path.relpath(absolute, base)).as_posix())
            return str(rel.with_suffix("")) if rel.suffix else str(rel)
    return path.stem


@lru_cache(maxsize=32)
def _load_metadata_cached(path: str, mtime_ns: int, size: int, encoding: str | None) -> dict[str, dict]:
    """Rows of a metadata CSV keyed by their `file` value (see :func:`load_metadata`)."""
    text = read_text(path, encoding=encoding)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text[:65536])))
    header = [h.strip().lstrip("\ufeff") for h in records[0]] if records else []
    folded = [h.casefold() for h in header]
    if "file" not in folded:
        raise IngestError(path, 1, f"metadata CSV has no 'file' column; columns are: {', '.join(header) or '(none)'}")
    table = {}
    for number, record in enumerate(records[1:], start=2):
        row = dict(zip(folded, record))
        name = (row.pop("file", "") or "").strip().replace("\\", "/")
        if name:
            table[name] = {"_row": number, **{h: v for h, v in zip(header, record) if h.casefold() != "file"}}
    return table


def load_metadata(spec: InputSpec) -> dict[str, dict]:
    """The input's metadata CSV as {file value: {column: value}}; {} when the input has none.

    Raises IngestError when the file cannot be read or has no `file` column.
    """
    if not spec.metadata:
        return {}
    path = resolve(spec, spec.metadata)
    try:
        st = path.stat()
    except OSError:
        raise IngestError(path, None, "metadata CSV not found", kind=CONFIG) from None
    return _load_metadata_cached(str(path), st.st_mtime_ns, st.st_size, spec.encoding)


def match_metadata(table: dict[str, dict], path: Path, spec: InputSpec) -> dict:
    """The metadata row for ``path``: matched by path relative to the metadata file, then file name, then stem."""
    if not table:
        return {}
    meta_dir = resolve(spec, spec.metadata).parent
    keys = []
    try:
        keys.append(Path(os.path.relpath(os.path.abspath(path), os.path.abspath(meta_dir))).as_posix())
    except ValueError:
        pass
    keys += [path.name, path.stem]
    for key in keys:
        if key in table:
            return table[key]
    return {}


def metadata_fields(row: dict) -> tuple[dict, dict, float | None, str | None]:
    """Split a metadata row into (documents fields, other meta, score, problem with the score or None)."""
    fields, meta, score, problem = {}, {}, None, None
    for column, value in row.items():
        if column == "_row":
            continue
        value = (cell_text(value) or "").strip() or None
        name = column.strip().casefold()
        if name in DOC_FIELDS:
            fields[name] = iso_date(value) if name == "date" and value else value
        elif name == "score":
            score, problem = parse_score(value)
        elif value is not None:
            meta[column] = value
    return fields, meta, score, problem
