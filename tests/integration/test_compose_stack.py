"""The compose stack as CI can check it without a Docker engine.

Debian's docker-compose (v1) validates and renders docker-compose.yml with ``config``;
the rendered services are checked against issue 8 (the Airflow 3 components, the
simulators), against dags/orderhub.yml (every pipeline's connection exists and only
holds its tap's settings), against the Dockerfile, and against docs/operations.md
(every service the guide names exists).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
STACK_CONFIG = ROOT / "dags" / "orderhub.yml"
OPERATIONS = ROOT / "docs" / "operations.md"
INSTALL_HINT = (
    "docker-compose is not installed: run scripts/ensure-compose-client.sh "
    "(on Debian: apt-get install --no-install-recommends docker-compose), or make test"
)
AIRFLOW_COMMANDS = {
    "airflow-apiserver": ["airflow", "api-server"],
    "airflow-scheduler": ["airflow", "scheduler"],
    "airflow-dag-processor": ["airflow", "dag-processor"],
    "airflow-triggerer": ["airflow", "triggerer"],
    "airflow-worker": ["airflow", "celery", "worker"],
}
WAREHOUSE_ENV = {"ORDERHUB_WAREHOUSE_URL": "postgresql+psycopg://orderhub@postgres/warehouse"}
SIMULATORS = {
    "shopify-simulator": "connectors.shopify.simulator",
    "sap-simulator": "connectors.sap.simulator",
}


@pytest.fixture(scope="module")
def rendered() -> dict[str, Any]:
    """docker-compose.yml as the compose client renders it, with no variables set."""
    client = shutil.which("docker-compose")
    if client is None:
        pytest.fail(INSTALL_HINT)
    # Only what a shell needs: every ${VAR} of the file must have its dev default.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    result = subprocess.run(
        [client, "-f", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, f"docker-compose config rejected the file:\n{result.stderr}"
    assert "is not set" not in result.stderr, f"a variable has no default:\n{result.stderr}"
    document: dict[str, Any] = yaml.safe_load(result.stdout)
    return document


@pytest.fixture(scope="module")
def services(rendered: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = rendered["services"]
    return found


@pytest.fixture(scope="module")
def pipelines() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = yaml.safe_load(STACK_CONFIG.read_text())["pipelines"]
    return found


def command(service: dict[str, Any]) -> list[str]:
    given = service.get("command") or []
    return shlex.split(given) if isinstance(given, str) else [str(part) for part in given]


def script(service: dict[str, Any]) -> str:
    """A bash -c service's script, one command per line."""
    return "\n".join(command(service))


