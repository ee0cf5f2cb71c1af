"""Imports only run downward and never in a circle (ARCHITECTURE.md), read from the code with ast.

Every import statement of every module of firmware/, calibration/ and trainer/ counts, at the top
or inside a function, relative ones resolved. The layers are those of :mod:`trainer.layers`.
"""
from __future__ import annotations

import ast
import functools
from pathlib import Path

from trainer import layers

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("firmware", "calibration", "trainer")


def _modules() -> dict[str, Path]:
    out = {}
    for top in PRODUCT:
        for p in sorted((ROOT / top).rglob("*.py")):
            parts = p.relative_to(ROOT).with_suffix("").parts
            if "__pycache__" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = p
    return out


@functools.lru_cache(maxsize=None)
def import_graph() -> tuple[dict[str, Path], tuple[tuple[str, str, str], ...]]:
    """(modules, edges): an edge is (importer, imported, 'path:line'), both modules of the product."""
    mods = _modules()

    def known(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    edges, seen = [], set()
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text(), str(path))
        where = lambda n: f"{path.relative_to(ROOT)}:{n.lineno}"  # noqa: E731
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    pkg = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    pkg = pkg[:len(pkg) - (node.level - 1)]
                    base = ".".join(pkg + ([node.module] if node.module else []))
                else:
                    base = node.module
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for t in targets:
                k = known(t)
                if k and k != mod and (mod, k, where(node)) not in seen:
                    seen.add((mod, k, where(node)))
                    edges.append((mod, k, where(node)))
    return mods, tuple(sorted(edges, key=lambda e: (e[2].split(":")[0], int(e[2].split(":")[1]), e[1])))


def _fmt(bad: list[str], what: str) -> str:
    return f"{len(bad)} {what}:\n  " + "\n  ".join(bad)


def test_every_module_has_a_layer():
    mods, _ = import_graph()
    bad = [f"{p.relative_to(ROOT)}: {m} is in no package of trainer/layers.py (add it there)"
           for m, p in mods.items() if layers.group_of(m) is None]
    assert not bad, _fmt(bad, "modules without a layer")


def test_no_import_from_a_higher_layer_or_an_unwritten_sibling():
    _, edges = import_graph()
    bad = []
    for src, dst, where in edges:
        gs, gd = layers.group_of(src), layers.group_of(dst)
        if gs is None or gd is None or gs == gd:
            continue
        ls, ld = layers.layer_of(gs), layers.layer_of(gd)
        if ld > ls:
            bad.append(f"{where}: {src} (L{ls} {gs}) imports {dst} (L{ld} {gd}): upward")
        elif ld == ls and (gs, gd) not in layers.ARROWS:
            bad.append(f"{where}: {src} (L{ls} {gs}) imports {dst} ({gd}, the same layer): "
                       f"a sibling import with no arrow in trainer/layers.py")
    assert not bad, _fmt(bad, "imports against the layers")


def _cycles(edges) -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for s, d, _ in edges:
        graph.setdefault(s, set()).add(d)
    index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]

    def strong(v):                      # Tarjan, iterative enough for a few hundred modules
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return comps


def _shortest_cycle(comp: list[str], edges) -> list[str]:
    inside = set(comp)
    graph: dict[str, list[str]] = {}
    for s, d, _ in edges:
        if s in inside and d in inside and d not in graph.setdefault(s, []):
            graph[s].append(d)
    best = None
    for start in comp:
        prev, frontier = {start: None}, [start]
        while frontier:
            nxt = []
            for v in frontier:
                for w in graph.get(v, ()):
                    if w == start:
                        path, u = [start], v
                        while u is not None:
                            path.append(u)
                            u = prev[u]
                        cyc = path[::-1]
                        if best is None or len(cyc) < len(best):
                            best = cyc
                        nxt = []
                        break
                    if w not in prev:
                        prev[w] = v
                        nxt.append(w)
                else:
                    continue
                break
            frontier = nxt
    return best or comp


def test_no_import_circles():
    _, edges = import_graph()
    bad = []
    for comp in _cycles(edges):
        cyc = _shortest_cycle(comp, edges)
        steps = []
        for a, b in zip(cyc, cyc[1:]):
            lines = sorted({w for s, d, w in edges if s == a and d == b})
            steps.append(f"{a} -> {b} ({', '.join(lines)})")
        bad.append(f"circle through {len(comp)} modules ({', '.join(comp)}):\n    " + "\n    ".join(steps))
    assert not bad, _fmt(bad, "import circles")
