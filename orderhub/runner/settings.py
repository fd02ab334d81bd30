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
``${file:/run/secrets/x}`` reads a secret file (Docker/Kubernetes secrets);
``${var:NAME}`` reads the Airflow Variable NAME (under Airflow through its Variable
store, elsewhere from ``AIRFLOW_VAR_NAME`` as Airflow itself would).

The file is found like git finds its folder (:func:`find_config`), and relative paths in
it (a SQLite warehouse, ``mappings_dir``, ``${file:...}``) are relative to the file's
folder, so every command means the same thing from any working directory. A pipeline's
references are resolved only when that pipeline is asked for (:meth:`Settings.pipeline`):
reading the warehouse never needs a pipeline's secret.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from orderhub.exceptions import ConfigurationError

CONFIG_NAME = "orderhub.yml"
CONFIG_ENV = "ORDERHUB_CONFIG"
DEFAULT_FILE = Path(CONFIG_NAME)
DEFAULT_WAREHOUSE = "sqlite:///.orderhub/warehouse.db"
#: The warehouse keeps runs, locks and bookmarks under the pipeline's name (String(128)).
MAX_PIPELINE_NAME = 128
M = TypeVar("M", bound=BaseModel)
_REFERENCE = re.compile(
    # A default may hold {...} groups itself: ODBC strings do (DRIVER={MariaDB Unicode};...).
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*|file:[^}]+|var:[A-Za-z0-9_.-]+)(?::-(?P<default>(?:[^{}]|\{[^{}]*\})*))?\}"
)


#: Looks up an Airflow Variable by name (None: not set).
VariableLookup = Callable[[str], str | None]


class AirflowSettings(BaseModel):
    """How Airflow schedules a pipeline: retries, backfill windows, lock waits."""

    model_config = ConfigDict(extra="forbid")

    retries: int = Field(default=3, ge=0, le=50)
    retry_delay: float = Field(
        default=60.0, gt=0, le=86400, description="seconds before the 1st retry"
    )
    max_retry_delay: float = Field(
        default=3600.0, gt=0, le=7 * 86400, description="cap of the backoff, s"
    )
    backfill_window: str = Field(default="1d", description="e.g. 30m, 6h, 1d, 2w")
    max_parallel_windows: int = Field(default=4, ge=1, le=256)
    lock_wait: float = Field(
        default=600.0,
        ge=0,
        le=86400,
        description="seconds a sync waits for another sync of the pipeline",
    )
    timeout_minutes: float | None = Field(default=None, gt=0, le=7 * 24 * 60)


