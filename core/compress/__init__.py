"""Compression lab: prune, cluster, factorise and quantize a stored model, measured on its exported file."""
