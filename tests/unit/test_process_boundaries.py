"""Taps and the target keep stdout for Singer messages: they must not import airflow."""

from __future__ import annotations

import subprocess
import sys


def test_tap_and_target_modules_do_not_import_airflow_or_each_other() -> None:
    code = (
        "import sys\n"
        "import connectors.shopify.tap, orderhub.target\n"
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
