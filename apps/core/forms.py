"""The console's form renderer and base forms, and the sign-in and user-management forms."""

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.forms.renderers import TemplatesSetting

from apps.core import throttle
from apps.core.models import ConsoleSettings
from apps.core.orgs import DeskAgentChoice, Org
from apps.core.roles import Role

ROLE_CHOICES = [(role.value, role.label) for role in Role]


class FormRenderer(TemplatesSetting):
    """The project's form renderer (``FORM_RENDERER``): ``{{ form }}`` renders ``core/forms/form.html``
    and ``{{ form.x.as_field_group }}`` renders ``core/forms/field.html`` (label, help, errors, widget in
    one ``.form-field`` wrapper that carries the error and required classes)."""

    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"


class FormStyle:
    """The CSS classes every console form puts on a field's wrapper, and labels without Django's trailing
    colon (as the console's hand-written labels had); mixed into BaseForm/BaseModelForm/LoginForm."""

    error_css_class = "has-error"
    required_css_class = "is-required"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class BaseForm(FormStyle, forms.Form):
    """The base of every console form."""


class BaseModelForm(FormStyle, forms.ModelForm):
    """The base of every console model form."""


class LoginForm(FormStyle, AuthenticationForm):
    """The sign-in form (``LoginView(authentication_form=…)``): Django's own, with the console's field classes.
    Its widgets already carry autofocus and the username/current-password autocomplete hints.

    Throttled (apps.core.throttle): after too many failures for the username or from the address, sign-in
    is refused, even with the right password, until the lockout ends or an admin lifts it."""

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")[:150]
        address = throttle.client_address(self.request)
        lockout = throttle.lockout_for(username=username, address=address)
        if lockout is not None:
            raise forms.ValidationError(throttle.lockout_message(lockout), code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username or self.cleaned_data.get("password"):
                throttle.failure_record(username=username, address=address, request=self.request)
            lockout = throttle.lockout_for(username=username, address=address)
            if lockout is not None:
                raise forms.ValidationError(throttle.lockout_message(lockout), code="locked") from None
            raise
        throttle.success_record(username=username)
        return cleaned


class UserCreateForm(BaseForm):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(
        required=False, help_text="Used to match this user to their Desk agent (“me” in queues)."
    )
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=Role.AGENT.value)
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=True),
        help_text="At least 8 characters, not too common, not all digits.",
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("A user with this username already exists.")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            candidate = get_user_model()(
                username=cleaned.get("username", ""),
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class UserUpdateForm(BaseForm):
    role = forms.ChoiceField(choices=ROLE_CHOICES)
    is_active = forms.BooleanField(required=False, label="Can sign in")


class OrgGrantForm(BaseForm):
    """Give a user access to one more org: the choices are the connected orgs they cannot see yet."""

    org_id = forms.ChoiceField(label="Org")

    def __init__(self, *args: Any, orgs: list[Org], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["org_id"]).choices = [(o.org_id, o.name) for o in orgs]


class UserGrantForm(BaseForm):
    """Give one more user access to an org (on a connection's page): users who cannot see it yet."""

    user_id = forms.TypedChoiceField(label="User", coerce=int)

    def __init__(self, *args: Any, users: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["user_id"]).choices = users


class AgentLinkForm(BaseForm):
    """Which of the org's Desk agents a console user is ("me" in queues); empty = not linked."""

    desk_agent_id = forms.ChoiceField(label="Desk agent", required=False)

    def __init__(self, *args: Any, agents: list[DeskAgentChoice], current: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Not linked"), *((a.desk_id, a.label) for a in agents)]
        if current and current not in {a.desk_id for a in agents}:
            choices.append((current, f"Desk agent {current} (not in the mirror)"))
        cast(forms.ChoiceField, self.fields["desk_agent_id"]).choices = choices


class NewUserAccessForm(BaseForm):
    new_user_org_access = forms.ChoiceField(
        label="New users get access to",
        choices=ConsoleSettings.NewUserAccess.choices,
        widget=forms.RadioSelect,
        help_text="Admins always reach every org.",
    )


class AuditFilterForm(BaseForm):
    """The audit log's filters (a GET form). A value it does not know filters nothing; never an error page."""

    q = forms.CharField(
        label="Search",
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "id": "audit-q",
                "placeholder": "User, action, target…",
                "data-search": "",
                "maxlength": "100",
            }
        ),
    )
    outcome = forms.ChoiceField(required=False, widget=forms.Select(attrs={"id": "audit-outcome"}))
    action = forms.ChoiceField(required=False, widget=forms.Select(attrs={"id": "audit-action"}))

    def __init__(
        self, *args: Any, actions: list[str], outcomes: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["outcome"]).choices = [("", "Any"), *outcomes]
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", "Any"), *((a, a) for a in actions)]

    def filters(self) -> dict[str, str]:
        """The valid filters that are set (a field with a bad value counts as not set)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values = {name: str(cleaned.get(name) or "").strip() for name in ("q", "outcome", "action")}
        return {name: value for name, value in values.items() if value and name not in self.errors}
