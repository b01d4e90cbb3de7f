"""The org's time zone on a connection: a zone this system knows, else the console's (never an exception)."""

from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from apps.connections.models import DeskConnection, valid_zone, zone_for


@pytest.mark.parametrize("name", ["Pacific/Niue", "Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires"])
def test_a_known_zone_is_kept(name):
    assert valid_zone(name) == name and zone_for(name) == ZoneInfo(name)


@pytest.mark.parametrize(
    "name", ["", None, "Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime", "x" * 65, "Europe/\x00"]
)
@override_settings(TIME_ZONE="Asia/Tokyo")
def test_an_unknown_or_malformed_zone_falls_back_to_the_console_s(name):
    assert valid_zone(name) == ""
    assert str(zone_for(name)) == "Asia/Tokyo"
    connection = DeskConnection(org_id="1", time_zone=name or "")
    assert str(connection.zone) == "Asia/Tokyo" and connection.zone_name == "Asia/Tokyo"


def test_the_connection_s_own_zone_is_used_when_known():
    connection = DeskConnection(org_id="1", time_zone="Pacific/Niue")
    assert connection.zone == ZoneInfo("Pacific/Niue") and connection.zone_name == "Pacific/Niue"
