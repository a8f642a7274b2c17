"""Database tables. Everything a resident or staff member touches is keyed by community."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage.clock import stamp

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class AwareDateTime(TypeDecorator[datetime]):
    """Timezone-aware on the way in and out, also on SQLite (which stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class Area(Base):
    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("community_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class Building(Base):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("community_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    number: Mapped[str] = mapped_column(String(20))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    area: Mapped[Area] = relationship(lazy="raise")


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    office_key: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(String(10), default="profile", server_default="profile")
    """"profile" (mirrored from the profile, deactivated when it leaves it) or "console" (added with
    `frontdoor staff add`, e.g. an admin, and kept by profile loads)."""
    password_hash: Mapped[str | None] = mapped_column(String(200))
    """For signing in to the web console (argon2); none: this person cannot sign in."""


class StaffChannel(Base):
    __tablename__ = "staff_channels"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))


class StaffLinkCode(Base):
    """A one-time code that links a staff member's chat account (e.g. Telegram) to the roster.
    Only its hash is stored: the code itself is shown once, to whoever hands it to the staff member."""

    __tablename__ = "staff_link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime)
    used_at: Mapped[datetime | None] = mapped_column(AwareDateTime)


class Resident(Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    unit: Mapped[str | None] = mapped_column(String(10))
    room: Mapped[str | None] = mapped_column(String(10))
    display_name: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)
    erased_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    """When their personal data was erased at their request (`frontdoor privacy erase`)."""


class ChannelIdentity(Base):
    """One resident's account on one platform (a WeChat openid, a Telegram user id ...)."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)
    last_inbound_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    """When the resident last wrote: platforms such as WeChat allow free replies only for a while after."""
    sends_since_inbound: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Messages sent since then, for platforms that also cap how many (WeChat: 5 in 48 hours)."""


class Conversation(Base):
    """The dialogue state of one resident: the open flow and the slots filled so far."""

    __tablename__ = "conversations"

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)


class TicketStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"
    REOPENED = "reopened"


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index(None, "community_id", "status"), Index(None, "assignee_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(30), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    category_key: Mapped[str] = mapped_column(String(40))
    intake_type: Mapped[str] = mapped_column(String(40))
    remit: Mapped[str] = mapped_column(String(20))
    office_key: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    unit: Mapped[str | None] = mapped_column(String(10))
    room: Mapped[str | None] = mapped_column(String(10))
    place: Mapped[str | None] = mapped_column(String(200))
    """Where, when it is not a building: a listed place's name or the resident's own words."""
    status: Mapped[str] = mapped_column(String(20), default=TicketStatus.OPEN)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    due_at: Mapped[datetime] = mapped_column(AwareDateTime)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    """When its personal fields were removed (retention period after closing, or the resident's erasure)."""
    paused_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    """While the office waits (for materials, for the resident, for another office) the clock stops: set from
    the pause until the resume, which moves `due_at` on by the working time paused (`bot.office.pauses`)."""
    pause_reason: Mapped[str | None] = mapped_column(String(40))
    """The profile's pause reason while paused."""
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    """The ticket this one was merged into (it is closed, its reporters follow that one)."""

    community: Mapped[Community] = relationship(lazy="raise")
    assignee: Mapped[Staff] = relationship(lazy="raise")
    building: Mapped[Building | None] = relationship(lazy="raise")


class TicketEventKind(StrEnum):
    CREATED = "created"
    ASSIGNED = "assigned"
    CLAIMED = "claimed"
    REPLIED = "replied"
    CLOSED = "closed"
    REOPENED = "reopened"
    ESCALATED = "escalated"
    PAUSED = "paused"
    RESUMED = "resumed"
    ANSWERED = "answered"
    """The resident's answer while the ticket waited for them (its note is their words)."""
    FOLLOWED = "followed"
    """Another resident reported the same problem and now follows this ticket."""
    ADDED = "added"
    """The reporter told more about the problem after it was filed (its note is their words)."""
    PLACED = "placed"
    """The reporter gave the unit and room in the building it was filed at (its note is the address)."""
    MOVED = "moved"
    """The reporter corrected where the problem is, right after filing it (its note is the new address)."""
    DELIVERY = "delivery"
    """How the resident will get their certificate: their words asking for it at the door or for someone else to
    collect it, or the choice they made on the ready notice (its note)."""
    WITHDRAWN = "withdrawn"
    """The resident said what they reported is no longer needed (its note is their words); staff check and close."""
    STOOD_DOWN = "stood_down"
    """The resident said an emergency was not one after all (its note is the name of the need chosen instead)."""
    MERGED = "merged"
    SPLIT = "split"
    FOLLOW_UP = "follow_up"


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    VOICE = "voice"


class Attachment(Base):
    """A photo or voice note a resident sent: on their open ticket, or kept (`ticket_id` empty) for the next one.
    A photo is kept as the platform's reference; a voice note's audio is fetched from the platform's media API
    (`content`), since the platform keeps it only a few days and staff must be able to play it."""

    __tablename__ = "attachments"
    __table_args__ = (Index(None, "resident_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    channel: Mapped[str] = mapped_column(String(20))
    media_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)
    kind: Mapped[str] = mapped_column(String(10), default=AttachmentKind.PHOTO, server_default="photo")
    content_type: Mapped[str | None] = mapped_column(String(60))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    fetch_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TicketFollower(Base):
    """A resident who reported the ticket's problem: the first reporter (whose words are the ticket's
    description) and everyone whose report of the same problem was attached to it (their own words kept here).
    Each is told of every step and asked 满意 / 不满意 at the end."""

    __tablename__ = "ticket_followers"
    __table_args__ = (UniqueConstraint("ticket_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    """The follower's own words; None for the first reporter (the ticket's description) and once purged."""
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)


class FollowUpMethod(StrEnum):
    MESSAGE = "message"
    PHONE = "phone"


class FollowUp(Base):
    """A 回访 after closing: asked by message some working days later (`bot.office.follow_ups`) or recorded by
    staff after a phone call. Counted for the staff member who handled the ticket."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    asked_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)
    answered_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    fixed: Mapped[bool | None]
    """Still fixed (True) or broken again (False); None while unanswered."""
    satisfied: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(Text)
    """A staff member's note of the call (a message follow-up keeps no words)."""
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class TicketEvent(Base):
    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)


class ProcessedMessage(Base):
    """A platform message already handled, with the replies it got, so a retry gets the same."""

    __tablename__ = "processed_messages"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    """The message's retry key sealed (`bot.core.seal`): the key names the sender, the row must not."""
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    """None for a turn of an anonymous clue, whose `created_at` is then only the local day."""
    replies: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    delivered_by: Mapped[str | None] = mapped_column(String(10))
    """Which path took the replies to the resident: the webhook's own answer ("answer") or a later
    send ("send"). Whichever claims first wins, so the resident never gets them twice."""


class StaffAnswer(Base):
    """A staff member's command (「办结 GD…」) already carried out, with the answer it got: WeCom retries a
    callback it got no answer to in time, and the retry must get that answer, not act (or refuse) again."""

    __tablename__ = "staff_answers"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    message_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)


class OutboxMessage(Base):
    """A notification written in the same transaction as its cause, delivered after commit."""

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "delivered_at", "priority", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    kind: Mapped[str] = mapped_column(String(40))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(Integer, default=100)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)
    delivered_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(60))
    """The worker that last took it for sending (its lease ends at `available_at`)."""
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), index=True)
    """For a notice's delivery to one resident: the notice (its text is the notice's, not in `payload`)."""
    undeliverable_reason: Mapped[str | None] = mapped_column(String(200))
    """Why the platform cannot take it at all (e.g. outside WeChat's 48-hour window with no consent);
    such a message is settled, not retried, and shown to staff."""
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)


