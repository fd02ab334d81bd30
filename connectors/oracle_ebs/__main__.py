"""`python -m connectors.oracle_ebs` runs tap-oracle-ebs.

It works before the console script exists.
"""

from connectors.oracle_ebs.tap import TapOracleEbs

TapOracleEbs.cli()
