"""orderhub as an Airflow provider: registers one connection type per source.

Airflow finds it through the ``apache_airflow_provider`` entry point (pyproject.toml),
so the connection form offers "orderhub: Shopify" and the others, with the fields each
source does not use hidden and the others labelled with the tap setting they fill. It
imports no Airflow: Airflow calls it while discovering providers.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from orderhub.airflow.connection_types import BY_SOURCE, GENERIC


def get_provider_info() -> dict[str, Any]:
    """What Airflow's ProvidersManager reads of a provider package."""
    return {
        "package-name": "orderhub",
        "name": "orderhub",
        "description": "Order data from ERPs and sales channels into one unified model.",
        "versions": [version("orderhub")],
        "connection-types": [
            {
                "connection-type": kind.conn_type,
                "hook-class-name": kind.hook_class,
                "hook-name": kind.hook_name,
                # provider info spells the keys in kebab case (hidden-fields)
                "ui-field-behaviour": {
                    key.replace("_", "-"): value for key, value in kind.ui_field_behaviour().items()
                },
            }
            for kind in (GENERIC, *BY_SOURCE.values())
        ],
    }