class SubscribeConsent(Base):
    """One consent a WeChat user gave (in the subscribe-message popup) to receive one message of a template:
    each is spent by the one subscribe message it allows, so the bot knows whom it may still reach outside the
    48-hour window, and how often."""

    __tablename__ = "subscribe_consents"
    __table_args__ = (Index(None, "openid", "template_id", "spent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64))
    template_id: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[datetime] = mapped_column(AwareDateTime)
    spent_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    """The message that spent it."""


class AccessToken(Base):
    """A platform API token shared by every process, so that one refresh serves them all."""

    __tablename__ = "access_tokens"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    token: Mapped[str] = mapped_column(String(1000))
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime)


class AppointmentSlot(Base):
    """One bookable time of one service; `booked` never exceeds `capacity` (checked in the UPDATE)."""

    __tablename__ = "appointment_slots"
    __table_args__ = (UniqueConstraint("community_id", "service_key", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    service_key: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(AwareDateTime)
    ends_at: Mapped[datetime] = mapped_column(AwareDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    DONE = "done"


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (Index(None, "resident_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(30), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id"), index=True)
    service_key: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(100))
    """Where a home visit goes, as the resident gave it (or as on record); none for a booking at the office."""
    note: Mapped[str | None] = mapped_column(Text)
    """A home visit's first words, what it is for (「能不能派人上门来办退休的手续」)."""
    status: Mapped[str] = mapped_column(String(20), default=AppointmentStatus.BOOKED)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)
    cancelled_at: Mapped[datetime | None] = mapped_column(AwareDateTime)

    slot: Mapped[AppointmentSlot] = relationship(lazy="raise")


class CertificateRequest(Base):
    """The certificate-specific part of a certificate ticket."""

    __tablename__ = "certificate_requests"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    certificate_key: Mapped[str] = mapped_column(String(40))
    for_whom: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str | None] = mapped_column(String(18))
    purpose: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))
    ready_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    delivery: Mapped[str | None] = mapped_column(String(20))


class Clue(Base):
    """A clue passed to the police (线索). Anonymous by default: `contact` and `resident_id` are
    set only when the resident chose to leave contact. No channel, sender or message id is kept,
    and `created_at` is the local day only, so the row cannot be matched to a conversation."""

    __tablename__ = "clues"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt: Mapped[str | None] = mapped_column(String(30), unique=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    contact: Mapped[str | None] = mapped_column(String(20))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    contact_seal: Mapped[str | None] = mapped_column(String(64), unique=True)
    """While the resident may still leave contact: the sealed token their conversation holds instead of the
    receipt (`bot.core.seal`), so neither table names the other."""


class Subscription(Base):
    """A resident's wish to receive one notice topic, scoped to their area (or building)."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("resident_id", "topic"), Index(None, "topic", "community_id", "active"))

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    topic: Mapped[str] = mapped_column(String(40))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)


class Rating(Base):
    """满意 / 不满意 on a closed ticket, for the staff member who handled it."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    satisfied: Mapped[bool]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)


class NoticeStage(StrEnum):
    """Where a notice is in its life; the CAP `status` (Actual, Exercise ...) is a separate field."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENT = "sent"
    """Sent (its deliveries may still be under way) and in force."""
    SUPERSEDED = "superseded"
    """An Update replaced it."""
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Notice(Base):
    """A notice to residents, with the fields of an OASIS CAP 1.2 alert.

    `msg_type` Update or Cancel names the notice it replaces in `references_id`. The target is
    areas and/or buildings of the community (both empty: the whole community); the audience is the
    topic's subscribers there. `body` is the text residents receive, fixed when sending starts."""

    __tablename__ = "notices"
    __table_args__ = (Index(None, "community_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(120), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    topic: Mapped[str] = mapped_column(String(40))
    template: Mapped[str | None] = mapped_column(String(40))
    sender: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(10), default="Actual")
    msg_type: Mapped[str] = mapped_column(String(10), default="Alert")
    references_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    scope: Mapped[str] = mapped_column(String(12), default="Public")
    category: Mapped[str] = mapped_column(String(12))
    event: Mapped[str] = mapped_column(String(100))
    urgency: Mapped[str] = mapped_column(String(12))
    severity: Mapped[str] = mapped_column(String(12))
    certainty: Mapped[str] = mapped_column(String(12))
    headline: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    instruction: Mapped[str | None] = mapped_column(Text)
    area_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    building_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    effective_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    stage: Mapped[str] = mapped_column(String(12), default=NoticeStage.DRAFT)
    send_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    """CAP `sent`: when sending started (for a draft, when it was written)."""
    body: Mapped[str | None] = mapped_column(Text)
    recipients: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)
    cancelled_at: Mapped[datetime | None] = mapped_column(AwareDateTime)


class NoticeApproval(Base):
    """One staff member's approval of a notice, where the profile asks for two people's."""

    __tablename__ = "notice_approvals"
    __table_args__ = (UniqueConstraint("notice_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)


class PublicityStage(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    """Published: residents may object until `closes_at`."""
    CLOSED = "closed"


class Publicity(Base):
    """A 公示: published as a notice to its audience, open to objections until `closes_at`, then closed with
    its result (无异议, or 有异议 with how the objections were handled), published to the same audience."""

    __tablename__ = "publicities"
    __table_args__ = (Index(None, "community_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    subject: Mapped[str] = mapped_column(String(40))
    """The profile's publicity subject (低保, 特困供养, 公租房 ...), by key."""
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    area_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    building_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    window_days: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(12), default=PublicityStage.DRAFT)
    opens_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)
    """How the objections were handled (处理结果), written by staff; published with the result."""
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    result_notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)


class Objection(Base):
    """A resident's objection to a 公示, worked as a ticket of its own kind due at the window's end. Name and
    phone are what the resident chose to give (none: anonymous, and staff see no resident)."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    publicity_id: Mapped[int] = mapped_column(ForeignKey("publicities.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    name: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)


class ProposalStage(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Proposal(Base):
    """A 议事 proposal put to a vote of the households of the community, some areas or some buildings
    (一户一票) between `opens_at` and `closes_at`; the counts and turnout are published when voting closes."""

    __tablename__ = "proposals"
    __table_args__ = (Index(None, "community_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON)
    area_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    building_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    households: Mapped[int] = mapped_column(Integer)
    """The electorate's households (the profile's figures), the denominator of turnout."""
    stage: Mapped[str] = mapped_column(String(12), default=ProposalStage.DRAFT)
    opens_at: Mapped[datetime] = mapped_column(AwareDateTime)
    closes_at: Mapped[datetime] = mapped_column(AwareDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    suggestion_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    """The resident's suggestion (建议) a secretary turned into this proposal."""
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    result_notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)


class Vote(Base):
    """A household's vote on a proposal, cast (and changeable) only by the resident who cast it first.
    Staff see counts only; the household sees its own vote."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("proposal_id", "household"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    household: Mapped[str] = mapped_column(String(60))
    """The room as `building_id/unit/room` (unit empty when the building has none)."""
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    option: Mapped[int] = mapped_column(Integer)
    """Index into the proposal's options."""
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)
    changed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)


