"""What a newcomer reads at an 80-column terminal: the live boards keep one width, no URL or
sale id is cut mid-word, reserved units above the stock are explained, refusals are broken
down by reason, ``--help`` paragraphs are not cut mid-sentence, one sell-out time."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from rich.console import Console, RenderableType

from flashsale.kernel.money import Money
from flashsale.lab.crowd.outcomes import CrowdLog, Reservation, sold_out_time
from flashsale.lab.crowd.tables import replies_table
from flashsale.lab.demo import live as demo_live
from flashsale.lab.demo.showcase import print_addresses, print_your_turn
from flashsale.lab.rehearsal import live as rehearsal_live
from flashsale.sales.domain.audit import SaleAudit, UnitsByStatus
from flashsale.sales.domain.sale import FlashSale
from flashsale.terminal import audit_table, paragraphs

SALE_ID = "sale_01a24d45b269fc42598371678365d2e1"
URL = "http://127.0.0.1:8000"
NOW = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)


def terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=80, force_terminal=False, color_system=None), out


def lines_of(renderable: object) -> list[str]:
    console, out = terminal()
    console.print(renderable)
    return out.getvalue().splitlines()


def a_log(phase: str, reserved: int) -> CrowdLog:
    log = CrowdLog(fans=3_000, phase=phase, stock_total=1_000, opened_at=0.0)
    log.units_reserved = reserved
    return log


def demo_board(log: CrowdLog) -> RenderableType:
    return demo_live.board(log, 0, "MIBAND2-BLK in IN at 999 INR", 3.0)


def rehearsal_board(log: CrowdLog) -> RenderableType:
    return rehearsal_live.board(log, rehearsal_live.ServerView(units_left=0), "mi-band", 3.0)


def test_the_live_boards_keep_one_width_whatever_the_phase_says() -> None:
    for board in (demo_board, rehearsal_board):
        widths = set()
        for phase in ("buying", "waiting for unpaid reservations to expire " * 3):
            drawn = lines_of(board(a_log(phase, 1_097)))
            assert all(len(line) <= 80 for line in drawn), drawn
            widths |= {len(line) for line in drawn}
        assert widths == {demo_live.BOARD_WIDTH}


def test_reserved_units_past_the_stock_are_explained_beside_the_units_left() -> None:
    text = "\n".join(lines_of(demo_live.board(a_log("done", 1_097), 0, "band", 3.0)))
    assert re.search(r"units left\s+0 of 1,000", text)
    assert re.search(r"reserved \(201s\)\s+1,097", text)
    assert re.search(r"went back on sale\s+97 unpaid; re-sales count twice above", text)


def test_refusals_are_broken_down_by_reason() -> None:
    log = CrowdLog(fans=10)
    log.purchase_replies.update({201: 3, 409: 7, 0: 1})
    log.timeline.update(
        {
            (0, "purchase", "201"): 3,
            (0, "purchase", "409 sold-out"): 5,
            (1, "purchase", "409 sold-out"): 1,
            (1, "purchase", "409 limit-reached"): 1,
            (1, "purchase", "no answer"): 1,
            (1, "payment", "402 payment-declined"): 4,
        }
    )
    rows = [re.split(r"\s*│\s*", line.strip("│ ")) for line in lines_of(replies_table(log))]
    assert ["409", "limit-reached", "1"] in rows
    assert ["409", "sold-out", "6"] in rows
    assert ["201", "", "3"] in rows


def test_no_link_or_sale_id_is_cut_at_80_columns() -> None:
    sale = FlashSale(
        id=SALE_ID,
        sku="MIBAND2-BLK",
        market_code="IN",
        price=Money.of("999", "INR"),
        stock_total=10,
        per_customer_limit=1,
        registration_opens_at=NOW,
        registration_closes_at=NOW + timedelta(minutes=2),
        opens_at=NOW + timedelta(minutes=2),
        closes_at=NOW + timedelta(hours=1),
        payment_window=timedelta(minutes=15),
    )
    console, out = terminal()
    print_addresses(console, URL, sale, "t" * 32)
    print_your_turn(console, URL, sale, NOW)
    printed = out.getvalue().splitlines()
    assert all(len(line) <= 80 for line in printed), printed
    urls = [word for line in printed for word in line.split() if word.startswith("http")]
    assert f"{URL}/console/sales/{SALE_ID}#audit" in urls
    assert f"{URL}/docs" in urls and f"{URL}/sales/{SALE_ID}" in urls
    assert not any(u.endswith(("/api/v1", "/audit")) for u in urls)  # 404 and 401 in a browser
    assert "today at 4:32 PM IST, in 2 minutes" in " ".join(printed).replace("\u202f", " ")

    audit = SaleAudit(SALE_ID, 1_000, UnitsByStatus(paid=900, expired=97), 0, 0, 100)
    assert any(line.strip() == f"sale {SALE_ID}" for line in lines_of(audit_table(audit)))


def test_help_paragraphs_are_one_line_each_for_the_terminal_to_wrap() -> None:
    doc = """Re-enact the sale.

    Seeds the story, opens a flash sale of the
    band and serves the API.
    """
    assert paragraphs(doc) == (
        "Re-enact the sale.\n\nSeeds the story, opens a flash sale of the band and serves the API."
    )


def reservation(after: float) -> Reservation:
    return Reservation("ord", "cus", 1, NOW, after)


def test_the_live_sell_out_time_is_the_summarys_when_answers_arrive_out_of_order() -> None:
    log = CrowdLog(fans=3, stock_total=2)
    for after in (0.10, 0.32, 0.27):  # the answer measured at 0.27 s is logged last
        log.reserved(reservation(after))
    assert log.sold_out_after == sold_out_time(log.reservations, 2) == 0.27
