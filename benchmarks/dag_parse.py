"""How long Airflow takes to parse orderhub's DAG folder, against hand-written DAGs.

Writes an orderhub.yml with ``--pipelines`` pipelines (the four sources in turn), then
parses ``dags/`` with Airflow's own DagBag in a fresh process per repeat (as the DAG
processor parses a file: Airflow already imported, orderhub not), beside a baseline file
that builds the same number of DAGs and tasks from EmptyOperators with no orderhub at
all. Prints medians and their ratio; asserts nothing.

    python benchmarks/dag_parse.py --pipelines 20 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("shopify", "sap", "oracle_ebs", "u8")
_PARSE = """
import json, sys, time
import airflow.sdk  # loaded before the clock starts, as in the DAG processor
from airflow.dag_processing.dagbag import DagBag
started = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
seconds = time.perf_counter() - started
assert not bag.import_errors, bag.import_errors
print(json.dumps({"seconds": seconds, "dags": len(bag.dags),
                  "tasks": sum(len(d.tasks) for d in bag.dags.values())}))
"""
_BASELINE = """
from datetime import datetime
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator
for n in range({pipelines}):
    for suffix, tasks in (("", ("sync", "report")), ("_backfill", ("plan", "sync", "report"))):
        with DAG(f"plain_{{n}}{{suffix}}", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
            previous = None
            for task_id in tasks:
                task = EmptyOperator(task_id=task_id)
                if previous is not None:
                    previous >> task
                previous = task
        globals()[dag.dag_id] = dag
"""


def _config(pipelines: int) -> str:
    lines = ["warehouse: postgresql+psycopg://postgres@127.0.0.1:5432/bench", "pipelines:"]
    for n in range(pipelines):
        source = SOURCES[n % len(SOURCES)]
        lines += [
            f"  {source}_{n}:",
            f"    source: {source}",
            f"    connection: orderhub_{source}_{n}",
            '    schedule: "@hourly"',
        ]
    return "\n".join(lines) + "\n"


def _parse(folder: Path, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _PARSE, str(folder)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipelines", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="orderhub-dag-parse-") as scratch:
        work = Path(scratch)
        (work / "orderhub.yml").write_text(_config(args.pipelines))
        baseline = work / "baseline"
        baseline.mkdir()
        (baseline / "plain_dags.py").write_text(_BASELINE.format(pipelines=args.pipelines))
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(work / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "ORDERHUB_CONFIG": str(work / "orderhub.yml"),
        }
        ours, plain = [], []
        for _ in range(args.repeats):  # interleaved: both see the same machine load
            ours.append(_parse(ROOT / "dags", env))
            plain.append(_parse(baseline, env))
    ours_s = statistics.median(r["seconds"] for r in ours)
    plain_s = statistics.median(r["seconds"] for r in plain)
    print(
        f"{args.pipelines} pipelines -> {int(ours[0]['dags'])} DAGs, {int(ours[0]['tasks'])} tasks"
    )
    print(f"orderhub dags/ parse (median of {args.repeats}): {ours_s:.3f} s")
    print(f"plain EmptyOperator DAGs, same count (baseline): {plain_s:.3f} s")
    print(f"ratio: {ours_s / plain_s:.2f}x the baseline")


if __name__ == "__main__":
    main()