class RotaOverride(Base):
    """A change to the profile's rota for one date: who is on duty for the shift of `role` that starts on `day`
    at `starts` (local, as in rota.yaml) in a community. The shift's backup stays the profile's."""

    __tablename__ = "rota_overrides"
    __table_args__ = (UniqueConstraint("community_id", "role", "day", "starts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    role: Mapped[str] = mapped_column(String(20))
    day: Mapped[date]
    starts: Mapped[str] = mapped_column(String(5))
    """`08:30`: the shift's start, which with the day, role and community names it."""
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)


class ScheduledJob(Base):
    """Work due at a time (a deadline reminder, an escalation, a scheduled notice, an expiry), kept in
    the database so a restart loses none. A worker claims due jobs (`FOR UPDATE SKIP LOCKED` where the
    database has it) and runs each in the transaction that marks it done, so its effects happen once."""

    __tablename__ = "scheduled_jobs"
    __table_args__ = (Index(None, "done_at", "run_at"), Index(None, "kind", "subject_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    """The ticket, notice ... the job is about (which table depends on `kind`)."""
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run_at: Mapped[datetime] = mapped_column(AwareDateTime)
    done_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)


class WorkerBeat(Base):
    """A running delivery worker, seen at `seen_at`: workers share the platforms' rate limits by
    counting the live ones."""

    __tablename__ = "worker_beats"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(AwareDateTime)


class StaffSession(Base):
    """A signed-in console session. The cookie holds the token; only its hash is stored."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime)


class SignInAttempt(Base):
    """Sign-in attempts, for throttling by account and by client address."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index(None, "username", "at"), Index(None, "client", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    client: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool]
    at: Mapped[datetime] = mapped_column(AwareDateTime)


class AuditEntry(Base):
    """A staff member read a clue or a resident's personal data; admins can list these."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(AwareDateTime)


class ApiKey(Base):
    """A key another civic tool uses to file requests through the Open311 API; only its hash is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=stamp)
