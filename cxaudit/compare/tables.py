"""Schemas of the tables :func:`cxaudit.compare.compare` returns.

``GAP_TABLE`` is :data:`cxaudit.schemas.GAPS` (grouping, clue type and
crosshair columns included). The other tables are defined here only.
"""

from __future__ import annotations

from cxaudit.schemas import GAPS, Column, Schema

__all__ = ["GAP_TABLE", "MOTIF", "SCORECARDS", "NPS", "DRIVERS", "WAVES", "CLUE_MAP", "COMPARE_TABLES", "QUADRANTS"]

S, I, F, B = "string", "Int64", "Float64", "boolean"

QUADRANTS = ("concentrate here", "keep up the good work", "low priority", "possible overkill")

# The gap table's schema lives with the other shared tables in cxaudit.schemas.
GAP_TABLE = GAPS
_GROUP = tuple(GAPS.column(name) for name in ("group_by", "group"))

MOTIF = Schema(
    "motif",
    "How often the experience motif's feelings, and their opposites, are expressed about the current experience.",
    (
        Column("lens", S, "Codebook of the dimension ('all' for the overall rows).", nullable=False),
        Column("level", S, "clue_type, code, touchpoint, clue_type x touchpoint, or 'overall'.", nullable=False),
        Column("dimension", S, "The dimension ('overall' for all current-mode sentences).", nullable=False),
        Column("motif", S, "A motif word, or 'all' for the whole motif.", nullable=False),
        Column("axis", S, "Feeling axis of the motif word ('all' for the whole motif)."),
        Column("n_sentences", I, "Current-mode sentences in scope.", nullable=False),
        Column("n_motif", I, "Feelings on the motif's pole in those sentences.", nullable=False),
        Column("n_opposite", I, "Feelings on the opposite pole of a motif axis.", nullable=False),
        Column("share_motif", F, "n_motif / n_sentences."),
        Column("share_opposite", F, "n_opposite / n_sentences."),
        Column("net_alignment", F, "(n_motif - n_opposite) / (n_motif + n_opposite), -1 … 1; null when neither occurs."),
        Column("ci_low", F, "95 % cluster-bootstrap interval of net_alignment (participants resampled)."),
        Column("ci_high", F, "Upper bound."),
        Column("n_participants", I, "Participants behind the motif-axis feelings.", nullable=False),
        Column("clue_type", S, "Clue type of the dimension when it has one."),
        Column("warning", S, "Why the figure should be read with care, else null."),
    ),
    key=("lens", "level", "dimension", "motif"),
)

SCORECARDS = Schema(
    "scorecards",
    "One row per criterion (code) of a lens, scored 1–5 from the polarity of its current-mode mentions.",
    (
        Column("lens", S, "Codebook scored (e.g. points-of-connection).", nullable=False),
        Column("criterion", S, "Code id.", nullable=False),
        Column("label", S, "Code label from the codebook, when given."),
        Column("clue_type", S, "Clue type of the criterion."),
        *_GROUP,
        Column("n", I, "Current-mode mentions.", nullable=False),
        Column("n_participants", I, "Distinct participants behind them.", nullable=False),
        Column("polarity", F, "Mean clause polarity, -1 … 1."),
        Column("score", F, "3 + 2 × polarity: 1 (all strongly negative) … 5 (all strongly positive)."),
        Column("ci_low", F, "95 % cluster-bootstrap interval of the score."),
        Column("ci_high", F, "Upper bound."),
        Column("warning", S, "Why the figure should be read with care, else null."),
    ),
    key=("lens", "criterion", "group_by", "group"),
)

NPS = Schema(
    "nps",
    "Net Promoter Score of the documents that carry a 0–10 score, overall and per group.",
    (
        *_GROUP,
        Column("n", I, "Documents with a score.", nullable=False),
        Column("n_promoters", I, "Scores 9–10.", nullable=False),
        Column("n_passives", I, "Scores above 6 and below 9.", nullable=False),
        Column("n_detractors", I, "Scores 0–6.", nullable=False),
        Column("nps", F, "% promoters − % detractors, -100 … 100."),
        Column("ci_low", F, "95 % adjusted-Wald interval (Rocks 2016)."),
        Column("ci_high", F, "Upper bound."),
        Column("warning", S, "Why the figure should be read with care, else null."),
    ),
    key=("group_by", "group"),
)

