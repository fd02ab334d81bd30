"""The sap connector: its tap, client, streams and simulator."""
