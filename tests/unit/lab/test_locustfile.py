"""The locustfile parses and drives the same flows as the simulator (Locust is optional)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

LOCUSTFILE = Path(__file__).parents[3] / "benchmarks" / "locustfile.py"


def test_the_locustfile_parses_and_walks_the_fan_flow() -> None:
    tree = ast.parse(LOCUSTFILE.read_text(encoding="utf-8"))
    users = [
        node
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(isinstance(base, ast.Name) and base.id == "HttpUser" for base in node.bases)
    ]
    assert [user.name for user in users] == ["Fan"]
    source = ast.unparse(tree)
    for path in ("/customers", "/sessions", "/registrations", "/purchases", "/payments"):
        assert path in source
    assert "Idempotency-Key" in source and "Retry-After" in source and "server_time" in source


def test_the_locustfile_imports_where_locust_is_installed() -> None:
    if importlib.util.find_spec("locust") is None:
        pytest.skip("locust is not installed (pip install locust); it is not a dependency")
    spec = importlib.util.spec_from_file_location("flashsale_locustfile", LOCUSTFILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.Fan.wait_time is not None
