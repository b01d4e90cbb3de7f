"""The sandbox's admin page: orgs with their edition, API credits today, concurrency, limits and fault knobs
(editable), and the request log."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.sandbox.contract import credit_status, rate_model
from apps.sandbox.models import Org, RequestLog

LOG_ROWS = 100


class RequestLogFilterForm(forms.Form):
    """The request log's filters (a GET form; any field may be empty)."""

    kind = forms.ChoiceField(
        choices=[("", "Any"), *RequestLog.Kind.choices],
        required=False,
        widget=forms.Select(attrs={"id": "sbx-kind"}),
    )
    org = forms.RegexField(
        regex=r"^\d*$",
        max_length=32,
        required=False,
        label="orgId",
        widget=forms.TextInput(attrs={"id": "sbx-org", "inputmode": "numeric"}),
    )


class OrgKnobsForm(forms.ModelForm):
    """Edition, limits and fault injection for one sandbox org; empty means the default."""

    # The console's field classes (the sandbox imports nothing of the console; its pages share the look).
    error_css_class = "has-error"
    required_css_class = "is-required"

    class Meta:
        labels = {
            "daily_limit": "Daily credits (override)",
            "max_concurrent": "Concurrent calls (override)",
            "per_minute_limit": "Per-minute limit (reference model)",
        }
        model = Org
        fields = [
            "edition",
            "per_minute_limit",
            "daily_limit",
            "max_concurrent",
            "latency_ms",
            "error_rate",
            "burst_429_rate",
            "burst_429_remaining",
            "timeout_rate",
            "timeout_seconds",
            "late_answer_rate",
            "late_answer_seconds",
            "dropped_answer_rate",
        ]

    def clean(self) -> dict:
        data = super().clean() or {}
        for name in (
            "error_rate",
            "burst_429_rate",
            "timeout_rate",
            "late_answer_rate",
            "dropped_answer_rate",
        ):
            value = data.get(name)
            if value is not None and not 0 <= value <= 1:
                self.add_error(name, "Give a share between 0 and 1.")
        if data.get("max_concurrent") == 0:
            self.add_error("max_concurrent", "At least one concurrent call.")
        for name in ("latency_ms", "timeout_seconds", "late_answer_seconds"):
            value = data.get(name)
            if value is not None and not 0 <= value <= 600_000 / (1000 if name == "latency_ms" else 1):
                self.add_error(name, "Give a duration between 0 and 10 minutes.")
        return data


def _allowed(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_superuser or user.has_perm("core.manage_connections"))


def _global_defaults() -> list[tuple[str, object]]:
    return [
        ("SANDBOX_LATENCY_MS", settings.SANDBOX_LATENCY_MS),
        ("SANDBOX_ERROR_RATE", settings.SANDBOX_ERROR_RATE),
        ("SANDBOX_429_BURST", settings.SANDBOX_429_BURST),
        ("SANDBOX_429_BURST_LENGTH", settings.SANDBOX_429_BURST_LENGTH),
        ("SANDBOX_TIMEOUT_RATE", settings.SANDBOX_TIMEOUT_RATE),
        ("SANDBOX_TIMEOUT_SECONDS", settings.SANDBOX_TIMEOUT_SECONDS),
        ("SANDBOX_LATE_ANSWER_RATE", settings.SANDBOX_LATE_ANSWER_RATE),
        ("SANDBOX_LATE_ANSWER_SECONDS", settings.SANDBOX_LATE_ANSWER_SECONDS),
        ("SANDBOX_DROPPED_ANSWER_RATE", settings.SANDBOX_DROPPED_ANSWER_RATE),
    ]


@login_required
@require_http_methods(["GET", "POST"])
def admin_page(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise PermissionDenied
    orgs = list(Org.objects.order_by("id"))
    forms_by_org = {org.pk: OrgKnobsForm(instance=org, prefix=f"org{org.pk}") for org in orgs}
    if request.method == "POST":
        org = next((o for o in orgs if str(o.pk) == request.POST.get("org", "")), None)
        if org is None:
            messages.error(request, "Unknown sandbox org.")
            return HttpResponseRedirect(reverse("sandbox:admin"))
        form = OrgKnobsForm(request.POST, instance=org, prefix=f"org{org.pk}")
        if form.is_valid():
            form.save()
            messages.success(request, f"Saved the settings of {org.company_name}.")
            return HttpResponseRedirect(reverse("sandbox:admin"))
        forms_by_org[org.pk] = form

    log = RequestLog.objects.order_by("-id")
    log_filter = RequestLogFilterForm(request.GET)
    # An unknown kind or a malformed orgId filters nothing rather than failing the page.
    chosen = log_filter.cleaned_data if log_filter.is_valid() else {}
    if chosen.get("kind"):
        log = log.filter(kind=chosen["kind"])
    if chosen.get("org"):
        log = log.filter(org_id=chosen["org"])
    context = {
        "rows": [(org, forms_by_org[org.pk], credit_status(org)) for org in orgs],
        "rate_model": rate_model(),
        "log": list(log[:LOG_ROWS]),
        "log_filter": log_filter,
        "defaults": _global_defaults(),
        "total_calls": RequestLog.objects.count(),
    }
    partial = request.headers.get("HX-Request") == "true" and request.GET.get("partial") == "log"
    template = "sandbox/admin.html#log" if partial else "sandbox/admin.html"
    return render(request, template, context, status=400 if request.method == "POST" else 200)
