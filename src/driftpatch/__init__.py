"""driftpatch: find Terraform drift and misconfigurations, and write the fix into the code."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("driftpatch")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.1.0"

__all__ = ["__version__"]
