"""The pages' HTML: templates/*.html filled with string.Template; every value is escaped by the caller
with :func:`esc` (plain HTML, no framework, nothing from outside this server)."""
from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from string import Template

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


@lru_cache(maxsize=None)
def template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def page(title: str, body: str, *, request=None, nav: bool = True, head: str = "") -> str:
    """A whole page: ``body`` is HTML already escaped. An unpaired browser gets the pairing page's
    own assets (/pair/assets/…), the only files it may load."""
    ident = getattr(getattr(request, "state", None), "identity", None) if request is not None else None
    links = ""
    if nav and ident:
        links = ('<nav><a href="/">People</a> <a href="/sessions">Sessions</a> <a href="/live">Live</a> '
                 '<a href="/devices">Devices</a></nav>')
    base = "/static/" if ident else "/pair/assets/"
    css = "".join(f'<link rel="stylesheet" href="{base}{n}">' for n in ("footmat.css",) + (() if nav else ("pair.css",)))
    return template("base.html").substitute(title=esc(title), nav=links, body=body, css=css + head,
                                            csrf=esc(getattr(ident, "csrf", "") or ""))