class PipelineSettings(BaseModel):
    """One pipeline: a source's tap feeding target-orderhub."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    tap: str | None = Field(default=None, description="tap executable, default tap-<source>")
    config: dict[str, Any] = Field(default_factory=dict)
    connection: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="Airflow connection whose fields overlay config when Airflow runs it",
    )
    airflow: AirflowSettings = Field(default_factory=AirflowSettings)
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
    """The whole orderhub.yml.

    ``pipelines`` holds each pipeline with its ``config`` as written (``${...}``
    unresolved, so listing or planning them never reads a secret); :meth:`pipeline`
    returns one with its config's references resolved too.
    """

    model_config = ConfigDict(extra="forbid")

    warehouse: str = DEFAULT_WAREHOUSE
    mappings_dir: str | None = None
    pipelines: dict[str, PipelineSettings] = Field(default_factory=dict)
    #: Airflow pool slots per source (a source's syncs share one pool: its rate limit).
    pools: dict[str, int] = Field(default_factory=dict)
    _path: Path | None = PrivateAttr(default=None)
    _raw_pipelines: dict[str, Any] = PrivateAttr(default_factory=dict)
    _env: Mapping[str, str] | None = PrivateAttr(default=None)
    _variables: VariableLookup | None = PrivateAttr(default=None)
    _overlays: dict[str, dict[str, Any]] = PrivateAttr(default_factory=dict)
    _unresolved: dict[str, ConfigurationError] = PrivateAttr(default_factory=dict)

    @property
    def path(self) -> Path | None:
        """The orderhub.yml these settings came from (None when built in code)."""
        return self._path

    @property
    def base_dir(self) -> Path | None:
        """The folder relative paths in the file are relative to."""
        return self._path.parent if self._path else None

    def pipeline(self, name: str) -> PipelineSettings:
        """A pipeline with its references resolved, or an error listing the ones there are."""
        if name not in self.pipelines:
            have = ", ".join(sorted(self.pipelines)) or "none"
            where = self._path or CONFIG_NAME
            raise ConfigurationError(f"no pipeline {name!r} in {where} (pipelines: {have})")
        if name not in self._raw_pipelines:
            pipeline = self.pipelines[name]
        else:
            env = os.environ if self._env is None else self._env
            where = f"{self._path}: pipelines.{name}"
            resolved = _resolve(
                self._raw_pipelines[name], where, env, self.base_dir, self._variables
            )
            pipeline = _validated(PipelineSettings, resolved, f"{self._path}", ("pipelines", name))
        overlay = self._overlays.get(name)
        if overlay:
            pipeline = pipeline.model_copy(update={"config": {**pipeline.config, **overlay}})
        return pipeline

    def check_resolved(self, name: str) -> None:
        """Raise the error of a reference outside pipeline ``name``'s config that could
        not be resolved when the file was read (its schedule's, say)."""
        if name in self._unresolved:
            raise self._unresolved[name]

    def with_config_overlay(self, name: str, values: Mapping[str, Any]) -> Settings:
        """These settings with ``values`` laid over pipeline ``name``'s config: how an
        Airflow connection's fields reach a sync without being written anywhere."""
        copied = self.model_copy()
        copied._overlays = {**self._overlays, name: dict(values)}
        return copied

    def with_variables(self, lookup: VariableLookup) -> Settings:
        """These settings reading ``${var:NAME}`` through ``lookup`` (Airflow's Variables)."""
        copied = self.model_copy()
        copied._variables = lookup
        return copied


def find_config(
    explicit: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Path:
    """The orderhub.yml to use: ``--config``, else ``$ORDERHUB_CONFIG``, else the first
    one walking up from the working directory (as git finds its repository)."""
    env = os.environ if env is None else env
    for given, how in ((explicit, "--config"), (env.get(CONFIG_ENV) or None, f"${CONFIG_ENV}")):
        if given is None:
            continue
        path = Path(given).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"{path} (given by {how}) not found: check the path")
        return path.resolve()
    start = (cwd or Path.cwd()).resolve()
    looked = [start, *start.parents]
    for folder in looked:
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    raise ConfigNotFoundError(looked)


class ConfigNotFoundError(ConfigurationError):
    """No orderhub.yml in the working directory or above it."""

    def __init__(self, looked: list[Path]) -> None:
        self.looked = looked
        folders = ", ".join(str(p) for p in looked)
        super().__init__(
            f"no {CONFIG_NAME} found: looked in {folders}; create one or pass --config"
        )


def load_settings(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    warehouse: str | None = None,
) -> Settings:
    """Read and validate orderhub.yml (found by :func:`find_config` when ``path`` is None).

    ``warehouse`` overrides the file's warehouse without resolving the file's value, so a
    ``--warehouse`` given on the command line needs none of the file's variables.
    """
    path = find_config(path, env=env)
    document = _read_document(path)
    env = os.environ if env is None else env
    base = path.parent
    raw_pipelines = document.pop("pipelines", None) or {}
    if not isinstance(raw_pipelines, dict) or not all(
        isinstance(p, dict) for p in raw_pipelines.values()
    ):
        raise ConfigurationError(f"{path}: pipelines must map names to pipeline settings")
    if warehouse is not None:
        document.pop("warehouse", None)
    resolved = _resolve(document, path.name, env, base)
    outlines, unresolved = {}, {}
    for name, pipeline in raw_pipelines.items():
        outlines[name], problem = _outline(name, pipeline, path, env, base)
        if problem:
            unresolved[name] = problem
    settings = _validated(Settings, {**resolved, "pipelines": outlines}, str(path), ())
    updates: dict[str, Any] = {
        "warehouse": warehouse or anchor_warehouse(settings.warehouse, base),
        "mappings_dir": str(base / settings.mappings_dir) if settings.mappings_dir else None,
    }
    settings = settings.model_copy(update=updates)
    settings._path = path
    settings._raw_pipelines = raw_pipelines
    settings._env = env
    settings._unresolved = unresolved
    return settings


def _outline(
    name: Any, pipeline: dict[str, Any], path: Path, env: Mapping[str, str], base: Path
) -> tuple[dict[str, Any], ConfigurationError | None]:
    """A pipeline with every reference resolved but those of its ``config``: what
    listing, planning and scheduling read (a schedule may come from the environment),
    without touching a secret. A key whose reference cannot be resolved is left out,
    and its error returned: it stops that pipeline when it is used, not every command."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_PIPELINE_NAME:
        raise ConfigurationError(
            f"{path}: pipelines.{name}: a pipeline name must be text of 1 to "
            f"{MAX_PIPELINE_NAME} characters (runs and bookmarks are kept under it)"
        )
    where = f"{path}: pipelines.{name}"
    outline: dict[str, Any] = {}
    problem: ConfigurationError | None = None
    for key, value in pipeline.items():
        try:
            outline[key] = (
                value if key == "config" else _resolve(value, f"{where}.{key}", env, base)
            )
        except ConfigurationError as error:
            problem = problem or error
    return outline, problem


def anchor_warehouse(url: str, base: Path) -> str:
    """A SQLite warehouse's relative path made relative to ``base`` (other URLs as given)."""
    if "://" not in url:
        return str(base / Path(url).expanduser())
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return url  # the engine reports it, naming the URL
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return url
    if database.startswith("file:") or Path(database).expanduser().is_absolute():
        return url
    return parsed.set(database=str(base / database)).render_as_string(hide_password=False)


def _read_document(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: YAML syntax: {exc}") from None
    if document is None:
        raise ConfigurationError(
            f"{path} is empty: give it a warehouse and pipelines "
            "(see docs/architecture.md, section orderhub.yml)"
        )
    if not isinstance(document, dict):
        raise ConfigurationError(f"{path}: expected keys (warehouse, pipelines, ...) at the top")
    return document


def _validated(model: type[M], value: Any, where: str, prefix: tuple[str, ...]) -> M:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in (*prefix, *first["loc"]))
        raise ConfigurationError(f"{where}: {field}: {first['msg']}") from None


def _resolve(
    value: Any,
    where: str,
    env: Mapping[str, str],
    base: Path | None,
    variables: VariableLookup | None = None,
) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v, f"{where}.{k}", env, base, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, f"{where}[{i}]", env, base, variables) for i, v in enumerate(value)]
    if isinstance(value, date):  # YAML reads an unquoted 2024-01-01 as a date: taps take text
        return value.isoformat()
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group("name"), match.group("default")
        if name.startswith("var:"):
            return _variable(name[4:], default, where, env, variables)
        if name.startswith("file:"):
            path = Path(name[5:]).expanduser()
            path = base / path if base and not path.is_absolute() else path
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


def _variable(
    name: str,
    default: str | None,
    where: str,
    env: Mapping[str, str],
    variables: VariableLookup | None,
) -> str:
    """An Airflow Variable: from Airflow's store under Airflow, else from the environment
    variable Airflow itself reads variables from (``AIRFLOW_VAR_<NAME>``)."""
    found = variables(name) if variables else env.get(f"AIRFLOW_VAR_{name.upper()}")
    if found is not None:
        return found
    if default is not None:
        return default
    if variables:
        how = f"add it in Airflow, export AIRFLOW_VAR_{name.upper()}"
    else:  # outside Airflow, or a key read while DAGs are parsed (never the database)
        how = (
            f"export AIRFLOW_VAR_{name.upper()} (only a pipeline's config reads Airflow's "
            "Variable store, when its task runs)"
        )
    raise ConfigurationError(
        f"{where}: Airflow Variable {name} is not set ({how}, or give a default with "
        f"${{var:{name}:-value}})"
    )
