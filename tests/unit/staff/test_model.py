"""The staff's pure rules: roles, market codes and language tags as given, and who may pass."""

from __future__ import annotations

from typing import get_args

import pytest

from flashsale.http.schemas.staff import RoleName
from flashsale.kernel.errors import InvalidInput
from flashsale.staff.model import (
    EVERY_ROLE,
    SUPERUSER,
    Role,
    StaffMember,
    accepts,
    may,
    parse_languages,
    parse_market_codes,
    parse_roles,
)
from tests.unit.conftest import T0


def member(*roles: Role, markets: frozenset[str] = frozenset()) -> StaffMember:
    return StaffMember("stf_1", "asha@shop.example", "hash", frozenset(roles), markets, (), T0)


def test_roles_are_read_in_any_case_once_each() -> None:
    assert parse_roles([" Agent", "clerk", "AGENT"]) == {Role.AGENT, Role.CLERK}
    assert parse_roles(r.value for r in Role) == EVERY_ROLE


@pytest.mark.parametrize("roles", [[], ["boss"], ["agent", ""], ["admin,clerk"]])
def test_an_unknown_role_or_none_is_refused(roles: list[str]) -> None:
    with pytest.raises(InvalidInput, match="role"):
        parse_roles(roles)


def test_the_documented_roles_are_the_model_s() -> None:
    assert set(get_args(RoleName)) == {role.value for role in Role}


def test_market_codes_are_upper_cased_and_checked_for_shape() -> None:
    assert parse_market_codes(["in", " US "]) == {"IN", "US"}
    assert parse_market_codes([]) == frozenset()
    for bad in ("IND", "I", "1N", ""):
        with pytest.raises(InvalidInput, match="market"):
            parse_market_codes([bad])


def test_language_tags_take_their_usual_casing_and_keep_their_order() -> None:
    given = ["EN", "zh_hans", "hi", "pt-br", "en", "es-419"]
    assert parse_languages(given) == ("en", "zh-Hans", "hi", "pt-BR", "es-419")


@pytest.mark.parametrize("tag", ["english", "e", "en--US", "en-", "zh-汉", "1n", "", "en us"])
def test_a_malformed_language_tag_is_refused(tag: str) -> None:
    with pytest.raises(InvalidInput, match="language"):
        parse_languages([tag])


def test_too_many_languages_are_refused() -> None:
    with pytest.raises(InvalidInput, match="at most"):
        parse_languages([f"a{chr(ord('a') + i)}" for i in range(17)])


def test_a_role_passes_where_it_is_accepted_and_the_admin_role_everywhere() -> None:
    assert accepts({Role.SUPERVISOR}, ("supervisor",))
    assert not accepts({Role.CLERK}, ("admin", "supervisor"))
    assert accepts({Role.ADMIN}, ("warehouse",))
    assert not accepts(frozenset(), ("clerk",))
    assert may(member(Role.CLERK, Role.AGENT), ("agent",))
    assert not may(member(Role.CLERK), ("agent",))
    assert may(SUPERUSER, ("anything",))


def test_a_member_without_markets_serves_every_market() -> None:
    assert member(Role.AGENT).serves("IN")
    only_india = member(Role.AGENT, markets=frozenset({"IN"}))
    assert only_india.serves("IN") and not only_india.serves("US")
