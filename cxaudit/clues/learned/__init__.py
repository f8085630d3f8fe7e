"""The learned tagger (docs/clues-learned.md)."""
