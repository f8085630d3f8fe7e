"""The headline cards (HTML) shared by the dashboard and the static report; no widgets, so the report
and ``cxaudit run`` work without the ``dashboard`` extra."""

from __future__ import annotations

__all__ = ["headline_html"]


def _fmt_share(x) -> str:
    return "\u2013" if x is None else f"{100 * x:.0f} %"


def headline_html(h: dict) -> str:
    """Headline cards (HTML) from :meth:`AuditData.headline`; numbers only, nothing unescaped."""
    cards = [
        ("documents", f"{h['documents']:,}", "Documents", "with a clue mention"),
        ("participants", f"{h['participants']:,}", "Participants", "distinct people"),
        ("mentions", f"{h['mentions']:,}", "Clue mentions", "functional, mechanic, humanic"),
        ("negative", _fmt_share(h["share_negative"]), "Share negative", f"n = {h['mentions']:,} mentions"),
    ]
    if h["n_scored"]:
        cards.append(("nps", f"{h['nps']:+.0f}", "NPS", f"n = {h['n_scored']:,} scores"))
    body = "".join(
        f'<div class="cx-card" data-key="{key}"><div class="cx-value">{value}</div>'
        f'<div class="cx-label">{label}</div><div class="cx-n">{note}</div></div>'
        for key, value, label, note in cards)
    empty = ('<div class="cx-empty">No mentions for this filter.</div>' if not h["mentions"] else "")
    return f'<div class="cx-cards">{body}</div>{empty}'
