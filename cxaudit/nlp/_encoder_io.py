"""Where a sentence encoder's files come from, read with Hugging Face's own libraries.

Part of :mod:`cxaudit.nlp.encoder` (which re-exports everything here). A *source* is one of:

* a local folder in the standard Hugging Face layout: ``config.json``, ``tokenizer.json`` or
  ``vocab.txt``, ``model.safetensors`` (and, when present, sentence-transformers'
  ``sentence_bert_config.json`` and ``1_Pooling/config.json``);
* a hub model id pinned to a commit, ``ORG/NAME@COMMIT`` (the commit's 40 hex digits: a branch or tag
  can move, so it is refused), read from ``huggingface_hub``'s cache;
* ``"minilm"`` or ``"mpnet"``: the official sentence-transformers releases of all-MiniLM-L6-v2 and
  all-mpnet-base-v2 at a pinned commit, whose ``model.safetensors`` must also have the SHA-256 that the
  hub publishes for it (:data:`PINNED`).

cxaudit never downloads at run time: a hub model is read from the cache only (no network), and a
missing one is an :class:`EncoderError` saying how to put it there once, on a machine that is online
(:func:`download`, or ``hf download ORG/NAME --revision COMMIT``).

Weights are read with ``safetensors`` (never a pickle); tokenisation is ``tokenizers``'s (see
:mod:`cxaudit.nlp.encoder`). Both come with the ``encoder`` extra.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cxaudit._extras import MissingExtraError, require
from cxaudit.errors import CxauditError

__all__ = ["EncoderError", "Pinned", "PINNED", "FILES", "HUB_ID", "parse_hub_id", "resolve", "download",
           "encoder_available", "read_weights", "write_weights", "file_sha256", "require_encoder_extra"]


class EncoderError(CxauditError, ValueError):
    """A sentence encoder that cannot be loaded; the message says which file and why."""


#: ``ORG/NAME@COMMIT``: a hub model id pinned to one commit.
HUB_ID = re.compile(r"^(?P<repo>[A-Za-z0-9][\w.-]*/[\w.-]+)@(?P<revision>[0-9a-f]{40})$")
#: The files cxaudit reads from a model (what :func:`download` fetches; nothing else, no other weights format).
FILES = ("config.json", "model.safetensors", "tokenizer.json", "vocab.txt", "tokenizer_config.json",
         "special_tokens_map.json", "sentence_bert_config.json", "modules.json", "1_Pooling/config.json")


@dataclass(frozen=True)
class Pinned:
    """An official release at one commit, and the SHA-256 the hub publishes for its ``model.safetensors``."""

    about: str
    repo: str
    revision: str
    sha256: str

    @property
    def hub_id(self) -> str:
        return f"{self.repo}@{self.revision}"


# The SHA-256 are the hub's LFS object ids of model.safetensors at these commits (the same digests the
# benchmarks' weights had: docs/clues-learned.md, "Where the weights come from").
PINNED = {
    "minilm": Pinned("all-MiniLM-L6-v2 (Apache-2.0; BERT, 6 layers × 384, 22 M parameters, 91 MB)",
                     "sentence-transformers/all-MiniLM-L6-v2", "1110a243fdf4706b3f48f1d95db1a4f5529b4d41",
                     "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
    "mpnet": Pinned("all-mpnet-base-v2 (Apache-2.0; MPNet, 12 layers × 768, 110 M parameters, 438 MB)",
                    "sentence-transformers/all-mpnet-base-v2", "e8c3b32edf5434bc2275fc9bab85f82640a19130",
                    "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"),
}


def require_encoder_extra(what: str = "a sentence encoder") -> None:
    """Raise :class:`EncoderError` (one line, with the install command) when the ``encoder`` extra is missing."""
    try:
        require("encoder", what)
    except MissingExtraError as exc:
        raise EncoderError(str(exc)) from None


def parse_hub_id(source: str) -> tuple[str, str] | None:
    """``(repo, commit)`` of ``ORG/NAME@COMMIT`` (or of a :data:`PINNED` name); None for anything else.

    Raises :class:`EncoderError` for a hub id whose revision is not a full commit hash."""
    if source in PINNED:
        return PINNED[source].repo, PINNED[source].revision
    m = HUB_ID.match(source)
    if m:
        return m["repo"], m["revision"]
    if "@" in source and not Path(source).exists():
        repo, _, rev = source.partition("@")
        raise EncoderError(f"{source}: a hub model needs a pinned revision, the full 40-hex-digit commit "
                           f"(e.g. {repo}@{'0' * 40}), not {rev!r}: a branch or tag can change under you")
    return None


def _download_hint(repo: str, revision: str) -> str:
    return (f"download it once on a machine that is online: hf download {repo} --revision {revision} "
            f"(or python -c \"from cxaudit.nlp.encoder import download; download('{repo}@{revision}')\"), "
            "then copy the Hugging Face cache or point HF_HUB_CACHE at it")


def resolve(source: str | Path) -> Path:
    """The local folder of ``source`` (see the module docstring), without network.

    Raises :class:`EncoderError` when the folder does not exist or a hub model is not in the cache."""
    text = str(source)
    hub = parse_hub_id(text)
    if hub is None:
        path = Path(source)
        if not path.exists():
            raise EncoderError(f"{path}: no such sentence-encoder folder (expected a folder with config.json, "
                               "tokenizer.json or vocab.txt and model.safetensors, or ORG/NAME@COMMIT)")
        if not path.is_dir():
            raise EncoderError(f"{path}: a sentence encoder is a folder in the Hugging Face layout "
                               "(config.json, tokenizer.json or vocab.txt, model.safetensors), not a file")
        return path
    require_encoder_extra(f"the hub model {text}")
    # the encoder extra (huggingface_hub), checked just above
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    repo, revision = hub
    try:
        return Path(snapshot_download(repo, revision=revision, local_files_only=True))
    except LocalEntryNotFoundError:
        raise EncoderError(f"{text}: not in the Hugging Face cache on this machine "
                           f"(cxaudit never downloads at run time); {_download_hint(repo, revision)}") from None


def download(source: str) -> Path:
    """Download a hub model (``ORG/NAME@COMMIT``, ``"minilm"`` or ``"mpnet"``) into huggingface_hub's cache
    (only :data:`FILES`) and return its folder. Needs the network: run it once, on a machine that is online;
    a :data:`PINNED` model's weights are then checked against the published SHA-256."""
    hub = parse_hub_id(str(source))
    if hub is None:
        raise EncoderError(f"{source}: expected ORG/NAME@COMMIT or one of {', '.join(PINNED)}")
    require_encoder_extra(f"downloading {source}")
    from huggingface_hub import snapshot_download  # the encoder extra, checked just above

    folder = Path(snapshot_download(hub[0], revision=hub[1], allow_patterns=list(FILES)))
    pinned = PINNED.get(str(source))
    if pinned is not None:
        digest = file_sha256(folder / "model.safetensors")
        if digest != pinned.sha256:
            raise EncoderError(f"{folder}/model.safetensors: SHA-256 {digest}, but the release publishes "
                               f"{pinned.sha256}; cxaudit refuses these weights")
    return folder


def encoder_available(source: str | Path) -> bool:
    """Whether :meth:`SentenceEncoder.load` can find ``source`` here, without loading it and without network:
    the ``encoder`` extra is installed and the folder exists, or the hub model is in the cache."""
    try:
        require_encoder_extra()
        resolve(source)
    except EncoderError:
        return False
    return True


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_weights(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a ``model.safetensors`` file as NumPy arrays (read by ``safetensors``)."""
    # the encoder extra (safetensors)
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError, TypeError) as exc:
        raise EncoderError(f"{path}: not a readable safetensors file ({exc})") from None


def write_weights(path: Path, tensors: dict[str, np.ndarray]) -> None:
    """Write NumPy arrays as a ``model.safetensors`` file (by ``safetensors``; PyTorch's metadata, so other
    tools read it as a PyTorch checkpoint)."""
    from safetensors.numpy import save_file  # the encoder extra

    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(path), metadata={"format": "pt"})
