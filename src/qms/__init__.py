"""qms: quality-management and audit toolkit for administrative-procedure dossiers."""

from functools import lru_cache


@lru_cache(maxsize=1)
def _installed_version() -> str:
    # importlib.metadata costs ~70 ms at import: looked up only when asked for,
    # so that `qms --help` does not pay for it.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("qms")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+source"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module 'qms' has no attribute {name!r}")
