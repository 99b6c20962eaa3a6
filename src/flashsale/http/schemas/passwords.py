"""The body of a new password."""

from __future__ import annotations

from pydantic import Field

from flashsale.customers.model import MIN_PASSWORD_LENGTH
from flashsale.http.edge import Text
from flashsale.http.schemas.base import RequestBody


class PasswordChangeIn(RequestBody):
    current_password: Text = Field(max_length=1024)
    new_password: Text = Field(
        max_length=1024, json_schema_extra={"minLength": MIN_PASSWORD_LENGTH}
    )
