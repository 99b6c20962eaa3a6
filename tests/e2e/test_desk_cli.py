"""``flashsale desk …`` in process, on a SQLite file of its own: the issue's commands one after
the other (an SLA policy, queues, an agent, macros, mail from an mbox, a day's figures), and
what each refuses (a macro naming a variable the desk does not provide, a queue on a policy
that does not exist)."""

from __future__ import annotations

import asyncio
import mailbox
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from flashsale.bootstrap import running_shop
from flashsale.catalog.market import Market
from flashsale.staff.service import StaffSpec
from tests.conftest import fast_settings
from tests.e2e.test_cli import Invoke, invoke

__all__ = ["invoke"]


async def china_and_li(database: Path) -> str:
    settings = fast_settings(database_url=f"sqlite+aiosqlite:///{database}")
    async with running_shop(settings) as shop:
        await shop.catalog.add_markets([Market("CN", "China", "CNY", "zh_CN", "Asia/Shanghai")])
        member = await shop.staff.add(
            StaffSpec("li@mi.example", "li-agent-2015", ["agent"], ["CN"], ["zh"])
        )
        return member.id


def mbox_of(path: Path) -> Path:
    box = mailbox.mbox(str(path))
    first = EmailMessage()
    first["From"] = "Stranger <stranger@example.com>"
    first["Subject"] = "Where is my phone?"
    first["Message-ID"] = "<first@example.com>"
    first.set_content("I ordered a phone last week.")
    second = EmailMessage()
    second["From"] = "stranger@example.com"
    second["Subject"] = "Re: Where is my phone?"
    second["Message-ID"] = "<second@example.com>"
    second["In-Reply-To"] = "<first@example.com>"
    second.set_content("Any news?")
    box.add(first)
    box.add(second)
    box.flush()
    box.close()
    return path


def test_the_desk_is_set_up_and_read_from_the_shell(invoke: Invoke, tmp_path: Path) -> None:
    assert invoke("desk", "queue", "list").exit_code == 0  # the file made and migrated
    li = asyncio.run(china_and_li(tmp_path / "cli.db"))

    early = invoke(
        "desk", "queue", "add", "cn-zh", "--market", "CN", "--language", "zh",
        "--topics", "payment,delivery", "--sla", "festival",
    )  # fmt: skip
    assert early.exit_code != 0 and "festival" in early.output  # the policy comes first
    policy = invoke(
        "desk", "sla", "set", "festival",
        "--first-response", "30", "--next-response", "60", "--resolution", "240",
    )  # fmt: skip
    assert policy.exit_code == 0 and "SLA policy festival set" in policy.output
    for code, topics in (("cn-zh", "payment,delivery"), ("cn-other", "other,return,product")):
        added = invoke(
            "desk", "queue", "add", code, "--market", "CN", "--language", "zh",
            "--topics", topics, "--sla", "festival",
        )  # fmt: skip
        assert added.exit_code == 0, added.output
    listed = invoke("desk", "queue", "list")
    assert "cn-zh" in listed.output and "cn-other" in listed.output
    assert "delivery, payment" in listed.output

    agent = invoke(
        "desk", "agent", "add", "li@mi.example", "--market", "CN",
        "--languages", "zh,en", "--topics", "payment,delivery", "--capacity", "8",
    )  # fmt: skip
    assert agent.exit_code == 0, agent.output
    assert f"agent {li}: CN, en,zh, capacity 8" in agent.output
    agents = invoke("desk", "agent", "list")
    assert li in agents.output and "offline" in agents.output

    good = tmp_path / "where-is-it.j2"
    good.write_text("Where is it\nOrder {{ order.id }}: {{ shipment.tracking_number }}\n")
    macro = invoke("desk", "macro", "add", str(good), "--status", "solved")
    assert macro.exit_code == 0 and "macro where-is-it added" in macro.output
    bad = tmp_path / "colour.j2"
    bad.write_text("Colour\nYour {{ order.colour }} phone\n")
    refused = invoke("desk", "macro", "add", str(bad))
    assert refused.exit_code != 0 and "order.colour" in refused.output
    macros = invoke("desk", "macro", "list")
    assert "where-is-it" in macros.output and "solved" in macros.output
    assert "colour" not in macros.output

    mail = invoke("desk", "import-mbox", str(mbox_of(tmp_path / "in.mbox")), "--market", "CN")
    assert mail.exit_code == 0, mail.output
    assert "1 cases opened, 1 mails added to cases" in mail.output  # threaded by In-Reply-To
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    stats = invoke("desk", "stats", "--date", today, "--market", "cn")
    assert stats.exit_code == 0, stats.output
    assert f"CN {today} (Asia/Shanghai)" in stats.output
    assert "opened 1, deflected 0 (0.0%)" in stats.output
    wrong = invoke("desk", "stats", "--date", today, "--market", "XX")
    assert wrong.exit_code != 0 and "XX" in wrong.output
