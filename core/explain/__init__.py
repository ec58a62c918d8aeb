"""Explanation studio: one registry of attribution methods, faithfulness scores and comparisons."""
