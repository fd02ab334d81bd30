"""A numeric token and a database URL with a password never leave `orderhub sync`:
not on the console, in sync_runs.message, in the log files or in dead letters."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import yaml
from sqlalchemy import select

from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine
from tests.conftest import ROOT
from tests.e2e.test_crash_safety import ORDERHUB

TOKEN = 987654321012  # numeric, as YAML gives it
PASSWORD = "Wh1skyTang0pw"

# A tap that says everything it should not: it logs its token and the warehouse URL,
# sends a record whose dead-letter reason quotes the token, and fails quoting both.
LEAKY_TAP = """#!{python}
import json, os, sys
sys.path.insert(0, {root!r})
from tests.shopify_records import messages, order

args = sys.argv[1:]
if "--about" in args:
    print(json.dumps({{"name": "tap-leaky", "settings": {{"type": "object", "properties": {{
        "access_token": {{"type": ["integer"], "secret": True, "writeOnly": True}},
        "api_url": {{"type": ["string"]}}}}}}}}))
    sys.exit(0)
config = json.load(open(args[args.index("--config") + 1]))
token, leak = config["access_token"], os.environ["LEAK"]
if "--discover" in args:
    print(json.dumps({{"streams": [{{"tap_stream_id": "orders", "stream": "orders",
        "schema": {{}}, "metadata": [{{"breadcrumb": [], "metadata": {{}}}}]}}]}}))
    sys.exit(0)
sys.stderr.write(f"INFO token {{token}} for {{leak}}; password and passing words stay\\n")
for message in messages([order(1, currency=str(token)), order(2)]):
    print(json.dumps(message), flush=True)
sys.stderr.write(f"RuntimeError: source hiccup with token {{token}} at {{leak}}\\n")
sys.exit(2)
"""


def test_secrets_never_reach_console_runs_logs_or_dead_letters(pg_url: str, tmp_path: Path) -> None:
    warehouse = pg_url.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    assert PASSWORD in warehouse  # trust auth: any password connects
    tap = tmp_path / "tap-leaky"
    tap.write_text(LEAKY_TAP.format(python=sys.executable, root=str(ROOT)))
    tap.chmod(tap.stat().st_mode | stat.S_IXUSR)
    config = tmp_path / "orderhub.yml"
    pipeline = {"source": "shopify", "tap": str(tap), "config": {"access_token": TOKEN}}
    config.write_text(yaml.safe_dump({"warehouse": warehouse, "pipelines": {"leaky": pipeline}}))

    done = subprocess.run(
        [ORDERHUB, "sync", "leaky", "--config", str(config)],
        cwd=tmp_path,
        env={**os.environ, "LEAK": warehouse, "COLUMNS": "200"},
        capture_output=True,
        timeout=300,
    )
    console = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 1, console

    engine = create_warehouse_engine(pg_url)
    with engine.connect() as connection:
        message = connection.execute(select(schema.sync_runs.c.message)).scalar_one()
        reasons = list(connection.execute(select(schema.dead_letters.c.reason)).scalars())
    logs = {p.name: p.read_text() for p in tmp_path.glob(".orderhub/logs/*/*.log")}
    assert set(logs) == {"tap.log", "target.log"}

    outputs = {"console": console, "sync_runs.message": message, **logs, "dead": " ".join(reasons)}
    for where, text in outputs.items():
        for secret in (str(TOKEN), PASSWORD, warehouse):
            assert secret not in text, f"{secret} leaked into {where}"
    # Redacted, not dropped: the tap's own words are there around the masks.
    assert "RuntimeError: source hiccup with token *** at ***" in message
    assert "RuntimeError: source hiccup with token *** at ***" in " ".join(console.split())
    assert "INFO token *** for ***; password and passing words stay" in logs["tap.log"]
    [reason] = reasons
    assert "'***' is not an ISO 4217 currency code" in reason
