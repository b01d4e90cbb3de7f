"""Adding or removing a follower: one of the org's agents (yourself, or anyone when you may assign)."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.tickets.forms.common import GuardedForm, set_field_choices


class FollowerForm(GuardedForm):
    id_prefix = "follower"
    agent = forms.ChoiceField(label="Add a follower", choices=())

    def __init__(self, *args: Any, agents: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_field_choices(self, "agent", [("", "Choose an agent"), *agents])
