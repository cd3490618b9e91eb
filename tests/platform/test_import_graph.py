"""No import cycle between modules anywhere in the project (docs/architecture.md).

import-linter (`make lint`, CI) checks that trading's subpackages depend one way and that the
platform apps never import trading; a cycle inside one package is something its contracts do
not see, so this test builds the whole import graph with grimp (what import-linter uses) and
prints every cycle it finds, as a chain of imports a reader can follow.
"""

from __future__ import annotations

import grimp

PACKAGES = ("config", "accounts", "auditlog", "notifications", "brokers", "trading", "mlops")


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """The groups of modules that import each other through a cycle (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            step = next(imported, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = counter
                    counter += 1
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph.find_modules_directly_imported_by(step)))))
                elif step in on_stack:
                    low[module] = min(low[module], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def cycle_through(graph: grimp.ImportGraph, group: list[str]) -> list[str]:
    """One cycle of `group`, as `a -> b -> ... -> a`."""
    start = group[0]
    back = next(m for m in sorted(graph.find_modules_directly_imported_by(start)) if m in group)
    chain = graph.find_shortest_chain(importer=back, imported=start) or (back, start)
    return [start, *chain]


def cycles_report(graph: grimp.ImportGraph) -> list[str]:
    return [" -> ".join(cycle_through(graph, group)) for group in strongly_connected(graph)]


def test_no_module_imports_itself_back_through_others():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert {"trading.execution.services.orders", "brokers.simulator.app"} <= graph.modules  # all read
    report = cycles_report(graph)
    assert not report, "import cycles:\n" + "\n".join(report)


def test_the_report_names_each_cycle_as_a_chain_of_imports():
    graph = grimp.ImportGraph()
    edges = (("app.a", "app.b"), ("app.b", "app.c"), ("app.c", "app.a"), ("app.c", "app.d"))
    for importer, imported in edges:
        graph.add_import(importer=importer, imported=imported)
    graph.add_import(importer="app.e", imported="app.e2")
    graph.add_import(importer="app.e2", imported="app.e")
    assert cycles_report(graph) == ["app.a -> app.b -> app.c -> app.a", "app.e -> app.e2 -> app.e"]


def test_the_app_registers_every_subpackage_in_the_order_the_contract_checks():
    """A subpackage missing from trading/apps.py would never register its tasks, admin pages or
    receivers; its place there is its layer in pyproject.toml (bottom first)."""
    import tomllib
    from pathlib import Path

    from trading.apps import SUBPACKAGES

    root = Path(__file__).resolve().parents[2]
    on_disk = {p.parent.name for p in (root / "trading").glob("*/__init__.py")} - {"migrations", "management"}
    assert set(SUBPACKAGES) == on_disk
    contracts = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["id"] == "trading-layers")["layers"]
    bottom_up = [
        name.strip().removeprefix("trading.") for layer in reversed(layers) for name in layer.split("|")
    ]
    assert bottom_up == list(SUBPACKAGES)
