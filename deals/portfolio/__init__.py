"""Linked deals under one chip budget: the regimes compared over the same draws."""
