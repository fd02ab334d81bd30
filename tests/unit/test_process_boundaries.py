"""Taps and the target keep stdout for Singer messages: they must not import airflow."""

from __future__ import annotations

import subprocess
import sys


def test_tap_and_target_modules_do_not_import_airflow_or_each_other() -> None:
    # Airflow is installed (the airflow extra), so an import of it would show here.
    code = (
        "import sys\n"
        "import connectors.shopify.tap, connectors.sap.tap, connectors.oracle_ebs.tap\n"
        "import connectors.u8.tap, orderhub.target\n"
        "roots = {m.split('.')[0] for m in sys.modules}\n"
        "print(','.join(sorted(roots & {'airflow', 'great_expectations'})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_core_does_not_import_connectors() -> None:
    code = (
        "import sys\n"
        "import orderhub.target, orderhub.runner.sync, orderhub.remap, orderhub.reports\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('connectors'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_the_cli_and_dag_plans_do_not_import_airflow() -> None:
    """`orderhub airflow dags|pools` read orderhub.yml as Airflow would, without it: the
    CLI stays fast and usable where Airflow is not installed."""
    code = (
        "import sys, importlib.util\n"
        "assert importlib.util.find_spec('airflow'), 'airflow is not installed'\n"
        "import orderhub.cli.app, orderhub.airflow.plan, orderhub.airflow.summary\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & {'airflow'})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
