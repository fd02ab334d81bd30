"""The ``orderhub`` command line."""

from orderhub.cli.app import app, main

__all__ = ["app", "main"]
