"""Where recipe names meet classes: `- gopher_quality: {...}` resolves to the step registered under it.

Built-in steps and sources register themselves on import: every module of the packages below is imported
once, so adding a step is adding a file. Step modules import heavy libraries inside the step, not at the
top. Third-party packages add theirs through the `geocorpus.steps` / `geocorpus.sources` entry-point
groups, so a recipe can use them without forking us.

A worker process only needs the steps its task names: `step_class` / `source_class` import the one module
a class was defined in (the driver, which validated the recipe with everything loaded, sends its name along)
and fall back to loading everything. Importing all step modules costs a worker seconds and ~100 MB.
"""

from __future__ import annotations

import importlib
import pkgutil
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
    from importlib.metadata import entry_points  # ~0.1 s of imports a worker with a known module skips

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


def step_class(name: str, module: str = "") -> type[Step]:
    """The step registered under `name`, importing only `module` when it is not registered yet."""
    return _lookup(STEPS, name, module)


def source_class(name: str, module: str = "") -> type[Source]:
    """The source registered under `name`, importing only `module` when it is not registered yet."""
    return _lookup(SOURCES, name, module)


def module_of(table: dict[str, type], name: str) -> str:
    """The module that defines what is registered under `name` ("" if nothing is): what `_lookup` imports."""
    cls = table.get(name)
    return cls.__module__ if cls is not None else ""


def _lookup(table: dict[str, type[T]], name: str, module: str) -> type[T]:
    if name not in table and module and not _loaded:
        importlib.import_module(module)
    if name not in table:  # no module given, or it registers its class elsewhere (a plugin's __init__)
        load_all()
    return table[name]
