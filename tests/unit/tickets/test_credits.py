"""What bulk actions and writes say about credits: the price, whether the org can afford it, the reset."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from apps.desk.errors import CreditsExhausted, RateLimited
from apps.tickets import credits
from apps.tickets.views.common import desk_error_message, retry_context

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def today(remaining, *, reserve=0, paused=False) -> credits.CreditsToday:
    return credits.CreditsToday(
        remaining=remaining, limit=None, reset_at=NOW + timedelta(hours=14), paused=paused, reserve=reserve
    )


def cost(tickets, today_) -> credits.BulkCost:
    return credits.BulkCost(
        tickets=tickets,
        credits=tickets,
        per_ticket=1,
        update_many_calls=1,
        update_many_credits=1,
        today=today_,
    )


def test_a_bulk_action_is_affordable_only_above_the_reserve_kept_for_people():
    assert cost(5, today(100, reserve=30)).affordable
    assert cost(70, today(100, reserve=30)).affordable
    assert not cost(71, today(100, reserve=30)).affordable
    assert cost(71, today(100, reserve=30)).usable == 70


def test_unknown_credits_let_it_start_and_spent_credits_never_do():
    assert cost(5, today(None)).affordable
    assert not cost(1, today(0, paused=True)).affordable


def test_bulk_cost_counts_one_credit_a_ticket_and_updatemany_in_fifties():
    price = credits.bulk_cost(org_id="cost-test-org", tickets=120)
    assert (price.credits, price.per_ticket) == (120, 1)
    assert price.update_many_calls == 3
    assert price.update_many_credits == 3 * credits.call_weight("POST", "/tickets/updateMany")


def test_only_the_days_credits_count_as_exhausted_not_a_concurrency_429():
    reset = NOW + timedelta(hours=3)
    assert credits.is_credits_exhausted(CreditsExhausted("spent", retry_at=reset, now=NOW))
    assert credits.is_credits_exhausted(
        RateLimited("spent", retry_at=reset, error_code="THRESHOLD_EXCEEDED", now=NOW)
    )
    assert not credits.is_credits_exhausted(
        RateLimited("busy", retry_at=reset, error_code="TOO_MANY_REQUESTS", now=NOW)
    )


def test_reset_words_name_the_day_when_it_is_not_today():
    now = timezone.now()
    assert "tomorrow" in credits.reset_words(now + timedelta(days=1))
    assert "tomorrow" not in credits.reset_words(now)
    assert credits.reset_words(now).endswith(f"({timezone.localtime(now).tzname()})")


def test_spent_credits_tell_when_writes_go_through_and_do_not_resend_the_draft():
    error = CreditsExhausted(
        "You have exhausted the API credits", retry_at=timezone.now() + timedelta(hours=2)
    )
    message = desk_error_message(error)
    assert message.startswith("Today's Desk API credits for this org are spent")
    assert "after the reset at" in message and message.endswith("Your draft is kept.")
    context = retry_context(error)
    assert context["credits_spent"] is True and context["retry_seconds"] is None
    busy = RateLimited("busy", retry_at=timezone.now() + timedelta(seconds=5), error_code="TOO_MANY_REQUESTS")
    assert retry_context(busy)["retry_seconds"] >= 5


def test_background_share_spent_is_explained_as_such():
    error = CreditsExhausted(
        "share spent", retry_at=timezone.now() + timedelta(hours=1), error_code="BACKGROUND_SHARE_SPENT"
    )
    assert "kept for people" in credits.credits_exhausted_message(error)


def test_the_reserve_is_the_budgets_own_not_recomputed(monkeypatch):
    """40 credits at a 0.7 share keep 12 for people (the budget rounds 40 * 0.3 first; a bare ceil gave 13)."""
    from apps.desk import budget

    usage = budget.ApiUsage(
        credits_used_today=0,
        credits_left=40,
        daily_limit=40,
        daily_limit_estimated=False,
        in_flight=0,
        concurrency_cap=5,
        paused_until=None,
        reserve=12,
    )
    monkeypatch.setattr(budget, "api_usage", lambda org_id, edition=None: usage)
    assert credits.credits_today("1").reserve == 12
