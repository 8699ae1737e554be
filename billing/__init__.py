"""Billing: Stripe customers and subscriptions, webhooks, and who may read what."""
