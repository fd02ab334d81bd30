"""``orderhub airflow``: what Airflow will build from orderhub.yml, without Airflow.

``dags`` lists the DAGs, pools and tables the factory makes (an invalid orderhub.yml
fails here with the pipeline and key, as it would in the DAG processor); ``pools``
writes the pools in the form ``airflow pools import`` reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from orderhub.airflow.plan import plan_pipelines, pools
from orderhub.cli.console import (
    ConfigOption,
    JsonOption,
    console,
    guarded,
    listing,
    print_json,
    print_listing,
    settings_for,
)

#: Narrower than this, the DAGs print as blocks instead of a table.
WIDE = 100
airflow_app = typer.Typer(
    help="Airflow: the DAGs and pools orderhub.yml makes (see docs/operations.md).",
    no_args_is_help=True,
)


@airflow_app.command("dags")
@guarded
def dags(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """The DAGs the factory builds: one per pipeline plus its backfill DAG."""
    plans = plan_pipelines(settings_for(config, require_file=True))
    rows: list[dict[str, Any]] = [
        {
            "dag_id": plan.dag_id,
            "backfill_dag_id": plan.backfill_dag_id,
            "source": plan.source,
            "schedule": plan.schedule,
            "pool": plan.pool,
            "retries": plan.retries,
            "connection": plan.connection,
            "tables": list(plan.tables),
        }
        for plan in plans
    ]
    if as_json:
        print_json(rows)
        return
    if console.width < WIDE:
        _print_blocks(rows)
        return
    table = listing("orderhub DAGs", ("dag", "pool", "schedule", "retries"), ("tables",))
    for row in rows:
        table.add_row(
            f"{row['dag_id']}\n{row['backfill_dag_id']}",
            str(row["pool"]),
            str(row["schedule"] or "manual"),
            str(row["retries"]),
            ", ".join(row["tables"]),
        )
    print_listing(table)


def _print_blocks(rows: list[dict[str, Any]]) -> None:
    """One short block per pipeline: a table of these columns cannot fit a narrow terminal."""
    for row in rows:
        console.print(f"[bold]{row['dag_id']}[/]", highlight=False)
        for label, value in (
            ("backfill", row["backfill_dag_id"]),
            ("source", row["source"]),
            ("pool", row["pool"]),
            ("schedule", row["schedule"] or "manual"),
            ("retries", row["retries"]),
            ("connection", row["connection"] or "none (config only)"),
            ("tables", ", ".join(row["tables"])),
        ):
            console.print(f"  {label:<11}{value}", highlight=False)


@airflow_app.command("pools")
@guarded
def pools_command(
    config: ConfigOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout)")
    ] = None,
) -> None:
    """The Airflow pools the DAGs use, as JSON for `airflow pools import FILE`."""
    text = json.dumps(pools(settings_for(config, require_file=True)), indent=2)
    if output is None:
        typer.echo(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    typer.echo(f"wrote {output}: import it with `airflow pools import {output}`", err=True)
