"""The plans a member may buy: monthly and annual, each one Stripe price on the one product,
found or created by its lookup key (`stripe_setup`) and named in settings by its id, and the
free trial a first subscription starts with."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from alphacode.context_processors import (
    PRICE_AMOUNT,
    PRICE_ANNUAL_AMOUNT,
    PRICE_CURRENCY,
    dollars,
)

# A first subscription's free trial (Checkout's subscription_data.trial_period_days).
TRIAL_DAYS = 7


@dataclass(frozen=True)
class Plan:
    slug: str  # what the subscribe form posts as `plan`
    name: str
    lookup_key: str  # the Stripe price's lookup key, by which `stripe_setup` finds it
    amount: int  # cents, in PRICE_CURRENCY, each interval
    interval: str  # the Stripe price's recurring interval
    setting: str  # the setting that holds the Stripe price's id

    @property
    def currency(self) -> str:
        return PRICE_CURRENCY

    @property
    def price_id(self) -> str:
        """The Stripe price Checkout sells for this plan; empty when it is not configured."""
        return getattr(settings, self.setting)

    @property
    def price(self) -> str:
        """ "$19 a month", "$190 a year"."""
        return f"{dollars(self.amount)} a {self.interval}"


MONTHLY = Plan(
    slug="monthly",
    name="Alpha Code monthly",
    lookup_key="alphacode-monthly",
    amount=PRICE_AMOUNT,
    interval="month",
    setting="STRIPE_PRICE_ID",
)
ANNUAL = Plan(
    slug="annual",
    name="Alpha Code annual",
    lookup_key="alphacode-annual",
    amount=PRICE_ANNUAL_AMOUNT,
    interval="year",
    setting="STRIPE_ANNUAL_PRICE_ID",
)
PLANS = {plan.slug: plan for plan in (MONTHLY, ANNUAL)}
# What a year of the annual plan saves against twelve monthly payments, in months.
MONTHS_FREE = (12 * MONTHLY.amount - ANNUAL.amount) // MONTHLY.amount


def plan_for_interval(interval: str) -> Plan | None:
    """The plan a subscription is on, from its price's interval (a price switched to in the
    Customer Portal is still one of ours); None for one we do not sell."""
    return next((plan for plan in PLANS.values() if plan.interval == interval), None)
