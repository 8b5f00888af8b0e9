"""Dagster assets by warehouse layer; each sub-package exports one ``defs``."""
