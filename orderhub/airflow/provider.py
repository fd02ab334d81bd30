"""orderhub as an Airflow provider: registers one connection type per source.

Airflow finds it through the ``apache_airflow_provider`` entry point (pyproject.toml),
so the connection form offers "orderhub: Shopify" and the others, with the fields each
source does not use hidden and the others labelled with the tap setting they fill.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any


def get_provider_info() -> dict[str, Any]:
    """What Airflow's ProvidersManager reads of a provider package (called by Airflow
    only, so importing the hooks, and Airflow with them, here costs nothing extra)."""
    from orderhub.airflow.hooks import SOURCE_HOOKS, OrderhubSourceHook

    hooks: list[type[OrderhubSourceHook]] = [OrderhubSourceHook, *SOURCE_HOOKS.values()]
    return {
        "package-name": "orderhub",
        "name": "orderhub",
        "description": "Order data from ERPs and sales channels into one unified model.",
        "versions": [version("orderhub")],
        "connection-types": [
            {
                "connection-type": hook.conn_type,
                "hook-class-name": f"{hook.__module__}.{hook.__qualname__}",
                "hook-name": hook.hook_name,
                "ui-field-behaviour": _kebab_keys(hook.get_ui_field_behaviour()),
            }
            for hook in hooks
        ],
    }


def _kebab_keys(behaviour: dict[str, Any]) -> dict[str, Any]:
    """A hook's field behaviour as provider info spells it (``hidden-fields``)."""
    return {key.replace("_", "-"): value for key, value in behaviour.items()}
