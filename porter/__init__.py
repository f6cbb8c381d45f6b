"""porter: port Linux-oriented Kubernetes workloads to Windows Server nodes."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("winporter")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
