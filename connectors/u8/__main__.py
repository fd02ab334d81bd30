"""`python -m connectors.u8` runs tap-u8.

It works before the console script exists.
"""

from connectors.u8.tap import TapU8

TapU8.cli()
