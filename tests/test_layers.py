"""The folders follow the data: a stage imports earlier stages, never a later one, never the entry
points that wire the stages together, and no stage's modules import each other in a circle (see
docs/architecture.md#what-each-package-may-import).

Every module under ``src/sentinel`` is parsed (not imported) and each of its imports read: at the
top, inside functions and under ``TYPE_CHECKING`` alike, since a deferred import is still a
dependency. ``cli``, ``app``, ``settings``, ``clock``, ``metrics``, ``errors``, ``replay``,
``demo`` and the other modules outside the stages may import anything; a stage may import those
shared modules, but not the entry points (``app``, ``cli``, ``demo``, ``replay``).

The allow-lists below are debts, each with its reason; an entry that no longer matches an import
fails too, so that fixing a debt also removes it from the list.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import sentinel

#: The stages in the order the data flows through them.
STAGES = ("collect", "normalise", "store", "analyse", "incidents", "escalation", "disclosure", "notify", "reports",
          "web")

#: The modules that wire the stages together and run them: no stage may import them.
ENTRY_POINTS = ("sentinel.app", "sentinel.cli", "sentinel.demo", "sentinel.replay")

_PARSERS_CLEAN_AS_THEY_PARSE = (
    "the parsers apply normalise's value cleaners (HTML to text, timestamps, canonical URLs) to the "
    "fields they read"
)
_THE_POLL_STORES = (
    "one poll is the collection job: it normalises what it fetched and stores it with the source's "
    "state in one go (moving the job out of collect/ is a structural change, not an import fix)"
)
_THE_STAGE_STARTS_CLOCKS = (
    "the incidents stage starts, waives and meets an incident's clocks in the transaction of the "
    "regrade or the recorded response that causes it (one transaction per batch); inverting it needs "
    "a hook the escalation stage provides, not a moved import"
)

#: (importing module, imported module) → why it is allowed for now.
ALLOWED: dict[tuple[str, str], str] = {
    ("sentinel.collect.html", "sentinel.normalise.text"): _PARSERS_CLEAN_AS_THEY_PARSE,
    ("sentinel.collect.html", "sentinel.normalise.times"): _PARSERS_CLEAN_AS_THEY_PARSE,
    ("sentinel.collect.html", "sentinel.normalise.urls"): _PARSERS_CLEAN_AS_THEY_PARSE,
    ("sentinel.collect.jsonfeed", "sentinel.normalise.times"): _PARSERS_CLEAN_AS_THEY_PARSE,
    ("sentinel.collect.jsonfeed", "sentinel.normalise.urls"): _PARSERS_CLEAN_AS_THEY_PARSE,
    ("sentinel.collect.push", "sentinel.normalise.times"): _PARSERS_CLEAN_AS_THEY_PARSE,
    ("sentinel.collect.rss", "sentinel.normalise.text"): _PARSERS_CLEAN_AS_THEY_PARSE,
    ("sentinel.collect.rss", "sentinel.normalise.times"): _PARSERS_CLEAN_AS_THEY_PARSE,
    ("sentinel.collect.rss", "sentinel.normalise.urls"): _PARSERS_CLEAN_AS_THEY_PARSE,
    ("sentinel.collect.cpu", "sentinel.normalise.item"):
        "a parse worker imports what its batches will need before the first one arrives",
    ("sentinel.collect.runner", "sentinel.normalise.item"): _THE_POLL_STORES,
    ("sentinel.collect.runner", "sentinel.store.db"): _THE_POLL_STORES,
    ("sentinel.collect.runner", "sentinel.store.items"): _THE_POLL_STORES,
    ("sentinel.collect.runner", "sentinel.store.models"): _THE_POLL_STORES,
    ("sentinel.collect.runner", "sentinel.store.sources"): _THE_POLL_STORES,
    ("sentinel.collect.runner", "sentinel.store.hotlists"): _THE_POLL_STORES,
    ("sentinel.incidents.flows", "sentinel.escalation.clocks"): _THE_STAGE_STARTS_CLOCKS,
    ("sentinel.incidents.flows", "sentinel.escalation.obligations"): _THE_STAGE_STARTS_CLOCKS,
    ("sentinel.incidents.service", "sentinel.notify.serialisation"):
        "an incident's detail lists its notifications by title, and a deferred message's title is its "
        "rendered template; the listing belongs in a later stage",
}

#: Import cycles among the stages' modules, each as the set of its modules.
KNOWN_CYCLES: dict[frozenset[str], str] = {}

ROOT = Path(sentinel.__file__).parent


@dataclass(frozen=True, slots=True)
class Import:
    importer: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer} imports {self.imported} (line {self.line})"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def imports_of(module: str) -> Iterator[Import]:
    """Every ``sentinel`` module ``module`` imports, anywhere in its text; ``from package import
    name`` counts as importing ``package.name`` when that is a module."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for name in names:
            if name == "sentinel" or name.startswith("sentinel."):
                yield Import(module, name, node.lineno)


