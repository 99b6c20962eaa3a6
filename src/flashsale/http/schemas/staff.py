"""Bodies of the staff's endpoints: adding, listing and disabling members, their sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from flashsale.customers.model import MIN_PASSWORD_LENGTH
from flashsale.http.edge import DocumentedPattern, Line, Text
from flashsale.http.schemas.base import RequestBody, ResponseBody
from flashsale.http.schemas.customers import Email, MarketCode, SessionIn
from flashsale.staff.model import MAX_LANGUAGES, Role, StaffMember

# Role's values (a unit test holds them equal): the document lists them as an enum.
RoleName = Literal["admin", "supervisor", "agent", "clerk", "warehouse"]

# staff/model.py's check, either case and with _ or -: the shop writes it as en, zh-Hans, pt-BR.
LANGUAGE_TAG_PATTERN = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"
LanguageTag = Annotated[
    Line, Field(max_length=35, examples=["en"]), DocumentedPattern(LANGUAGE_TAG_PATTERN)
]


class StaffIn(RequestBody):
    email: Email = Field(max_length=254, examples=["asha@shop.example"])
    password: Text = Field(max_length=1024, json_schema_extra={"minLength": MIN_PASSWORD_LENGTH})
    roles: list[RoleName] = Field(min_length=1, max_length=len(Role), examples=[["agent"]])
    markets: list[MarketCode] = Field(
        default_factory=list,
        max_length=250,
        description="The markets the member serves; none: every market.",
    )
    languages: list[LanguageTag] = Field(
        default_factory=list,
        max_length=MAX_LANGUAGES,
        description="The languages the member speaks, most fluent first.",
    )


class StaffOut(ResponseBody):
    id: str
    email: str
    roles: list[str]
    markets: list[str]
    languages: list[str]
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, member: StaffMember) -> StaffOut:
        return cls(
            id=member.id,
            email=member.email,
            roles=[role.value for role in Role if role in member.roles],
            markets=sorted(member.markets),
            languages=list(member.languages),
            active=member.active,
            created_at=member.created_at,
        )


class StaffListOut(ResponseBody):
    staff: list[StaffOut]


class StaffSessionIn(SessionIn):
    pass


class StaffSessionOut(ResponseBody):
    token: str
    staff: StaffOut
