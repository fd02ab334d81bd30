"""Mapping engine: declarative YAML specs compiled into Python callables."""
