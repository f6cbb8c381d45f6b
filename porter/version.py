"""porter's version (read by the build and by ``porter --version``)."""

__version__ = "0.1.0"
