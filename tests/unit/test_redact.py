"""The audit trail never stores secrets, whatever shape the detail has."""

from apps.core.services import REDACTED, redact


def test_redact_hides_secret_keys_at_any_depth():
    detail = {
        "org": "Acme",
        "access_token": "1000.abc",
        "nested": {"client_secret": "s3cr3t", "scopes": ["Desk.tickets.ALL"]},
        "items": [{"refresh_token": "1000.def", "id": 7}],
        "Authorization": "Zoho-oauthtoken x",
    }
    clean = redact(detail)
    assert clean["org"] == "Acme"
    assert clean["access_token"] == REDACTED
    assert clean["nested"] == {"client_secret": REDACTED, "scopes": ["Desk.tickets.ALL"]}
    assert clean["items"] == [{"refresh_token": REDACTED, "id": 7}]
    assert clean["Authorization"] == REDACTED


def test_redact_leaves_plain_values_alone():
    assert redact("text") == "text"
    assert redact(3) == 3
    assert redact(["a", {"b": 1}]) == ["a", {"b": 1}]
