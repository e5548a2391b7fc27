"""The core's modules import each other in one direction only, at import time."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import sse_codec

PACKAGE = Path(sse_codec.__file__).parent
# (_impl picks the decoder class: the compiled one, a C module, or _decoder's.)
CORE = ["_constants", "_errors", "_encoder", "_event", "_decoder", "_impl", "_streams"]
# Standard-library imports the core makes on first use only, on purpose:
# ServerSentEvent.json() loads json when called, so ``import sse_codec`` does not.
LAZY = {"import json"}


def _imports(module: str) -> tuple[set[str], list[str]]:
    """Core modules ``module`` imports at its top level, and imports made inside functions."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    top = {
        node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module in CORE
    }
    nested = [
        ast.unparse(node)
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(func)
        if isinstance(node, ast.Import | ast.ImportFrom) and ast.unparse(node) not in LAZY
    ]
    return top, nested


def test_core_imports_form_no_cycle_and_none_hides_in_a_function() -> None:
    graph = {}
    for module in CORE:
        top, nested = _imports(module)
        assert nested == [], f"{module} imports inside a function: {nested}"
        graph[module] = top
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message
        raise AssertionError(f"import cycle in the core: {exc.args[1]}") from exc
    assert order.index("_constants") < order.index("_encoder") < order.index("_event")
    assert order.index("_event") < order.index("_decoder") < order.index("_impl")
    assert order.index("_impl") < order.index("_streams")
