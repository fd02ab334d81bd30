"""A failed tap's message: its specific reason first, its traceback only on request."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from orderhub.runner import outcome

CONFIG_LOG = """\
2026-12-02 01:24:21,198 | INFO     | tap-shopify | tap-shopify v0.1.0, Meltano SDK v0.54.9
2026-12-02 01:24:21 | ERROR | tap-shopify | *** is not of type 'string' in config['access_token']
2026-12-02 01:24:21,199 | ERROR    | tap-shopify | Config validation failed
"""

TRACEBACK_LOG = """\
2026-12-02 01:24:21,198 | INFO     | tap-shopify | Beginning full_table sync of 'customers'...
Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/urllib3/connection.py", line 198, in _new_conn
    sock = connection.create_connection(
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
ConnectionRefusedError: [Errno 111] Connection refused

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/venv/bin/tap-shopify", line 10, in <module>
    sys.exit(TapShopify.cli())
singer_sdk.exceptions.FatalAPIError: Giving up on stream 'customers' after 6 attempts
"""


def write(tmp_path: Path, text: str) -> Path:
    log = tmp_path / "tap.log"
    log.write_text(text)
    return log


def test_the_specific_reason_comes_before_the_generic_one(tmp_path: Path) -> None:
    log = write(tmp_path, CONFIG_LOG)
    message = outcome.tap_could_not_start("tap-shopify", "shop", 1, log, ["access_token"])
    first = message.splitlines()[0]
    assert first == (
        "tap-shopify failed before sending any record (exit 1): *** is not of type 'string' "
        "in config['access_token']; Config validation failed"
    )
    assert "check the setting(s) access_token of pipeline shop" in message


def test_a_traceback_is_left_out_of_the_message(tmp_path: Path) -> None:
    log = write(tmp_path, TRACEBACK_LOG)
    message = outcome.tap_could_not_start("tap-shopify", "shop", 1, log, ["access_token"])
    assert message.splitlines()[0].endswith(
        "singer_sdk.exceptions.FatalAPIError: Giving up on stream 'customers' after 6 attempts"
    )
    assert "Traceback" not in message and "  File " not in message and "^^^" not in message
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in message
    assert "rerun with --debug" in message
    assert outcome.logs_named_in(message) == [log]
    shown = outcome.last_traceback(log)
    assert shown is not None and shown.startswith("Traceback (most recent call last):")
    assert 'File "/venv/bin/tap-shopify", line 10' in shown


def test_a_log_without_traceback_is_shown_as_it_is(tmp_path: Path) -> None:
    log = write(tmp_path, CONFIG_LOG.replace("\n", "\n\n", 1))  # a blank line is no frame
    assert outcome.log_lines(log) == CONFIG_LOG.strip()
    assert outcome.last_traceback(log) is None
    message = outcome.tap_failed("tap-shopify", "shop", 1, log)
    assert "--debug" not in message


_FRAMES = st.lists(
    st.sampled_from(
        [
            "Traceback (most recent call last):",
            '  File "/x.py", line 3, in f',
            "    return g()",
            "           ^^^",
            "",
            "During handling of the above exception, another exception occurred:",
        ]
    ),
    max_size=12,
)
# A log's trailing whitespace is not kept (it is read stripped): lines end in a mark.
_LOG_LINE = st.from_regex(r"\A[A-Za-z0-9]([A-Za-z0-9 |:,.'-]{0,39}[A-Za-z0-9|:,.'-])?\Z")


@given(chunks=st.lists(st.tuples(_FRAMES, _LOG_LINE), min_size=1, max_size=6))
def test_no_traceback_frame_reaches_a_message(chunks: list[tuple[list[str], str]]) -> None:
    lines = [line for frames, own in chunks for line in (*frames, own)]
    with tempfile.TemporaryDirectory() as folder:  # hypothesis reruns: no tmp_path
        log = Path(folder) / "tap.log"
        log.write_text("\n".join(lines) + "\n")
        shown = outcome.log_lines(log, lines=100).splitlines()
    hidden = "(traceback left out: rerun with --debug to print it)"
    kept = [line for line in shown if line != hidden]
    assert kept == [own for _, own in chunks]  # every line of the tool's own, no frame
    assert (hidden in shown) == any("Traceback (most recent call last):" in f for f, _ in chunks)
