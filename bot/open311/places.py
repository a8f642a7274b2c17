"""Where a request is: the community and building a POST names (by address_id, address_string or a
point), and how a building is given back (address, address_id, position). Buildings only: a unit
or room given in an address_string is kept on the ticket for staff but never published."""

from __future__ import annotations

from dataclasses import dataclass

from bot.open311.errors import InvalidFieldError
from nlu.address import find_address
from storage.profile import Profile
from storage.profile.locations import distance_m

ADDRESS_ID_SEPARATOR = ":"


@dataclass(frozen=True)
class Place:
    community_key: str
    building: str
    unit: str | None = None
    room: str | None = None


@dataclass(frozen=True)
class Location:
    """What a POST says about where: any of these, used in this order of precision."""

    address_id: str | None = None
    address_string: str | None = None
    lat: float | None = None
    long: float | None = None


def address_id(community_key: str, building: str) -> str:
    return f"{community_key}{ADDRESS_ID_SEPARATOR}{building}"


def position(profile: Profile, community_key: str, building: str) -> tuple[float, float] | None:
    positions = profile.building_locations.get(community_key)
    return positions.buildings.get(building) if positions else None


def nearest_building(profile: Profile, community_keys: list[str], lat: float, long: float) -> Place | None:
    """The nearest building of any of the communities, each within its `max_distance_m`: the rule a
    location shared in chat follows (`bot.conversation.locations`), across communities when none is known."""
    best: tuple[float, Place] | None = None
    for key in community_keys:
        positions = profile.building_locations.get(key)
        number = positions.nearest(lat, long) if positions else None
        if positions is None or number is None:
            continue
        distance = distance_m((lat, long), positions.buildings[number])
        if best is None or distance < best[0]:
            best = (distance, Place(key, number))
    return best[1] if best else None


def locate(profile: Profile, community_key: str | None, location: Location) -> Place:
    """The building a POST names, within `community_key` when the caller is bound to one."""
    if location.address_id:
        return _by_address_id(profile, community_key, location.address_id)
    if location.address_string:
        return _by_address_string(profile, community_key, location.address_string)
    if location.lat is not None and location.long is not None:
        keys = [community_key] if community_key else list(profile.communities)
        place = nearest_building(profile, keys, location.lat, location.long)
        if place is None:
            raise InvalidFieldError("lat/long: no building of the community is near this point")
        return place
    if location.lat is not None or location.long is not None:
        raise InvalidFieldError("lat/long: give both")
    raise InvalidFieldError("location: give lat and long, address_string or address_id")


def _by_address_id(profile: Profile, community_key: str | None, text: str) -> Place:
    key, separator, number = text.strip().partition(ADDRESS_ID_SEPARATOR)
    if not separator or key not in profile.communities or number not in profile.buildings(key):
        raise InvalidFieldError(f"address_id: '{text}' is not <community key>:<building number> of a known building")
    if community_key is not None and key != community_key:
        raise InvalidFieldError("address_id: the building is outside this api_key's or jurisdiction_id's community")
    return Place(key, number)


def _by_address_string(profile: Profile, community_key: str | None, text: str) -> Place:
    key = community_key or _named_community(profile, text)
    if key is None:
        raise InvalidFieldError("address_string: name the community, or give jurisdiction_id")
    found = find_address(text)
    if found is None or found[0].building not in profile.buildings(key):
        raise InvalidFieldError(f"address_string: no building of community '{key}' found in it")
    address = found[0]
    return Place(key, address.building, address.unit, address.room)


def _named_community(profile: Profile, text: str) -> str | None:
    """The one community the text names (name or alias), or the only community there is."""
    named = [key for key, c in profile.communities.items() if any(name in text for name in (c.name, *c.aliases))]
    if len(named) == 1:
        return named[0]
    return next(iter(profile.communities)) if len(profile.communities) == 1 else None