def connections(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The service's AIRFLOW_CONN_* connections by conn id, parsed as Airflow does (JSON)."""
    found = {}
    for name, value in service["environment"].items():
        if name.startswith("AIRFLOW_CONN_"):
            try:
                found[name.removeprefix("AIRFLOW_CONN_").lower()] = json.loads(value)
            except json.JSONDecodeError as exc:
                pytest.fail(f"{name} is not a JSON connection: {exc}")
    return found


def tap_settings(source: str) -> set[str]:
    """The settings tap-<source> declares (its config JSON schema)."""
    (point,) = entry_points(group="console_scripts", name=f"tap-{source.replace('_', '-')}")
    tap_class = getattr(importlib.import_module(point.module), point.attr.split(".")[0])
    return set(tap_class.config_jsonschema["properties"])


def test_postgres_creates_the_warehouse_and_redis_brokers(rendered: dict[str, Any]) -> None:
    services = rendered["services"]
    assert {"postgres", "redis"} <= set(services)
    init = ROOT / "docker" / "postgres-init"
    mounts = [str(v) for v in services["postgres"]["volumes"]]
    assert any(m.startswith(f"{init}:/docker-entrypoint-initdb.d") for m in mounts), mounts
    assert "CREATE DATABASE orderhub_warehouse" in (init / "create-databases.sh").read_text()
    warehouse = services["airflow-worker"]["environment"]["ORDERHUB_WAREHOUSE_URL"]
    assert warehouse.endswith("@postgres:5432/orderhub_warehouse")
    assert set(rendered["volumes"]) >= {"postgres-data", "airflow-logs"}


def test_the_airflow_components_run_their_commands_on_the_orderhub_image(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, expected in AIRFLOW_COMMANDS.items():
        assert name in services, f"docker-compose.yml has no service {name}"
        service = services[name]
        assert command(service) == expected, name
        assert service["build"]["context"] == str(ROOT), f"{name} must run the project's image"
        assert service["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert "test" in service["healthcheck"], f"{name} needs a healthcheck"
        needs = service["depends_on"]
        assert needs["airflow-init"]["condition"] == "service_completed_successfully", name
        assert needs["postgres"]["condition"] == "service_healthy", name
        assert needs["redis"]["condition"] == "service_healthy", name
    worker = services["airflow-worker"]["depends_on"]
    for source_service in ("sources-seed", *SIMULATORS):
        assert source_service in worker, f"the worker must wait for {source_service}"


def test_init_migrates_creates_the_login_the_pools_and_the_warehouse(
    services: dict[str, dict[str, Any]],
) -> None:
    steps = script(services["airflow-init"])
    for step in (
        "airflow db migrate",
        "orderhub airflow pools > /tmp/pools.json",
        "airflow pools import /tmp/pools.json",
        "orderhub migrate",
    ):
        assert step in steps, f"airflow-init does not run {step!r}"
    assert "set -euo pipefail" in steps, "a failed step must fail airflow-init"
    env = services["airflow-init"]["environment"]
    passwords = env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
    assert f"> {passwords}" in steps, "init must write the simple auth manager's passwords"
    api_volumes = " ".join(str(v) for v in services["airflow-apiserver"]["volumes"])
    assert os.path.dirname(passwords) in api_volumes, "the API server must see the passwords"


def test_simulators_serve_every_container_and_report_health(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, module in SIMULATORS.items():
        argv = command(services[name])
        assert argv[:3] == ["python", "-m", module], name
        assert "--host=0.0.0.0" in argv, f"{name} must listen beyond its own loopback"
        assert "/_simulator/health" in " ".join(services[name]["healthcheck"]["test"])
    seed = script(services["sources-seed"])
    assert "connectors.oracle_ebs.simulator" in seed and "connectors.u8.sim_seed" in seed
    assert seed.count("--keep") == 2, "a restart must not reseed the database sources"


def test_every_pipeline_has_its_connection_with_only_its_taps_settings(
    services: dict[str, dict[str, Any]], pipelines: dict[str, dict[str, Any]]
) -> None:
    defined = connections(services["airflow-worker"])
    assert pipelines, f"{STACK_CONFIG} has no pipelines"
    assert {p["source"] for p in pipelines.values()} >= {"shopify", "sap", "oracle_ebs", "u8"}
    for name, pipeline in pipelines.items():
        source, conn_id = pipeline["source"], pipeline.get("connection")
        assert conn_id in defined, f"pipeline {name}: no AIRFLOW_CONN_{str(conn_id).upper()}"
        connection = defined[conn_id]
        assert connection["conn_type"] == f"orderhub_{source}", name
        settings = tap_settings(source)
        unknown = (set(connection["extra"]) | set(pipeline.get("config", {}))) - settings
        assert not unknown, f"pipeline {name}: tap-{source} has no settings {sorted(unknown)}"
    assert set(defined) == {p["connection"] for p in pipelines.values()}, "unused connections"


def test_connections_point_at_services_of_the_stack(services: dict[str, dict[str, Any]]) -> None:
    for conn_id, connection in connections(services["airflow-worker"]).items():
        for key, value in connection["extra"].items():
            host = None
            if key.endswith("url") and "://" in str(value):
                host = urlsplit(str(value)).hostname
            elif found := re.search(r"(?i)SERVER=([^;]+)", str(value)):
                host = found.group(1)
            assert host is None or host in services, f"{conn_id}.{key}: no service {host}"


def test_airflow_finds_the_stacks_orderhub_yml_in_the_image(
    services: dict[str, dict[str, Any]],
) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY --chown=airflow:0 dags /opt/airflow/dags" in dockerfile
    for name in AIRFLOW_COMMANDS:
        env = services[name]["environment"]
        assert env["ORDERHUB_CONFIG"] == "/opt/airflow/dags/orderhub.yml", name
        assert urlsplit(env["ORDERHUB_WAREHOUSE_URL"]).hostname == "postgres", name


def test_the_image_is_the_airflow_the_project_pins_with_the_odbc_it_needs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM apache/airflow:(\d+\.\d+\.\d+)-python(\d+\.\d+)$", dockerfile, re.M)
    assert base, "the Dockerfile must build on an official apache/airflow image"
    pyproject = (ROOT / "pyproject.toml").read_text()
    pin = re.search(r'"apache-airflow(>=[^"]+)"', pyproject)
    assert pin and base.group(1) in SpecifierSet(pin.group(1)), "image and pin disagree"
    ensure = (ROOT / "scripts" / "ensure-system-packages.sh").read_text()
    packages = re.search(r"^packages=\(([^)]*)\)", ensure, re.M)
    assert packages
    for package in packages.group(1).split():
        assert re.search(rf"\b{re.escape(package)}\b", dockerfile), f"the image lacks {package}"


def named_services(text: str) -> set[str]:
    """Services a guide names: its services table and the arguments of its commands."""
    names = set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, re.M))
    takes_value = {"--scale", "--tail", "--index", "-u", "--user", "-e", "--env", "-w"}
    lists_services = {"up", "logs", "restart", "stop", "start", "ps", "build", "pull", "rm"}
    joined = re.sub(r"\\\n\s*", " ", text)  # shell line continuations
    for line in re.findall(r"docker[ -]compose ([^`\n]+)", joined):
        words = shlex.split(line.split(" #")[0])
        if not words or words[0] not in lists_services | {"exec", "run"}:
            continue
        subcommand, rest = words[0], iter(words[1:])
        for word in rest:
            if word.startswith("-"):
                option, given, value = word.partition("=")
                if option in takes_value and not given:
                    value = next(rest, "")
                if option == "--scale":
                    names.add(value.split("=")[0])
                continue
            names.add(word)
            if subcommand in {"exec", "run"}:
                break  # the rest is the command run in it
    return names


def test_every_service_the_operations_guide_names_exists(
    services: dict[str, dict[str, Any]],
) -> None:
    named = named_services(OPERATIONS.read_text(encoding="utf-8"))
    assert {"airflow-worker", "airflow-apiserver"} <= named, "the guide names no services?"
    missing = named - set(services)
    assert not missing, f"docs/operations.md names services docker-compose.yml lacks: {missing}"
    table = set(re.findall(r"^\| `([a-z0-9-]+)` \|", OPERATIONS.read_text(), re.M))
    assert table == set(services), "the guide's services table must list every service"


def test_named_services_reads_commands_as_compose_does() -> None:
    text = (
        "| `postgres` | db |\n"
        "`docker compose up --scale airflow-worker=3 -d`\n"
        "    docker compose exec airflow-worker orderhub runs --limit 5\n"
        "    docker compose logs -f --tail 50 airflow-scheduler \\\n      shopify-simulator\n"
    )
    assert named_services(text) == {
        "postgres",
        "airflow-worker",
        "airflow-scheduler",
        "shopify-simulator",
    }


def test_the_stacks_orderhub_yml_plans_every_pipeline() -> None:
    from orderhub.airflow.plan import plan_pipelines, pools
    from orderhub.runner.settings import load_settings

    settings = load_settings(STACK_CONFIG, env=WAREHOUSE_ENV)
    assert settings.warehouse == WAREHOUSE_ENV["ORDERHUB_WAREHOUSE_URL"]
    plans = {plan.pipeline: plan for plan in plan_pipelines(settings)}
    assert set(plans) == {"shopify", "sap", "oracle_ebs", "u8"}
    assert set(pools(settings)) == {f"orderhub_{name}" for name in plans}
    for name, plan in plans.items():
        assert plan.connection == f"orderhub_{name}"
        assert settings.pipeline(name).tap_executable.startswith("tap-")
