"""The runner ends a run `succeeded_with_errors` when the target counted invalid input."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from orderhub.exceptions import ConfigurationError
from orderhub.runner.settings import PipelineSettings, Settings
from orderhub.runner.sync import SyncRunner
from orderhub.warehouse import schema

# A tap that sends one orders record and a state, and succeeds.
TAP = """#!{python}
import json, sys
args = sys.argv[1:]
if "--about" in args:
    print(json.dumps({{"name": "tap-tiny", "settings": {{"properties": {{}}}}}}))
elif "--discover" in args:
    print(json.dumps({{"streams": [{{"tap_stream_id": "orders", "metadata": []}}]}}))
else:
    print(json.dumps({{"type": "STATE", "value": {{}}}}))
"""

# Stands in for target-orderhub: reads its input to the end and reports, as the real one
# does for lines that are not Singer messages, how many of them it received.
TARGET = """#!{python}
import json, sys
from sqlalchemy import update
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine
args = sys.argv[1:]
if "--about" in args:
    print(json.dumps({{"name": "target-orderhub", "settings": {{"properties": {{
        "warehouse_url": {{"secret": True}}}}}}}}))
    sys.exit(0)
config = json.load(open(args[args.index("--config") + 1]))
sys.stdin.read()
engine = create_warehouse_engine(config["warehouse_url"])
with engine.begin() as connection:
    connection.execute(update(schema.sync_runs)
        .where(schema.sync_runs.c.run_id == config["run_id"]).values(invalid_messages={invalid}))
"""


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize(("invalid", "status"), [(0, "succeeded"), (3, "succeeded_with_errors")])
def test_invalid_messages_make_the_run_succeed_with_errors(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invalid: int, status: str
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tap = executable(bin_dir / "tap-tiny", TAP.format(python=sys.executable))
    executable(bin_dir / "target-orderhub", TARGET.format(python=sys.executable, invalid=invalid))
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path(sys.executable).parent}")
    settings = Settings(
        warehouse=sqlite_url, pipelines={"tiny": PipelineSettings(source="shopify", tap=str(tap))}
    )
    result = SyncRunner(settings, work_dir=tmp_path).run("tiny")

    assert result.status == status
    with SyncRunner(settings, work_dir=tmp_path).engine.connect() as connection:
        row = connection.execute(select(schema.sync_runs)).one()
    assert row.status == status
    if invalid:
        assert result.message == row.message
        assert f"{invalid} input line(s) were not Singer messages" in row.message
        assert "orderhub deadletters list" in row.message
    else:
        assert result.message is None and row.message is None


# A tap whose configuration is wrong: --discover fails with its own explanation.
BAD_CONFIG_TAP = """#!{python}
import json, sys
args = sys.argv[1:]
if "--about" in args:
    print(json.dumps({{"name": "tap-bad", "settings": {{"properties": {{
        "api_key": {{"secret": True}}, "shop": {{}}}}}}}}))
    sys.exit(0)
config = json.load(open(args[args.index("--config") + 1]))
sys.stderr.write("INFO starting\\n")
sys.stderr.write(f"ConfigError: `shop` is required (api_key {{config['api_key']}} is fine)\\n")
sys.exit(1)
"""


def test_a_tap_configuration_error_shows_the_taps_own_message_first(
    sqlite_url: str, tmp_path: Path
) -> None:
    tap = executable(tmp_path / "tap-bad", BAD_CONFIG_TAP.format(python=sys.executable))
    pipeline = PipelineSettings(source="shopify", tap=str(tap), config={"api_key": 55501234})
    settings = Settings(warehouse=sqlite_url, pipelines={"bad": pipeline})
    with pytest.raises(ConfigurationError) as error:
        SyncRunner(settings, work_dir=tmp_path).run("bad")
    message = str(error.value)
    first = message.splitlines()[0]
    assert first.startswith(f"{tap.name} --discover failed (exit 1); the tap said")
    assert "ConfigError: `shop` is required (api_key *** is fine)" in message
    assert "55501234" not in message and "resume" not in message
    assert "Fix the setting(s) api_key, shop in orderhub.yml" in message
