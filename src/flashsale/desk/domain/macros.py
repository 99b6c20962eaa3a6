"""Macros: canned replies, Jinja2 templates run in a sandbox over a fixed set of variables
(``{{ order.id }}``, ``{{ shipment.tracking_number }}``…), with an optional status to set.

A template naming a variable the desk does not provide is refused when the macro is saved,
and again when it is used (422 naming the variable): a typo must never reach a customer as an
empty space. Replies are stored as text and escaped wherever they are shown, so the template
itself is not HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from flashsale.desk.domain.case import MAX_MESSAGE, CaseStatus
from flashsale.desk.domain.staffing import parse_code
from flashsale.desk.errors import UnknownVariable
from flashsale.kernel.errors import InvalidInput

MAX_TITLE = 200

# Every variable a macro may name, with its meaning (docs/desk.md lists them).
VARIABLES: Mapping[str, Mapping[str, str]] = {
    "case": {
        "number": "the case's number",
        "topic": "payment, delivery, return, product or other",
        "status": "the case's status",
    },
    "customer": {"email": "the customer's e-mail address"},
    "agent": {"email": "the replying agent's e-mail address"},
    "order": {
        "id": "the order's id",
        "status": "reserved, paid, expired or cancelled",
        "sku": "what was bought",
        "quantity": "how many",
        "amount": "the order's total, with its currency",
        "expires_at": "when an unpaid reservation ends (UTC)",
        "url": "the order's page",
    },
    "shipment": {
        "carrier": "the carrier, once shipped",
        "tracking_number": "the tracking number, once shipped",
    },
    "refund": {"amount": "the last refund's amount", "status": "the last refund's status"},
}

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


@dataclass(frozen=True, slots=True)
class Macro:
    code: str
    title: str
    body: str
    set_status: CaseStatus | None = None  # the optional action: e.g. solved with the reply

    @classmethod
    def checked(cls, code: str, title: str, body: str, set_status: str | None = None) -> Macro:
        title = title.strip()
        if not title or len(title) > MAX_TITLE:
            raise InvalidInput(f"a macro's title: 1 to {MAX_TITLE} characters")
        if not body.strip() or len(body) > MAX_MESSAGE:
            raise InvalidInput(f"a macro's body: 1 to {MAX_MESSAGE} characters")
        status = None
        if set_status is not None:
            try:
                status = CaseStatus(set_status)
            except ValueError:
                raise InvalidInput(f"{set_status[:20]!r} is not a case status") from None
        check_variables(body)
        return cls(parse_code(code, "macro"), title, body, status)

    def uses(self, root: str) -> bool:
        return root in names_in(self.body)


def names_in(body: str) -> set[str]:
    """Every ``root`` and ``root.attribute`` the template names."""
    return set(_names_in(body))


# A desk holds a few dozen macros and replies with them all day: each is parsed and compiled
# once (about 10 ms), not at every reply.
@lru_cache(maxsize=256)
def _names_in(body: str) -> frozenset[str]:
    try:
        tree = _ENV.parse(body)
    except TemplateSyntaxError as exc:
        raise InvalidInput(f"the macro is no template: {exc.message} (line {exc.lineno})") from None
    found: set[str] = set()
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name):
            found.add(f"{node.node.name}.{node.attr}")
            found.add(node.node.name)
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load":
            found.add(name.name)
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    return frozenset(n for n in found if n.split(".")[0] not in assigned)


@lru_cache(maxsize=256)
def _compiled(body: str) -> Template:
    return _ENV.from_string(body)


def check_variables(body: str) -> None:
    for name in sorted(names_in(body)):
        root, _, attribute = name.partition(".")
        if root not in VARIABLES or (attribute and attribute not in VARIABLES[root]):
            raise UnknownVariable(
                f"the macro names {{{{ {name} }}}}, which the desk does not provide;"
                f" known: {', '.join(known_names())}"
            )


def known_names() -> list[str]:
    return [f"{root}.{attr}" for root, attrs in VARIABLES.items() for attr in attrs]


def render(body: str, context: Mapping[str, Mapping[str, object]]) -> str:
    """The reply; UnknownVariable naming what the case cannot provide (an order's variable on
    a case without an order)."""
    check_variables(body)
    missing = sorted(n for n in _names_in(body) if "." not in n and n not in context)
    if missing:
        raise UnknownVariable(f"the macro names {missing[0]}, which this case has none of")
    try:
        text = _compiled(body).render(**context)
    except UndefinedError as exc:
        raise UnknownVariable(f"the macro names something this case lacks: {exc.message}") from None
    except SecurityError as exc:
        raise InvalidInput(f"the macro did something the sandbox forbids: {exc}") from None
    if not text.strip():
        raise InvalidInput("the macro rendered no text")
    return text[:MAX_MESSAGE]
