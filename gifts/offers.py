"""What a gift may be: its lengths and their prices (in one place), and when a gift for a
chosen day is sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from alphacode.context_processors import PRICE_AMOUNT, PRICE_ANNUAL_AMOUNT, PRICE_CURRENCY, dollars


@dataclass(frozen=True)
class Offer:
    months: int
    amount: int  # cents, in PRICE_CURRENCY

    @property
    def currency(self) -> str:
        return PRICE_CURRENCY

    @property
    def price(self) -> str:
        """ "$57"."""
        return dollars(self.amount)

    @property
    def name(self) -> str:
        """ "3 months of Alpha Code"."""
        return f"{self.months} months of Alpha Code"


# Three and six months at the monthly price; twelve at the annual plan's ($57, $114, $190).
OFFERS = {
    offer.months: offer
    for offer in (
        Offer(3, 3 * PRICE_AMOUNT),
        Offer(6, 6 * PRICE_AMOUNT),
        Offer(12, PRICE_ANNUAL_AMOUNT),
    )
}
# A gift for a chosen day is sent at this hour, UTC, on that day (UTC's calendar): the beat
# task looks every hour. A gift paid for on or after its day is sent at once.
SEND_HOUR_UTC = 9
SEND_TIME = f"{SEND_HOUR_UTC:02d}:00 UTC"  # as pages and emails write it
# How far ahead a gift may be set to arrive.
MAX_DAYS_AHEAD = 365
MESSAGE_MAX = 300


def today_utc(now: dt.datetime) -> dt.date:
    return now.astimezone(dt.UTC).date()


def last_day_due(now: dt.datetime) -> dt.date:
    """The latest chosen day whose gifts are due by `now`: today once SEND_HOUR_UTC has come,
    else yesterday."""
    now = now.astimezone(dt.UTC)
    today = now.date()
    return today if now.hour >= SEND_HOUR_UTC else today - dt.timedelta(days=1)


def add_months(when: dt.datetime, months: int) -> dt.datetime:
    """The same time `months` calendar months later; a day the month lacks becomes its last
    (31 Jan + 1 month is 28 or 29 Feb)."""
    month_index = when.month - 1 + months
    year, month = when.year + month_index // 12, month_index % 12 + 1
    next_month_first = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month_first - dt.timedelta(days=1)).day
    return when.replace(year=year, month=month, day=min(when.day, last_day))
