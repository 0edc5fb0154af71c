"""Output formats, registered by name. `-o FORMAT[:PATH]` picks from `REPORTERS`."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from driftpatch.report.base import Reporter


class _Registry(Mapping[str, Reporter]):
    """Format name -> reporter, each reporter's module imported on first use.

    Why lazy: the console reporter alone loads rich (~70 ms of a scan's start-up), and a run
    that writes only JSON never needs it. Iteration order is the registration order below."""

    def __init__(self, modules: Mapping[str, str]) -> None:
        self._modules = dict(modules)
        self._loaded: dict[str, Reporter] = {}

    def __getitem__(self, name: str) -> Reporter:
        found = self._loaded.get(name)
        if found is None:
            module = importlib.import_module(self._modules[name])  # KeyError: unknown format
            found = self._loaded[name] = module.REPORTER
            assert found.name == name, (name, found.name)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


REPORTERS: Mapping[str, Reporter] = _Registry(
    {
        name: f"driftpatch.report.{module}"
        for name, module in (
            ("console", "console"),
            ("json", "json"),
            ("sarif", "sarif"),
            ("markdown", "markdown"),
            ("html", "html"),
            ("junit", "junit"),
            ("patch", "patch"),
        )
    }
)

__all__ = ["REPORTERS", "Reporter"]
