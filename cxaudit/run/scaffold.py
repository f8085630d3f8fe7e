"""``cxaudit init DIR``: scaffold a new audit project a researcher can fill in."""

from __future__ import annotations

import shutil
from pathlib import Path

from cxaudit.clues.codebook import load_codebook
from cxaudit.store import atomic_write_text

__all__ = ["init_audit"]

AUDIT_YML = """\
# cxaudit audit file. Paths are relative to this file. Docs: docs/architecture.md
name: {name}
wave: {wave}                  # label of this round of interviews (compare waves later)
model: auto                   # auto uses an installed spaCy pipeline (en_core_web_sm …) if any, else a blank one
redact: true                  # replace names, e-mails, phone, card and account numbers before anything is stored
codebooks:
  - codebooks/carbone-clues.yml   # your editable copy of the clue codebook
  - touchpoints
  - points-of-connection
  - disloyalty-basics
desired: desired.yml
roles:
  interviewer: [Interviewer, Moderator, Facilitator, Q]   # add your researchers' names as they appear in transcripts
  participant: []
inputs:
  - path: inputs/interviews   # transcripts: .txt .vtt .srt .docx
    kind: interview
  # - path: inputs/comments.csv
  #   kind: comment
  #   text_column: comment
  #   id_column: response_id
  #   score_column: nps
  #   meta_columns: [segment, channel, date]
"""

DESIRED_YML = """\
# The desired experience: what customers should feel, and the level each dimension should reach.
# The experience motif: three to six feeling words from the feelings lexicon
# (e.g. reassured, valued, effortless, confident, welcome, respected, relaxed, in control).
motif: [reassured, valued, effortless]

# Which codebooks' dimensions to compare (names as in audit.yml).
lenses: [carbone-clues, touchpoints, points-of-connection, disloyalty-basics]

# Desired level on the sentiment scale (-1 very negative … +1 very positive) where no target is given.
default_target: 0.5

# Optional targets: the most specific one wins.
targets:
  # - {clue_type: humanic, target: 0.7}
  # - {code: functional.billing, target: 0.6}
  # - {touchpoint: get-help, target: 0.6}

# How importance is measured: share_of_mentions, share_of_desired (what customers ask for) or driver (NPS).
importance: share_of_mentions

# Where the Importance–Performance crosshairs sit: mean, or {importance: 0.1, performance: 0.0}
crosshairs: mean
"""

README = """\
# {name}

A cxaudit audit project.

1. Put interview transcripts (.txt, .vtt, .srt, .docx) in `inputs/interviews/`; add comment tables
   (CSV, XLSX, JSON) to `inputs/` and list them under `inputs:` in `audit.yml`.
2. Write the experience motif and targets in `desired.yml`.
3. Edit the clue codebook in `codebooks/carbone-clues.yml` for your industry (`cxaudit codebook check` it).
4. Run `cxaudit run audit.yml` (results go to `results/`; reruns only re-analyse what changed).
5. Look: `cxaudit dashboard results` or `cxaudit report results --out report.html`.

`results-private/redaction-map.csv` (beside `results/`, never inside it) maps placeholders back to real
names: keep it private; `results/` can be shared.
"""


def init_audit(directory: str | Path, *, name: str | None = None, wave: str = "wave-1") -> list[Path]:
    """Create an audit project in ``directory``; returns the paths created.

    Raises ``FileExistsError`` when ``directory`` already holds an ``audit.yml``.
    """
    root = Path(directory)
    if (root / "audit.yml").exists():
        raise FileExistsError(f"{root / 'audit.yml'} already exists; choose an empty folder")
    name = name or root.resolve().name.replace("-", " ").replace("_", " ").strip() or "cxaudit audit"
    made: list[Path] = []
    for sub in ("inputs/interviews", "codebooks", "results"):
        (root / sub).mkdir(parents=True, exist_ok=True)
        made.append(root / sub)
    made.append(atomic_write_text(root / "audit.yml", AUDIT_YML.format(name=name, wave=wave)))
    made.append(atomic_write_text(root / "desired.yml", DESIRED_YML))
    made.append(atomic_write_text(root / "README.md", README.format(name=name)))
    source = Path(load_codebook("carbone-clues").path)
    target = root / "codebooks" / "carbone-clues.yml"
    shutil.copyfile(source, target)
    made.append(target)
    return made
