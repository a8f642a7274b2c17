"""POST /requests.json: a request another civic tool files becomes a ticket routed exactly like one
from chat (`bot.office.ticketing.open_ticket`: same category, building, assignee, deadline and staff alert).

The reporter is a resident with an `open311` identity `<api key id>:<account_id, device_id, email or
"anonymous">`, so repeated filings by one account are one resident. Their phone is stored only when
given; nothing is sent back to them through a chat channel (they have none): the filing tool reads
the status with GET.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.wording import Wording
from bot.office.ticketing import TicketRequest, open_ticket
from bot.open311.errors import ApiKeyError, InvalidFieldError
from bot.open311.mapping import service_notice
from bot.open311.places import Location, locate
from bot.open311.schema import FilingForm
from bot.open311.services import offered_categories
from nlu.entities import find_phones
from nlu.spans import fold_width
from storage.models import ApiKey, Community, Resident
from storage.profile import Profile
from storage.profile.schema import Category
from storage.repositories import api_keys
from storage.repositories.directory import get_building, get_community, get_community_by_id
from storage.repositories.residents import find_or_create_resident

CHANNEL = "open311"
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Filed:
    number: str
    notice: str


async def file_request(session: AsyncSession, profile: Profile, form: FilingForm, now: datetime) -> Filed:
    key = await api_keys.verify_api_key(session, form.api_key or "")
    if key is None:
        raise ApiKeyError("api_key: missing, unknown or revoked")
    category = _category(profile, form.service_code)
    description = (form.description or "").strip()
    if not description:
        raise InvalidFieldError("description: say what the problem is")
    community_key = await _community_key(session, profile, key, form.jurisdiction_id)
    place = locate(profile, community_key, Location(form.address_id, form.address_string, form.lat, form.long))
    community = await get_community(session, place.community_key)
    building = await get_building(session, community.id, place.building) if community else None
    if community is None or building is None:
        raise InvalidFieldError(f"location: building {place.building} is not loaded; run `frontdoor profile load`")
    resident = await _reporter(session, key, community, form)
    opened = await open_ticket(session, profile, TicketRequest(
        community=community, resident=resident, channel=CHANNEL, category=category, description=description,
        building=building, unit=place.unit, room=place.room,
    ), now)
    number = opened.ticket.number or ""
    wording = Wording(profile, community.key)
    return Filed(number, service_notice(profile, wording, number, opened.route.handler_label, opened.ticket.due_at))


def _category(profile: Profile, service_code: str | None) -> Category:
    if not service_code:
        raise InvalidFieldError("service_code: missing; see services.json")
    category = offered_categories(profile).get(service_code)
    if category is None:
        raise InvalidFieldError(f"service_code: '{service_code}' is not a service; see services.json")
    return category


async def _community_key(session: AsyncSession, profile: Profile, key: ApiKey,
                         jurisdiction_id: str | None) -> str | None:
    """The key's own community, else the jurisdiction_id asked for, else None (found from the location)."""
    if key.community_id is not None:
        own = (await get_community_by_id(session, key.community_id)).key
        if jurisdiction_id and jurisdiction_id != own:
            raise InvalidFieldError(f"jurisdiction_id: this api_key files for '{own}' only")
        return own
    if jurisdiction_id and jurisdiction_id not in profile.communities:
        raise InvalidFieldError(f"jurisdiction_id: '{jurisdiction_id}' is not a community")
    return jurisdiction_id or None


async def _reporter(session: AsyncSession, key: ApiKey, community: Community, form: FilingForm) -> Resident:
    account = (form.account_id or form.device_id or form.email or ANONYMOUS).strip() or ANONYMOUS
    resident = await find_or_create_resident(session, CHANNEL, f"{key.id}:{account}", community.id)
    if form.phone:
        resident.phone = _phone(form.phone)
    name = "".join(part.strip() for part in (form.last_name, form.first_name) if part)
    if name:
        resident.display_name = name[:50]
    return resident


def _phone(text: str) -> str:
    """A mainland mobile or landline, as the chat stores it; anything else is refused."""
    text = fold_width(text.strip())
    found = find_phones(text)
    if len(found) != 1 or found[0][1] != 0 or found[0][2] != len(text):
        raise InvalidFieldError("phone: not a mainland mobile or landline number")
    return found[0][0]
