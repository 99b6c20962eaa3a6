"""The shop's staff over JSON: the operator adds, lists and disables members; a member logs in
for a staff token (``Authorization: Bearer``) and logs out.

Each endpoint declares the roles it accepts (``Endpoint.roles``), which http/guards.py
enforces. Log-in is limited per client address and per account like a customer's (429), and
disabling a member ends every session of theirs.
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.http.admission import client_address
from flashsale.http.endpoints import V1, Endpoint
from flashsale.http.requests import bearer_token, read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.staff import (
    StaffIn,
    StaffListOut,
    StaffOut,
    StaffSessionIn,
    StaffSessionOut,
)
from flashsale.staff.model import Role
from flashsale.staff.service import StaffDirectory, StaffSpec


class StaffServices(Protocol):
    staff: StaffDirectory


class StaffApi:
    def __init__(self, services: StaffServices) -> None:
        self._staff = services.staff

    async def add_staff_member(self, request: Request) -> Response:
        body = await read_json(request, StaffIn)
        spec = StaffSpec(body.email, body.password, body.roles, body.markets, body.languages)
        return json_response(StaffOut.of(await self._staff.add(spec)), 201)

    async def list_staff(self, request: Request) -> Response:
        members = await self._staff.members()
        return json_response(StaffListOut(staff=[StaffOut.of(m) for m in members]))

    async def disable_staff_member(self, request: Request) -> Response:
        member = await self._staff.disable(request.path_params["staff_id"])
        return json_response(StaffOut.of(member))

    async def staff_log_in(self, request: Request) -> Response:
        body = await read_json(request, StaffSessionIn)
        token = await self._staff.log_in(body.email, body.password, address=client_address(request))
        member = await self._staff.member_of(token)
        return json_response(StaffSessionOut(token=token, staff=StaffOut.of(member)))

    async def staff_log_out(self, request: Request) -> Response:
        await self._staff.log_out(bearer_token(request))
        return Response(status_code=204)


def endpoints(services: StaffServices) -> list[Endpoint]:
    api = StaffApi(services)
    return [
        Endpoint(
            "POST",
            f"{V1}/admin/staff",
            api.add_staff_member,
            "Add a staff member",
            "staff",
            201,
            body=StaffIn,
            response=StaffOut,
            auth="admin",
            problems=(409, 422, 503),
        ),
        Endpoint(
            "GET",
            f"{V1}/admin/staff",
            api.list_staff,
            "Every staff member, disabled ones too",
            "staff",
            response=StaffListOut,
            auth="admin",
            roles=(Role.SUPERVISOR,),
        ),
        Endpoint(
            "POST",
            f"{V1}/admin/staff/{{staff_id}}/disable",
            api.disable_staff_member,
            "Disable a staff member: every session of theirs ends",
            "staff",
            response=StaffOut,
            auth="admin",
            problems=(404,),
        ),
        Endpoint(
            "POST",
            f"{V1}/staff-sessions",
            api.staff_log_in,
            "Staff log-in (Bearer token)",
            "staff",
            body=StaffSessionIn,
            response=StaffSessionOut,
            problems=(401, 403, 422, 429, 503),
        ),
        Endpoint(
            "DELETE",
            f"{V1}/staff-sessions",
            api.staff_log_out,
            "Staff log-out: end this session",
            "staff",
            204,
            auth="staff",
            problems=(401,),
        ),
    ]
