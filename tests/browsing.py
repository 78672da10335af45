"""A person's way through the pages with Django's test client: open a page, find the form the
person would use (by the URL it posts to, or a field it holds), keep every value the page
already put in it (hidden fields, management forms, ticked boxes, selected options, the
submit button pressed) and change only what the person types. Used by the world that is
built only through the product's own pages (tests/test_world_through_pages.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    values: list[tuple[str, str]] = field(default_factory=list)  # what the browser would send as the page stands
    names: set[str] = field(default_factory=set)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, label)


class _Parser(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base, self.forms, self.links = base, [], []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._option: dict | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._button: tuple[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            action = urljoin(self.base, a.get("action") or self.base)
            self._form = Form(action=urldefrag(action)[0], method=(a.get("method") or "get").lower(),
                              multipart="multipart" in a.get("enctype", ""))
        elif self._form is None or "disabled" in a:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            self._form.names.add(a["name"])
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.values.append((a["name"], a.get("value", "on")))
            elif kind == "submit":
                self._form.buttons.append((a["name"], a.get("value", ""), a.get("value", "")))
            elif kind != "file":
                self._form.values.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._select_first, self._select_chosen = a["name"], None, False
            self._form.names.add(a["name"])
        elif tag == "option" and self._select:
            self._option = a
            value = a.get("value")
            if self._select_first is None:
                self._select_first = value if value is not None else ""
            if "selected" in a:
                self._form.values.append((self._select, value or ""))
                self._select_chosen = True
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []
            self._form.names.add(a["name"])
        elif tag == "button":
            self._button = (a.get("name", ""), a.get("value", ""))
            self._text = []

    def handle_data(self, data):
        if self._textarea is not None or self._button is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None and self._form is not None:
                self._form.values.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form.values.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "button" and self._button is not None:
            if self._form is not None:
                self._form.buttons.append((*self._button, " ".join("".join(self._text).split())))
            self._button = None


def parse(html: str, base: str) -> tuple[list[Form], list[str]]:
    parser = _Parser(base)
    parser.feed(html)
    return parser.forms, parser.links


def internal(link: str, base: str) -> str | None:
    """The site path a link leads to, or None for another site, a script or a fragment."""
    target = urldefrag(urljoin(base, link))[0]
    parts = urlsplit(target)
    if parts.scheme not in ("", "http") or (parts.netloc not in ("", "testserver")) or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def find_form(forms: list[Form], *, action: str | None = None, has: str | None = None) -> Form:
    """The form posting to a URL containing `action` (a regular expression), or holding the field `has`."""
    for form in forms:
        if action is not None and not re.search(action, form.action):
            continue
        if has is not None and has not in form.names:
            continue
        if form.method == "post" or action is not None:
            return form
    raise AssertionError(f"no form with action={action!r} has={has!r} among {[f.action for f in forms]}")


def submit(client, path: str, data: dict | None = None, *, action: str | None = None, has: str | None = None,
           button: str | None = None, files: dict | None = None, follow: bool = False):
    """Open `path`, fill the chosen form as a person would and send it. `data` replaces the
    values of the fields it names (a list for several values); `button` is the label of the
    submit button pressed, whose name and value are sent."""
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    forms, _links = parse(page.content.decode(), f"http://testserver{path}")
    form = find_form(forms, action=action, has=has)
    data = dict(data or {})
    payload: dict[str, list[str]] = {}
    for name, value in form.values:
        if name not in data:
            payload.setdefault(name, []).append(value)
    for name, value in data.items():
        payload[name] = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    if button is not None:
        chosen = [b for b in form.buttons if b[2] == button]
        assert chosen, (button, form.buttons)
        if chosen[0][0]:
            payload[chosen[0][0]] = [chosen[0][1]]
    payload.update(files or {})
    target = internal(form.action, f"http://testserver{path}")
    return client.post(target, payload, follow=follow)
