"""Messages into mails: the catalogue's template in the best locale it is written in, the data
formatted for the message's own locale.

The package's template files are read once, into memory, when the renderer is made; rendering
reads no file after that.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable

import jinja2

from flashsale.notifications.domain.catalogue import TEMPLATES, template_named
from flashsale.notifications.domain.locales import (
    FALLBACK_LOCALE,
    babel_locale,
    formatting_locale,
    template_locales,
)
from flashsale.notifications.domain.message import Mail, Message, check_address

PARTS = ("subject", "txt", "html")
REQUIRED_PARTS = ("subject", "txt")
LAYOUTS_PREFIX = "_"  # _base.html and the like: shared by the HTML parts, not templates


class TemplateError(RuntimeError):
    """The template files do not match the catalogue: a bug in the package, not in a message."""


class MailRenderer:
    def __init__(self, sources: Mapping[str, str]) -> None:
        """``sources``: file texts by path, ``<locale>/<template>.<part>`` or ``_layout.html``."""
        _check(sources)
        self._sources = frozenset(sources)
        self._env = jinja2.Environment(
            loader=jinja2.DictLoader(dict(sources)),
            # Data in the HTML part is escaped; the subject and the text are not HTML.
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    @classmethod
    def packaged(cls) -> MailRenderer:
        """The templates shipped in ``notifications/templates``."""
        return cls(_packaged_sources())

    def render(self, message: Message) -> Mail:
        """The mail the message asks for; InvalidInput for an unknown template, a bad address
        or locale, or data the template does not take."""
        check_address(message.to)
        template = template_named(message.template)
        written_in = next(
            locale
            for locale in template_locales(message.locale)
            if f"{locale}/{template.name}.subject" in self._sources
        )
        formatted_in = babel_locale(formatting_locale(message.locale, written_in))
        data = template.formatted(message.data, formatted_in)
        context = {**data, "lang": written_in.replace("_", "-")}
        subject = self._part(written_in, template.name, "subject", context)
        text = self._part(written_in, template.name, "txt", context)
        html = None
        if f"{written_in}/{template.name}.html" in self._sources:
            html = self._part(written_in, template.name, "html", context)
        # One line: a header can hold no line break, and a template's trailing newline is not
        # part of the subject.
        return Mail(subject=" ".join(subject.split()), text=text.strip() + "\n", html=html)

    def _part(self, locale: str, template: str, part: str, context: Mapping[str, str]) -> str:
        return self._env.get_template(f"{locale}/{template}.{part}").render(context)


def _check(sources: Mapping[str, str]) -> None:
    """Every catalogue template written in English, and no file that belongs to none."""
    for name in TEMPLATES:
        for part in REQUIRED_PARTS:
            if f"{FALLBACK_LOCALE}/{name}.{part}" not in sources:
                raise TemplateError(f"{FALLBACK_LOCALE}/{name}.{part} is missing")
    for path in sources:
        if path.startswith(LAYOUTS_PREFIX):
            continue
        locale, _, file_name = path.partition("/")
        name, _, part = file_name.rpartition(".")
        if name not in TEMPLATES or part not in PARTS:
            raise TemplateError(f"{path} is no part of a template in the catalogue")
        missing = [p for p in REQUIRED_PARTS if f"{locale}/{name}.{p}" not in sources]
        if missing:
            raise TemplateError(f"{locale}/{name} has no {', '.join(missing)}")


@functools.cache
def _packaged_sources() -> Mapping[str, str]:
    root = files("flashsale.notifications") / "templates"
    sources: dict[str, str] = {}
    for entry in root.iterdir():
        if entry.is_dir():
            for part in entry.iterdir():
                if part.is_file():
                    sources[f"{entry.name}/{part.name}"] = _text(part)
        elif entry.is_file() and entry.name.startswith(LAYOUTS_PREFIX):
            sources[entry.name] = _text(entry)
    return sources


def _text(entry: Traversable) -> str:
    return entry.read_text(encoding="utf-8")
