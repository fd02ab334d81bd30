"""The oracle_ebs connector: its tap, client, streams and simulator."""
