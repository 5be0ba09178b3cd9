"""The pages' one time filter: an instant in the cardholders' or the staff's zone, labelled."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from arrears.config import Settings
from arrears.web.i18n import environment

MOMENT = datetime(2026, 12, 4, 19, 9, tzinfo=UTC)


def rendered(source: str, settings: Settings, locale: str = "en") -> str:
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=settings)))
    return environment(locale).from_string(source).render(request=request, moment=MOMENT)


def test_whose_time_picks_the_zone() -> None:
    settings = Settings(timezone="Asia/Urumqi", staff_timezone="Asia/Shanghai")
    cardholder = rendered('{{ moment|local("cardholder") }}', settings)
    staff = rendered('{{ moment|local("staff") }}', settings)
    assert ">2026-12-05 01:09 UTC+6</time>" in cardholder and "Asia/Urumqi" in cardholder
    assert ">2026-12-05 03:09 UTC+8</time>" in staff and "your local time" in staff
    assert 'datetime="2026-12-04T19:09:00+00:00"' in staff  # the instant, for machines


def test_the_staff_zone_is_the_cardholders_by_default() -> None:
    settings = Settings(timezone="Europe/London")
    assert ">2026-12-04 19:09 UTC</time>" in rendered("{{ moment|local }}", settings)
    assert rendered('{{ moment|local("staff", "date") }}', settings).endswith(">2026-12-04</time>")
    assert rendered('{{ none|local("cardholder") }}', settings) == ""
    assert rendered('{{ zone_label("cardholder", moment) }}', settings) == "UTC"
