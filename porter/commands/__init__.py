"""One module per command (the typer app is in ``porter.cli``)."""
