"""Staged deals: tranches on verified milestones, solved as game trees with chance nodes."""
