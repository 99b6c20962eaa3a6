"""Who is calling the JSON API: a customer by their session token, or an operator (the admin
token, or a staff member with a role the endpoint accepts: http/guards.py)."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.types import Scope

from flashsale.customers.accounts import Accounts
from flashsale.http.requests import bearer_token
from flashsale.kernel.errors import Forbidden
from flashsale.kernel.keys import same_secret
from flashsale.staff.model import Operator


def remember_operator(request: Request, operator: Operator) -> None:
    request.state.operator = operator


def remember_operator_in(scope: Scope, operator: Operator) -> None:
    """``remember_operator`` for a bare ASGI endpoint: the request's state is the scope's."""
    scope.setdefault("state", {})["operator"] = operator


def operator_of(request: Request) -> Operator | None:
    """The operator the endpoint's guard let through, if it is an operator's endpoint."""
    found: Operator | None = getattr(request.state, "operator", None)
    return found


def operator_in(scope: Scope) -> Operator | None:
    """``operator_of`` for a bare ASGI endpoint."""
    found: Operator | None = scope.get("state", {}).get("operator")
    return found


class CallerServices(Protocol):
    accounts: Accounts

    @property
    def admin_token(self) -> str: ...


class Callers:
    def __init__(self, services: CallerServices) -> None:
        self._accounts = services.accounts
        self._admin_token = services.admin_token

    def customer(self, request: Request) -> str:
        """The customer whose bearer session token this is; 401 otherwise."""
        return self._accounts.customer_id_of(bearer_token(request))

    def require_admin(self, request: Request) -> None:
        if operator_of(request) is not None:  # let through by the endpoint's declared roles
            return
        if not same_secret(bearer_token(request), self._admin_token):
            raise Forbidden("this needs the admin token")
