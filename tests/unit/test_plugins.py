"""Every tap and the target describe their settings the way Meltano reads them."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
PLUGINS = sorted(name for name in SCRIPTS if name.startswith(("tap-", "target-")))


@pytest.mark.parametrize("plugin", PLUGINS)
def test_about_lists_settings_with_secrets_marked(plugin: str) -> None:
    executable = Path(sys.executable).parent / plugin
    done = subprocess.run(
        [str(executable), "--about", "--format", "json"], capture_output=True, check=True
    )
    about = json.loads(done.stdout)
    settings = about["settings"]["properties"]
    assert settings, f"{plugin} declares no settings"
    secrets = {name for name, schema in settings.items() if schema.get("secret")}
    assert secrets, f"{plugin}: its credential setting must be marked secret"
    assert about["version"] != "[could not be detected]"
