"""Forms for managing console users."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation

from apps.core.roles import Role

ROLE_CHOICES = [(role.value, role.label) for role in Role]


class UserCreateForm(forms.Form):
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


class UserUpdateForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)
    is_active = forms.BooleanField(required=False, label="Can sign in")
