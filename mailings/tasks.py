"""Celery tasks for members' email: thin wrappers that take ids and call mailings.sending (see
billing.tasks for the rules every task here follows)."""

from __future__ import annotations

from celery import shared_task

from alphacode.celery import RETRY
from billing.errors import TRANSIENT_ERRORS


@shared_task(bind=True, autoretry_for=TRANSIENT_ERRORS, **RETRY)
def campaign_send(self, campaign_id: int, generation: int | None = None) -> None:
    """Send one batch of the campaign, then queue the next batch at the configured rate. A task
    killed mid-batch is delivered again (late acks); the rows it had claimed are sent once their
    claim lapses, each with the same Message-ID as before. `generation` is the start of the
    campaign's senders this chain belongs to (None: a message queued before chains had one)."""
    from .sending import campaign_send_batch

    while True:
        more, wait = campaign_send_batch(campaign_id, generation)
        if not more:
            return
        if not self.request.is_eager:
            campaign_send.apply_async((campaign_id, generation), countdown=wait)
            return
        # Inline (the embedded defaults): the next batch now, without recursion, unless what
        # is left must wait (a retry's backoff): campaigns_resume or the next send takes it.
        if wait >= 1:
            return


@shared_task(autoretry_for=TRANSIENT_ERRORS, **RETRY)
def campaigns_resume() -> list[int]:
    """Beat, every minute: campaigns whose chain of tasks was lost (the broker down when the
    next batch was queued) get their senders started again; a chain of theirs that was only
    late stops at its next batch."""
    from .sending import campaigns_stalled
    from .services import campaign_start

    stalled = campaigns_stalled()
    for campaign_id in stalled:
        campaign_start(campaign_id)
    return stalled


@shared_task(autoretry_for=TRANSIENT_ERRORS, **RETRY)
def digest_weekly() -> int:
    """Beat, Mondays at 07:00 UTC: this week's digest (sent once a week, however often this
    runs)."""
    from .services import digest_send

    return digest_send()[1]
