"""Forms render through the project's renderer: one `.form-field` per visible field, error and required
classes on the wrapper, labels bound to their own inputs, errors announced on the widget."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from apps.core.forms import UserCreateForm

pytestmark = pytest.mark.django_db

VOID = {"input", "br", "hr", "img", "link", "meta", "source", "area", "col", "embed", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element] = field(default_factory=list)
    text: str = ""

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def walk(self):
        for child in self.children:
            yield child
            yield from child.walk()

    def find_all(
        self, tag: str | None = None, *, css_class: str | None = None, **attrs: str
    ) -> list[Element]:
        return [
            element
            for element in self.walk()
            if (tag is None or element.tag == tag)
            and (css_class is None or css_class in element.classes)
            and all(element.attrs.get(name) == value for name, value in attrs.items())
        ]

    def all_text(self) -> str:
        return self.text + "".join(child.all_text() for child in self.children)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Element("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].text += data


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    return builder.root


def _controls(wrapper: Element) -> list[Element]:
    return [element for element in wrapper.walk() if element.tag in {"input", "select", "textarea"}]


def assert_field_groups(html: str, *, names: list[str], invalid: set[str]) -> Element:
    """One `.form-field` per named field, in order, each with its label bound to its own control."""
    tree = parse(html)
    wrappers = tree.find_all("div", css_class="form-field")
    assert [_controls(wrapper)[0].attrs["name"] for wrapper in wrappers] == names
    for wrapper, name in zip(wrappers, names, strict=True):
        controls = _controls(wrapper)
        assert {control.attrs["name"] for control in controls} == {name}  # nothing from another field
        labelled = {label.attrs["for"] for label in wrapper.find_all("label") if "for" in label.attrs}
        assert labelled and labelled <= {control.attrs["id"] for control in controls}
        assert ("has-error" in wrapper.classes) == (name in invalid)
        for control in controls:
            if name in invalid:
                assert control.attrs.get("aria-invalid") == "true"
                errors = wrapper.find_all("ul", css_class="errorlist")
                assert len(errors) == 1
                assert errors[0].attrs["id"] in _described_by(wrapper, control)
            else:
                assert "aria-invalid" not in control.attrs
                assert not wrapper.find_all("ul", css_class="errorlist")
    return tree


def _described_by(wrapper: Element, control: Element) -> set[str]:
    """The ids the control is described by: its own aria-describedby, or its fieldset's (choice lists)."""
    ids = set(control.attrs.get("aria-describedby", "").split())
    for fieldset in wrapper.find_all("fieldset"):
        ids |= set(fieldset.attrs.get("aria-describedby", "").split())
    return ids


def test_form_renders_one_field_group_per_visible_field_with_error_class_and_bound_labels():
    form = UserCreateForm(data={"username": "", "first_name": "Jane", "email": "nope", "role": "agent"})
    assert not form.is_valid()

    tree = assert_field_groups(
        str(form),
        names=["username", "first_name", "last_name", "email", "role", "password"],
        invalid={"username", "email", "password"},
    )
    username = tree.find_all("div", css_class="form-field")[0]
    assert "is-required" in username.classes
    assert username.find_all("label")[0].all_text() == "Username"  # no trailing colon
    email = tree.find_all("input", name="email")[0]
    assert email.attrs["aria-describedby"].split() == ["id_email_helptext", "id_email_error"]
    assert tree.find_all("div", css_class="helptext", id="id_email_helptext")


def test_non_field_errors_render_once_as_an_alert_banner():
    form = UserCreateForm(data={})
    form.is_valid()
    form.add_error(None, "Desk said no.")

    banners = parse(str(form)).find_all("div", css_class="banner")
    assert len(banners) == 1 and banners[0].attrs["role"] == "alert"
    assert banners[0].all_text() == "Desk said no."


def test_login_page_marks_the_missing_password_and_keeps_the_username(client, admin_user):
    response = client.post(reverse("login"), {"username": "ada", "password": ""})

    assert response.status_code == 200
    tree = assert_field_groups(
        response.content.decode(), names=["username", "password"], invalid={"password"}
    )
    username = tree.find_all("input", name="username")[0]
    assert username.attrs["value"] == "ada"
    assert {"autofocus", "autocapitalize", "autocomplete"} <= username.attrs.keys()
    assert tree.find_all("input", name="password")[0].attrs["autocomplete"] == "current-password"


def test_login_page_says_a_wrong_password_in_one_banner(client, admin_user):
    response = client.post(reverse("login"), {"username": "ada", "password": "wrong-password"})

    tree = assert_field_groups(response.content.decode(), names=["username", "password"], invalid=set())
    banners = tree.find_all("div", css_class="banner-danger", role="alert")
    assert len(banners) == 1 and "correct username and password" in banners[0].all_text()


def test_connect_page_renders_its_fields_as_groups_and_the_scopes_as_a_fieldset(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("connections:connect"), {"data_center": "sandbox"})

    tree = assert_field_groups(
        response.content.decode(),
        names=["data_center", "scopes", "client_id", "client_secret"],
        invalid={"scopes"},
    )
    scopes = tree.find_all("div", css_class="form-field")[1]
    legend = scopes.find_all("legend")[0]
    assert legend.all_text() == "Permissions to ask for"
    assert "Choose at least one permission." in scopes.all_text()
    assert "The first six are what DeskAdmin needs" in scopes.all_text()
    client_id = tree.find_all("input", name="client_id")[0]
    assert "The sandbox uses its built-in demo client." in " ".join(
        element.all_text() for element in tree.find_all(id=client_id.attrs["aria-describedby"])
    )


def test_no_template_has_a_comment_django_would_print():
    """``{# … #}`` is a one-line comment in Django: spread over lines, its text lands on the page."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    templates = [*root.glob("templates/**/*.html"), *root.glob("apps/*/templates/**/*.html")]
    assert templates
    broken = [
        f"{path.relative_to(root)}:{number}"
        for path in templates
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert broken == [], f"multi-line {{# #}} comments (use {{% comment %}}): {broken}"
