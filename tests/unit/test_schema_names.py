"""The OpenAPI document names each body by its class: two of one name would be renamed by
pydantic after their modules (``flashsale__http__schemas__stores__SaleIn``), and a reader
would find neither under the name the code uses."""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

from pydantic import BaseModel

import flashsale.http.schemas as schemas


def test_no_two_request_or_response_models_share_a_name() -> None:
    modules_of: dict[str, set[str]] = defaultdict(set)
    for info in pkgutil.iter_modules(schemas.__path__):
        module = importlib.import_module(f"{schemas.__name__}.{info.name}")
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == module.__name__
            ):
                modules_of[name].add(info.name)
    assert {name: sorted(found) for name, found in modules_of.items() if len(found) > 1} == {}
