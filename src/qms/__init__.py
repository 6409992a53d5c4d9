"""qms: quality-management and audit toolkit for administrative-procedure dossiers."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("qms")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
