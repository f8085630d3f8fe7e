"""The tidy tables that travel between cxaudit's stages.

Every stage is a function from tables to tables. The tables are pandas
DataFrames in long form (one row per observation); their columns are written
down once, here, and checked at stage boundaries with :func:`validate`.

Offsets are character offsets into a ``str`` (Python code points):

* ``sentences.start_char`` / ``end_char`` index into the text of the turn
  (``turns.text``) the sentence comes from;
* ``tags.start_char`` / ``end_char`` and ``feelings.start_char`` / ``end_char``
  index into the sentence text (``sentences.text``), so
  ``sentence_text[start_char:end_char] == evidence`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxaudit.errors import CxauditError

__all__ = [
    "Column",
    "Schema",
    "SchemaError",
    "SCHEMAS",
    "DOCUMENTS",
    "TURNS",
    "SENTENCES",
    "FEELINGS",
    "TAGS",
    "GAPS",
    "REJECTED",
    "empty",
    "validate",
    "conform",
    "CLUE_TYPES",
    "ROLES",
    "ANALYSED_ROLES",
    "MODES",
    "VALENCES",
    "METHODS",
    "FEELING_SOURCES",
]

CLUE_TYPES = ("functional", "mechanic", "humanic", "none")
ROLES = ("interviewer", "participant", "unknown")
#: The roles whose turns are analysed as the customer's experience (interviewer turns are context).
ANALYSED_ROLES = ("participant", "unknown")
MODES = ("current", "desired", "question", "other")
VALENCES = ("negative", "neutral", "positive", "mixed")
METHODS = ("rule", "model", "manual")
#: Where a tag's feeling was read (``tags.feeling_from``): for rule tags the scope of
#: ``cxaudit.clues._rules.clue_feeling`` (docs/language.md, "Feeling per clue"), ``model`` for the learned tagger.
FEELING_SOURCES = ("clause", "strong", "sentence", "contrast", "absence", "follow", "cost", "mixed", "none", "model")


class SchemaError(CxauditError, ValueError):
    """A table does not have the columns or values its schema promises."""


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # "string", "Int64", "Float64", "boolean"
    description: str
    nullable: bool = True
    allowed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Schema:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def to_markdown(self) -> str:
        """The schema as a Markdown table (used by the docs)."""
        lines = ["| column | type | description |", "|---|---|---|"]
        for c in self.columns:
            allowed = f" One of: {', '.join(c.allowed)}." if c.allowed else ""
            lines.append(f"| {c.name} | {c.dtype} | {c.description}{allowed} |")
        return "\n".join(lines)


S, I, F, B = "string", "Int64", "Float64", "boolean"

DOCUMENTS = Schema(
    "documents",
    "One row per input document: an interview transcript, or one comment of a comment table.",
    (
        Column("doc_id", S, "Stable document id: the id column's value for comment tables, else derived from the file path.", nullable=False),
        Column("source", S, "Path of the file the document was read from.", nullable=False),
        Column("kind", S, "interview, comment, review, chat, … (from the input's options).", nullable=False),
        Column("participant", S, "The participant (pseudonym when redaction is on); null when unknown."),
        Column("segment", S, "Segment or persona, from metadata."),
        Column("channel", S, "Channel the document came through, from metadata."),
        Column("wave", S, "Audit wave label (e.g. 2026-Q3)."),
        Column("date", S, "Date of the interview or comment, ISO 8601 when parseable, else as given."),
        Column("score", F, "A 0–10 score such as NPS likelihood to recommend; null when absent."),
        Column("meta", S, "Other metadata columns the user asked to keep, as a JSON object."),
        Column("content_hash", S, "SHA-256 of the document's normalised content, for incremental reruns.", nullable=False),
    ),
    key=("doc_id",),
)

TURNS = Schema(
    "turns",
    "One row per speaker turn. A comment is a document with one turn.",
    (
        Column("doc_id", S, "Document the turn belongs to.", nullable=False),
        Column("turn_id", I, "0-based position of the turn in its document.", nullable=False),
        Column("speaker", S, "Speaker label as written (pseudonymised when redaction is on); null when unlabelled."),
        Column("role", S, "Speaker role.", nullable=False, allowed=ROLES),
        Column("start_s", F, "Start time in seconds, when the source has timestamps."),
        Column("end_s", F, "End time in seconds, when the source has timestamps."),
        Column("line", I, "1-based line (or row, or paragraph) in the source where the turn starts."),
        Column("text", S, "What was said, whitespace normalised.", nullable=False),
    ),
    key=("doc_id", "turn_id"),
)

SENTENCES = Schema(
    "sentences",
    "One row per sentence of a participant or unknown-role turn.",
    (
        Column("sentence_id", S, "Stable id '<doc_id>#<turn_id>.<n>'.", nullable=False),
        Column("doc_id", S, "Document.", nullable=False),
        Column("turn_id", I, "Turn within the document.", nullable=False),
        Column("text", S, "Sentence text.", nullable=False),
        Column("start_char", I, "Offset of the sentence in the turn's text.", nullable=False),
        Column("end_char", I, "End offset (exclusive) in the turn's text.", nullable=False),
        Column("sentiment", F, "Sentence polarity, -1 … 1.", nullable=False),
        Column("valence", S, "Sentence valence.", nullable=False, allowed=VALENCES),
        Column("mode", S, "current: what happened or is; desired: wishes, needs, suggestions; question; other.", nullable=False, allowed=MODES),
        Column("effort", B, "True when the sentence describes customer effort.", nullable=False),
        Column("effort_phrase", S, "The phrase that signalled effort, when any."),
        Column("n_words", I, "Number of word tokens.", nullable=False),
    ),
    key=("sentence_id",),
)

FEELINGS = Schema(
    "feelings",
    "One row per experience-feeling word found in a sentence (from the feelings lexicon).",
    (
        Column("sentence_id", S, "Sentence.", nullable=False),
        Column("doc_id", S, "Document.", nullable=False),
        Column("feeling", S, "Canonical feeling (e.g. 'valued', 'ignored').", nullable=False),
        Column("axis", S, "The pair of opposites it belongs to, e.g. 'valued/ignored'.", nullable=False),
        Column("pole", I, "+1 for the desirable pole of the axis, -1 for its opposite (after negation).", nullable=False),
        Column("negated", B, "True when the word was negated ('did not feel valued').", nullable=False),
        Column("start_char", I, "Offset in the sentence text.", nullable=False),
        Column("end_char", I, "End offset in the sentence text.", nullable=False),
        Column("evidence", S, "The matched text.", nullable=False),
    ),
    key=("sentence_id", "feeling", "start_char"),
)

TAGS = Schema(
    "tags",
    "One row per experience clue (or other code) found in a sentence.",
    (
        Column("sentence_id", S, "Sentence the clue is in.", nullable=False),
        Column("doc_id", S, "Document.", nullable=False),
        Column("codebook", S, "Codebook name (e.g. carbone-clues, touchpoints).", nullable=False),
        Column("code", S, "Code id within the codebook.", nullable=False),
        Column("clue_type", S, "Carbone clue type of the code.", nullable=False, allowed=CLUE_TYPES),
        Column("touchpoint", S, "Touchpoint code found in the same sentence (else turn), when tagged."),
        Column("start_char", I, "Offset of the evidence in the sentence text (null for sentence-level model tags)."),
        Column("end_char", I, "End offset in the sentence text."),
        Column("evidence", S, "The matched text (the whole sentence for sentence-level tags).", nullable=False),
        Column("polarity", F, "Polarity scoped to the clue's clause, -1 … 1.", nullable=False),
        Column("valence", S, "Valence of the clue mention.", nullable=False, allowed=VALENCES),
        Column("mode", S, "Mode of the sentence.", nullable=False, allowed=MODES),
        Column("method", S, "How the tag was made.", nullable=False, allowed=METHODS),
        Column("confidence", F, "0 … 1.", nullable=False),
        Column("feeling_from", S, "Where the feeling was read: the clue's own clause (clause), the strong clause "
               "or the sentence it shares with other words (strong, sentence), the opposite of the clause across a "
               "contrast (contrast), a missing thing or a failed action (absence), the next sentence of the turn "
               "(follow), a cost named with no judgement (cost: its code says so), both feelings (mixed), nowhere "
               "(none: neutral); model for the learned tagger; null for "
               "manual codes and tables written before it was recorded.", allowed=FEELING_SOURCES),
    ),
    key=("sentence_id", "codebook", "code", "start_char", "method"),
)

GAPS = Schema(
    "gaps",
    "One row per dimension of the current-versus-desired comparison.",
    (
        Column("lens", S, "Codebook the dimension comes from.", nullable=False),
        Column("level", S, "clue_type, code, touchpoint or clue_type x touchpoint.", nullable=False),
        Column("dimension", S, "The dimension's label.", nullable=False),
        Column("n", I, "Clue mentions in current mode.", nullable=False),
        Column("n_participants", I, "Distinct participants (documents for comments) behind those mentions.", nullable=False),
        Column("current", F, "Mean clause-scoped polarity of current-mode mentions (-1 … 1)."),
        Column("share_negative", F, "Share of current-mode mentions with negative valence."),
        Column("desired", F, "Target level on the same scale.", nullable=False),
        Column("gap", F, "current - desired: negative is a shortfall."),
        Column("ci_low", F, "Lower bound of the 95 % bootstrap interval of the gap (resampling participants)."),
        Column("ci_high", F, "Upper bound."),
        Column("importance", F, "Importance of the dimension (see compare.importance)."),
        Column("quadrant", S, "Importance–Performance quadrant."),
        Column("priority", I, "1 = fix first."),
        Column("warning", S, "Why the figure should be read with care (small sample …), else null."),
        Column("group_by", S, "Grouping column the row is computed within ('all' for the whole audit).", nullable=False),
        Column("group", S, "Value of the grouping column ('all' for the whole audit, '(missing)' for nulls).", nullable=False),
        Column("clue_type", S, "Clue type of the dimension when it has one (for colours), else 'none'."),
        Column("touchpoint", S, "Touchpoint of the dimension when it has one."),
        Column("n_desired", I, "Desired-mode mentions of the dimension (what customers say they want).", nullable=False),
        Column("crosshair_importance", F, "Importance crosshair of the IPA chart for this lens, level and group."),
        Column("crosshair_performance", F, "Performance crosshair of the IPA chart for this lens, level and group."),
    ),
    key=("lens", "level", "dimension", "group_by", "group"),
)

REJECTED = Schema(
    "rejected",
    "One row per input (or part of an input) that could not be read.",
    (
        Column("path", S, "File.", nullable=False),
        Column("line", I, "Line, row or paragraph where the problem is, when it has one."),
        Column("reason", S, "What is wrong, in words a researcher can act on.", nullable=False),
    ),
    key=("path", "line"),
)

SCHEMAS: dict[str, Schema] = {
    s.name: s for s in (DOCUMENTS, TURNS, SENTENCES, FEELINGS, TAGS, GAPS, REJECTED)
}


def empty(schema: Schema) -> pd.DataFrame:
    """An empty DataFrame with the schema's columns and dtypes."""
    return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in schema.columns})


