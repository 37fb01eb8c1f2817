"""Where recipe names meet classes: `- gopher_quality: {...}` resolves to the step registered under it.

Built-in steps and sources register themselves on import: every module of the packages below is imported
once, so adding a step is adding a file. Step modules import heavy libraries inside the step, not at the
top. Third-party packages add theirs through the `geocorpus.steps` / `geocorpus.sources` entry-point
groups, so a recipe can use them without forking us.
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from geocorpus.pipeline.step import Step
    from geocorpus.sources.base import Source

_BUILTIN_PACKAGES = ("geocorpus.sources", "geocorpus.extract", "geocorpus.filters", "geocorpus.classify",
                     "geocorpus.dedup")

STEPS: dict[str, type[Step]] = {}
SOURCES: dict[str, type[Source]] = {}
_loaded = False

T = TypeVar("T")


def register_step(cls: type[T]) -> type[T]:
    """Class decorator: make a step usable in recipes under its `name`."""
    _register(STEPS, cls, "step")
    return cls


def register_source(cls: type[T]) -> type[T]:
    """Class decorator: make a source usable in recipes under its `name`."""
    _register(SOURCES, cls, "source")
    return cls


def _register(table: dict, cls: type, what: str) -> None:
    name = cls.name  # type: ignore[attr-defined]
    if name in table and table[name] is not cls:
        raise ValueError(f"two {what}s registered under the name {name!r}: {table[name]} and {cls}")
    table[name] = cls


def load_all() -> None:
    """Import the built-in steps and sources and the plugins' entry points (once per process)."""
    global _loaded
    if _loaded:
        return
    for name in _BUILTIN_PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.iter_modules(package.__path__, prefix=f"{name}."):
            importlib.import_module(module.name)
    for group in ("geocorpus.steps", "geocorpus.sources"):
        for entry in entry_points(group=group):
            entry.load()
    _loaded = True


def steps() -> dict[str, type[Step]]:
    load_all()
    return STEPS


def sources() -> dict[str, type[Source]]:
    load_all()
    return SOURCES
