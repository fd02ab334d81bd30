"""The processes of a sync: finding the tap and the target, asking their settings, and the
tap's catalog; and the private folder their config files live in.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orderhub.exceptions import ConfigurationError, SyncError
from orderhub.redaction import Redactor, about_settings, everything_secret, setting_names_in

#: Seconds `--discover` may take before the sync gives up on the tap.
DISCOVER_TIMEOUT = 300.0


def find_executable(name: str, module: str | None = None) -> list[str]:
    """The command of a console script on PATH or next to this interpreter (the venv).

    A connector scaffolded since the last install has no console script yet; it runs as
    ``python -m <module>`` until ``make install`` adds one.
    """
    beside = Path(sys.executable).parent / name
    found = shutil.which(name) or (str(beside) if beside.exists() else None)
    if found:
        return [found]
    # `python -m` puts the working folder first on sys.path: a connector there counts.
    in_project = module and (Path.cwd().joinpath(*module.split(".")) / "__main__.py").exists()
    if module and (in_project or importlib.util.find_spec(module) is not None):
        return [sys.executable, "-m", module]
    raise ConfigurationError(f"{name} is not installed: run `make install` (or pip install it)")


def settings_schema(command: list[str], config: Mapping[str, Any]) -> Mapping[str, Any]:
    """What an executable says its settings are; if it cannot say, every text setting
    counts as secret (over-redacting beats leaking)."""
    try:
        return about_settings(tuple(command))
    except (OSError, ValueError, subprocess.SubprocessError):
        return everything_secret(config)


@contextmanager
def private_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="orderhub-"))
    try:
        os.chmod(folder, 0o700)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_private(path: Path, content: Any) -> Path:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(content, handle)
    return path


def discover_catalog(
    tap: list[str],
    config_path: Path,
    streams: list[str],
    redact: Redactor | None = None,
    settings: Sequence[str] = (),
) -> dict[str, Any]:
    """The tap's catalog with only the wanted streams selected.

    A failing discovery is the tap's configuration or credentials: its own message (the
    last lines it wrote, redacted) is the error, and there is nothing to resume.
    """
    redact = redact or Redactor()
    name = Path(tap[-1]).name
    try:
        done = subprocess.run(
            [*tap, "--config", str(config_path), "--discover"],
            capture_output=True,
            check=False,
            timeout=DISCOVER_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise SyncError(
            f"{name} --discover did not answer in {DISCOVER_TIMEOUT:.0f}s: check that the "
            "source is reachable from this machine, then run the sync again."
        ) from None
    if done.returncode != 0:
        said = "\n".join(redact(done.stderr.decode(errors="replace")).strip().splitlines()[-12:])
        named = setting_names_in(said, settings)
        what = f"the setting(s) {', '.join(named)}" if named else "the pipeline's config"
        raise ConfigurationError(
            f"{name} --discover failed (exit {done.returncode}); the tap said:\n{said}\n"
            f"Fix {what} in orderhub.yml (or the source), then run the sync again."
        )
    catalog = json.loads(done.stdout)
    known = {entry["tap_stream_id"] for entry in catalog["streams"]}
    unknown = sorted(set(streams) - known)
    if unknown:
        raise ConfigurationError(
            f"{name} has no stream(s) {', '.join(unknown)} (it has: {', '.join(sorted(known))})"
        )
    for entry in catalog["streams"]:
        selected = not streams or entry["tap_stream_id"] in streams
        for metadata in entry.get("metadata", []):
            if metadata.get("breadcrumb") == []:
                metadata["metadata"]["selected"] = selected
    return catalog
