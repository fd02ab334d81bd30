"""The u8 connector: its tap, client, streams and simulator."""
