"""Outputs: each a pure function of the results (the CLI does the IO)."""