def later_stage_imports() -> list[Import]:
    found = []
    for module in MODULES:
        stage = _stage(module)
        if stage is None:
            continue
        for imp in imports_of(module):
            target = _stage(imp.imported)
            if target is not None and STAGES.index(target) > STAGES.index(stage):
                found.append(imp)
    return found


def _entry_point(module: str) -> str | None:
    return next((entry for entry in ENTRY_POINTS if module == entry or module.startswith(entry + ".")), None)


def entry_point_imports() -> list[Import]:
    """Imports of ``app``, ``cli``, ``demo`` or ``replay`` from inside a stage."""
    return [imp for module in MODULES if _stage(module) is not None
            for imp in imports_of(module) if _entry_point(imp.imported) is not None]


def stage_cycles() -> list[frozenset[str]]:
    """The strongly connected groups of two or more modules in the stages' import graph."""
    graph = {module: sorted({imp.imported for imp in imports_of(module) if imp.imported in MODULES} - {module})
             for module in MODULES if _stage(module) is not None}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[frozenset[str]] = []

    def visit(module: str) -> None:  # Tarjan's algorithm; the graph is a few hundred modules deep at most
        order[module] = low[module] = len(order)
        stack.append(module)
        for other in graph.get(module, []):
            if other not in order:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], order[other])
        if low[module] == order[module]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(frozenset(group))

    for module in graph:
        if module not in order:
            visit(module)
    return cycles


def test_every_stage_and_its_modules_are_found() -> None:
    assert {_stage(module) for module in MODULES} >= set(STAGES)
    assert "sentinel.escalation.roster" in MODULES and "sentinel.notify.outbox" in MODULES


def test_no_stage_imports_a_later_stage() -> None:
    found = later_stage_imports()
    wrong = [f"{imp}: {_stage(imp.importer)} must not import {_stage(imp.imported)}, a later stage"
             for imp in found if (imp.importer, imp.imported) not in ALLOWED]
    assert not wrong, "\n".join(wrong)


def test_no_stage_imports_an_entry_point() -> None:
    wrong = [f"{imp}: {_stage(imp.importer)} must not import {_entry_point(imp.imported)}, which wires the stages"
             for imp in entry_point_imports() if (imp.importer, imp.imported) not in ALLOWED]
    assert not wrong, "\n".join(wrong)


def test_every_allowed_exception_is_still_needed() -> None:
    seen = {(imp.importer, imp.imported) for imp in [*later_stage_imports(), *entry_point_imports()]}
    stale = [f"{importer} no longer imports {imported}: remove it from ALLOWED"
             for importer, imported in ALLOWED if (importer, imported) not in seen]
    assert not stale, "\n".join(stale)


def test_no_import_cycles_among_the_stages_modules() -> None:
    cycles = stage_cycles()
    new = [" ↔ ".join(sorted(cycle)) for cycle in cycles if cycle not in KNOWN_CYCLES]
    assert not new, "import cycles:\n" + "\n".join(new)
    stale = [" ↔ ".join(sorted(cycle)) for cycle in KNOWN_CYCLES if cycle not in cycles]
    assert not stale, "no longer a cycle, remove it from KNOWN_CYCLES:\n" + "\n".join(stale)


def test_a_later_stage_import_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "module.py"
    path.write_text("from sentinel.analyse.grading import Grade\nfrom sentinel.web.app import create_app\n",
                    encoding="utf-8")
    monkeypatch.setitem(MODULES, "sentinel.analyse.later", path)
    found = [str(imp) for imp in later_stage_imports() if imp.importer == "sentinel.analyse.later"]
    assert found == ["sentinel.analyse.later imports sentinel.web.app (line 2)"]


def test_an_entry_point_import_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "module.py"
    path.write_text("from sentinel.clock import Clock\n\ndef f():\n    from sentinel.cli import main\n", encoding="utf-8")
    monkeypatch.setitem(MODULES, "sentinel.escalation.later", path)
    found = [str(imp) for imp in entry_point_imports() if imp.importer == "sentinel.escalation.later"]
    assert found == ["sentinel.escalation.later imports sentinel.cli (line 4)"]


@pytest.mark.parametrize(("source", "module", "expected"), [
    ("from sentinel.notify.outbox import Dispatcher", "sentinel.escalation.engine", "sentinel.notify.outbox"),
    ("from sentinel.store import items as item_store", "sentinel.collect.runner", "sentinel.store.items"),
    ("def f():\n    import sentinel.web.app", "sentinel.analyse.rules", "sentinel.web.app"),
    ("from ..notify import outbox", "sentinel.escalation.engine", "sentinel.notify.outbox"),
])
def test_the_reader_sees_every_form_of_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str,
                                              module: str, expected: str) -> None:
    path = tmp_path / "module.py"
    path.write_text(source, encoding="utf-8")
    monkeypatch.setitem(MODULES, module, path)
    assert [imp.imported for imp in imports_of(module)] == [expected]
