"""The engine: the transform protocol, the registry, configuration, findings, the pipeline
that runs transforms over documents, and suppression."""
