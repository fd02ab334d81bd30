"""orderhub.yml: the pipelines to run and where their settings and secrets come from.

Values may reference the environment, so secrets never sit in the file::

    warehouse: ${ORDERHUB_WAREHOUSE_URL:-sqlite:///.orderhub/warehouse.db}
    pipelines:
      shopify:
        source: shopify
        config:
          api_url: ${SHOPIFY_API_URL}
          access_token: ${SHOPIFY_ACCESS_TOKEN}
        streams: [orders, customers]

``${NAME}`` must be set; ``${NAME:-default}`` falls back to the default;
``${file:/run/secrets/x}`` reads a secret file (Docker/Kubernetes secrets).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orderhub.exceptions import ConfigurationError

DEFAULT_FILE = Path("orderhub.yml")
DEFAULT_WAREHOUSE = "sqlite:///.orderhub/warehouse.db"
_REFERENCE = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*|file:[^}]+)(?::-(?P<default>[^}]*))?\}"
)


class PipelineSettings(BaseModel):
    """One pipeline: a source's tap feeding target-orderhub."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    tap: str | None = Field(default=None, description="tap executable, default tap-<source>")
    config: dict[str, Any] = Field(default_factory=dict)
    streams: list[str] = Field(default_factory=list, description="empty: every stream")
    schedule: str | None = None
    batch_size: int = Field(default=5000, ge=1, description="records per load step")
    commit_every: int = Field(
        default=20000, ge=1, description="commit data + bookmark once this many are pending"
    )

    @property
    def tap_executable(self) -> str:
        """The tap to run (an executable on PATH or next to the Python interpreter)."""
        return self.tap or f"tap-{self.source.replace('_', '-')}"


class Settings(BaseModel):
    """The whole orderhub.yml."""

    model_config = ConfigDict(extra="forbid")

    warehouse: str = DEFAULT_WAREHOUSE
    mappings_dir: str | None = None
    pipelines: dict[str, PipelineSettings] = Field(default_factory=dict)

    def pipeline(self, name: str) -> PipelineSettings:
        """A pipeline by name, or a configuration error listing the ones there are."""
        try:
            return self.pipelines[name]
        except KeyError:
            have = ", ".join(sorted(self.pipelines)) or "none"
            raise ConfigurationError(
                f"no pipeline {name!r} in orderhub.yml (pipelines: {have})"
            ) from None


def _resolve(value: Any, where: str, env: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v, f"{where}.{k}", env) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, f"{where}[{i}]", env) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group("name"), match.group("default")
        if name.startswith("file:"):
            path = Path(name[5:])
            try:
                return path.read_text(encoding="utf-8").strip()
            except OSError:
                raise ConfigurationError(f"{where}: cannot read secret file {path}") from None
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise ConfigurationError(
            f"{where}: environment variable {name} is not set (export it, or give a default "
            f"with ${{{name}:-value}})"
        )

    return _REFERENCE.sub(substitute, value)


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate orderhub.yml, resolving ``${...}`` references."""
    path = path or DEFAULT_FILE
    if not path.exists():
        raise ConfigurationError(f"{path} not found: create it or pass --config (see README.md)")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: YAML syntax: {exc}") from None
    resolved = _resolve(document, path.name, os.environ if env is None else env)
    try:
        return Settings.model_validate(resolved)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigurationError(f"{path}: {field}: {first['msg']}") from None