DRIVERS = Schema(
    "drivers",
    "Codes over- or under-represented among detractors versus promoters (documents with a score), sorted by effect.",
    (
        Column("lens", S, "Codebook.", nullable=False),
        Column("code", S, "Code id.", nullable=False),
        Column("clue_type", S, "Clue type of the code."),
        Column("n_detractors", I, "Detractor documents.", nullable=False),
        Column("n_promoters", I, "Promoter documents.", nullable=False),
        Column("k_detractors", I, "Detractor documents mentioning the code.", nullable=False),
        Column("k_promoters", I, "Promoter documents mentioning the code.", nullable=False),
        Column("rate_detractors", F, "k_detractors / n_detractors."),
        Column("rate_promoters", F, "k_promoters / n_promoters."),
        Column("lift", F, "Rate ratio detractors / promoters (0.5 added to each count)."),
        Column("lift_low", F, "95 % Katz interval of the lift."),
        Column("lift_high", F, "Upper bound."),
        Column("log_odds", F, "Log odds ratio detractors vs promoters (> 0: a detractor driver)."),
        Column("ci_low", F, "95 % Woolf interval of the log odds ratio."),
        Column("ci_high", F, "Upper bound."),
        Column("significant", B, "True when the log-odds interval excludes 0.", nullable=False),
        Column("warning", S, "Why the figure should be read with care, else null."),
    ),
    key=("lens", "code"),
)

WAVES = Schema(
    "waves",
    "Change of current performance per dimension between two waves.",
    (
        Column("lens", S, "Codebook.", nullable=False),
        Column("level", S, "Level of the dimension.", nullable=False),
        Column("dimension", S, "The dimension.", nullable=False),
        Column("clue_type", S, "Clue type of the dimension when it has one."),
        Column("wave_from", S, "Earlier wave.", nullable=False),
        Column("wave_to", S, "Later wave.", nullable=False),
        Column("n_from", I, "Current-mode mentions in wave_from.", nullable=False),
        Column("n_to", I, "Current-mode mentions in wave_to.", nullable=False),
        Column("participants_from", I, "Participants in wave_from.", nullable=False),
        Column("participants_to", I, "Participants in wave_to.", nullable=False),
        Column("current_from", F, "Mean polarity in wave_from."),
        Column("current_to", F, "Mean polarity in wave_to."),
        Column("change", F, "current_to - current_from."),
        Column("ci_low", F, "95 % interval of the change (independent cluster bootstraps within each wave)."),
        Column("ci_high", F, "Upper bound."),
        Column("beyond_noise", B, "True when the interval excludes 0.", nullable=False),
        Column("warning", S, "Why the figure should be read with care, else null."),
    ),
    key=("lens", "level", "dimension", "wave_from", "wave_to"),
)

CLUE_MAP = Schema(
    "clue_map",
    "Clue type × touchpoint cells of current-mode clue mentions.",
    (
        Column("clue_type", S, "Clue type.", nullable=False),
        Column("touchpoint", S, "Touchpoint ('unspecified' when none was tagged).", nullable=False),
        Column("n", I, "Mentions.", nullable=False),
        Column("polarity", F, "Mean clause polarity."),
        Column("share_negative", F, "Share of mentions with negative valence."),
    ),
    key=("clue_type", "touchpoint"),
)

COMPARE_TABLES: dict[str, Schema] = {
    "gaps": GAP_TABLE,
    "motif": MOTIF,
    "scorecards": SCORECARDS,
    "nps": NPS,
    "drivers": DRIVERS,
    "waves": WAVES,
    "clue_map": CLUE_MAP,
}