def conform(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Return ``df`` with the schema's columns, in order, cast to their dtypes.

    Columns the schema does not name are dropped; missing nullable columns are
    added as nulls. Raises :class:`SchemaError` when a non-nullable column is
    missing.
    """
    missing = [c.name for c in schema.columns if c.name not in df.columns and not c.nullable]
    if missing:
        raise SchemaError(f"{schema.name}: missing required column(s) {missing}; found {list(df.columns)}")
    out = {}
    n = len(df)
    for c in schema.columns:
        if c.name in df.columns:
            s = df[c.name]
            if c.dtype == "string" and not _all_text(s):
                s = s.astype("object").where(s.notna(), None)
                s = s.map(lambda v: v if v is None or isinstance(v, str) else str(v))
            out[c.name] = s.astype(c.dtype).reset_index(drop=True)
        else:
            out[c.name] = pd.Series([pd.NA] * n, dtype=c.dtype)
    return pd.DataFrame(out)


def _all_text(s: pd.Series) -> bool:
    """True when every non-null value of ``s`` is already a ``str`` (one C-level pass), so
    casting to "string" needs no per-value conversion."""
    if isinstance(s.dtype, pd.StringDtype):
        return True
    return pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")


def validate(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Check ``df`` against ``schema`` and return it conformed (see :func:`conform`).

    Raises :class:`SchemaError` naming the table, the column and what was found
    when a required column is missing or null, or a value is outside the
    column's allowed set.
    """
    out = conform(df, schema)
    for c in schema.columns:
        col = out[c.name]
        if not c.nullable and col.isna().any():
            bad = int(col.isna().sum())
            raise SchemaError(f"{schema.name}.{c.name}: {bad} null value(s) in a required column")
        if c.allowed is not None:
            vals = set(col.dropna().unique()) - set(c.allowed)
            if vals:
                raise SchemaError(
                    f"{schema.name}.{c.name}: unexpected value(s) {sorted(vals)[:5]}; expected one of {list(c.allowed)}"
                )
    return out


def tables_markdown() -> str:
    """All schemas as one Markdown document (``docs/tables.md`` is generated from it)."""
    parts = [
        "# Tables",
        "",
        "Generated from `cxaudit/schemas.py` (`python -c \"import cxaudit.schemas as s; print(s.tables_markdown())\"`);",
        "a test keeps this page and the code in step. The compare stage's extra tables (motif, scorecards, nps,",
        "drivers, waves, clue_map) are documented in `docs/compare.md`.",
        "",
        "Offsets: `sentences` offsets index the turn text; `tags` and `feelings` offsets index the sentence",
        "text, so `sentence.text[start_char:end_char] == evidence`.",
    ]
    for schema in SCHEMAS.values():
        key = ", ".join(schema.key)
        parts += ["", f"## {schema.name}", "", f"{schema.description} Key: {key}.", "", schema.to_markdown()]
    return "\n".join(parts) + "\n"
