"""Every destructive action of the administration pages (deactivate, dissolve, revoke,
delete, remove, unlink, disable) is a red button or link (``danger``, styled in the app's
stylesheet) on a form that asks first (``data-confirm``): read from the templates, so a new
one without either fails here."""

from __future__ import annotations

import re
from pathlib import Path

import huying.web

TEMPLATES = Path(huying.web.__file__).parent / "templates" / "admin"
STYLESHEET = Path(huying.web.__file__).parent / "static" / "css" / "app.css"
DESTRUCTIVE = re.compile(r"/(deactivate|dissolve|revoke|delete|unlink|active)\"")
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)


def _destructive_forms() -> list[tuple[str, str]]:
    found = []
    for path in sorted(TEMPLATES.glob("*.html")):
        for form in FORM.findall(path.read_text(encoding="utf-8")):
            opening = form.split(">", 1)[0]
            if DESTRUCTIVE.search(opening) or "/holidays/delete" in opening:
                found.append((path.name, form))
    return found


def test_every_destructive_admin_action_is_red_and_asks_first() -> None:
    forms = _destructive_forms()
    names = {name for name, _ in forms}
    assert {"account.html", "organisation.html", "clients.html", "person.html", "routing.html", "sla.html",
            "holidays.html", "categories.html"} <= names, names
    for name, form in forms:
        opening = form.split(">", 1)[0]
        assert "data-confirm" in opening, (name, opening)
        assert re.search(r"<button[^>]*class=\"[^\"]*danger", form), (name, form[:200])


def test_the_stylesheet_makes_danger_red() -> None:
    css = STYLESHEET.read_text(encoding="utf-8")
    assert re.search(r"--danger:\s*#b3261e", css)
    assert re.search(r"\.button\.danger\s*\{[^}]*background:\s*var\(--danger\)", css)
    assert re.search(r"button\.link\.danger[^{]*\{[^}]*color:\s*var\(--danger\)", css)
