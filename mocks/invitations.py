"""A booking's calendar invitation (iCalendar, RFC 5545 with iTIP's methods, RFC 5546), one per
member: `METHOD:REQUEST` when it is booked, `METHOD:CANCEL` when it is cancelled. The event's
`UID` is the booking's, and its `SEQUENCE` the booking's, raised at each change, so a calendar
replaces the event it has rather than adding one. The only attendee is the member it is sent
to: the partner is named in the summary by their display name, never by an address."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

from accounts.models import User

from .models import Booking
from .people import peer_name

PRODID = "-//Alpha Code//Mock interviews//EN"
FILENAME = "mock-interview.ics"


def invitation(
    booking: Booking,
    *,
    member: User,
    partner: User,
    room_url: str,
    method: str = "REQUEST",
) -> str:
    """The invitation for `member`, as text: REQUEST while booked, CANCEL once cancelled. The
    times are UTC instants, which every calendar shows on its own clock."""
    cancel = method == "CANCEL"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", str(booking.uid))
    event.add("sequence", booking.sequence)
    # When this version of the event was made: the booking, or its cancellation.
    stamp = booking.canceled_at if cancel and booking.canceled_at else booking.created_at
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", booking.starts_at.astimezone(dt.UTC))
    event.add("dtend", booking.ends_at.astimezone(dt.UTC))
    kind = booking.get_kind_display().split(" (")[0].lower()
    event.add("summary", f"Mock interview ({kind}) with {peer_name(partner)}")
    event.add(
        "description",
        f"Two 45-minute rounds with {peer_name(partner)}, a 5-minute break between: you "
        f"interview each other once. The room: {room_url}",
    )
    event.add("location", vText(room_url))
    event.add("url", room_url)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer_name, organizer_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{organizer_address}")
    organizer.params["cn"] = organizer_name or "Alpha Code"
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{member.email}")
    attendee.params["cn"] = peer_name(member)
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = "NEEDS-ACTION"
    # Replies are not read: the booking is changed on the site.
    attendee.params["rsvp"] = "FALSE"
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical().decode()
