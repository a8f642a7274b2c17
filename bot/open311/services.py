"""Which complaint categories the Open311 API offers as services, and how each is described.

Offered: the categories of the public-service intake type (公共服务类: repairs, blocked drains,
cleaning, noise ... PRODUCT.md §2), the `general` catch-all included, since chat files those the
same way. Not offered, for filing or reading:
- administrative, legal and petition matters (民政救助, 法律援助, 信访 ...): they are about one
  person's own affairs, often sensitive (income, disability), and a public list by building would
  expose them;
- `emergency`: it must reach the on-duty staff at once with the chat's urgent alert and the advice
  to call 110; a third-party API is not an emergency line;
- `handoff` and `certificate`: other flows (a conversation with staff; a certificate asked for with
  an ID number), not reports.
"""

from __future__ import annotations

from bot.core.wording import Wording
from bot.office.certificates import CERTIFICATE_CATEGORY
from bot.office.emergencies import EMERGENCY_CATEGORY
from bot.open311.schema import ServiceOut
from storage.profile import Profile
from storage.profile.schema import Category

REPLIES: dict[str, tuple[str, ...]] = {
    "open311_service_description": ("category", "intake_type"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


PUBLIC_INTAKE_TYPE = "public_service"
OTHER_FLOWS = frozenset({EMERGENCY_CATEGORY, Profile.HANDOFF_CATEGORY, CERTIFICATE_CATEGORY})


def offered_categories(profile: Profile) -> dict[str, Category]:
    """The categories open to Open311, by key, in the profile's order."""
    return {key: category for key, category in profile.categories.items()
            if category.intake_type == PUBLIC_INTAKE_TYPE and key not in OTHER_FLOWS}


def service_out(profile: Profile, category: Category) -> ServiceOut:
    intake_type = profile.intake_type(category).name
    description = Wording(profile, None).render("open311_service_description", category=category.name,
                                                intake_type=intake_type)
    return ServiceOut(service_code=category.key, service_name=category.name, description=description,
                      keywords=",".join(category.keywords), group=intake_type)


def list_services(profile: Profile) -> list[ServiceOut]:
    return [service_out(profile, category) for category in offered_categories(profile).values()]
