"""The shapes of the GeoReport v2 API (wiki.open311.org/GeoReport_v2), as pydantic models for FastAPI's
validation and its OpenAPI document. Field names are the spec's, `long` included."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Open311Status = Literal["open", "closed"]


class ServiceOut(BaseModel):
    """One service a request can be filed for: a complaint category of the district."""

    service_code: str = Field(description="The category key, e.g. drain_blocked.")
    service_name: str
    description: str
    metadata: bool = Field(default=False, description="Always false: no extra attributes are asked for.")
    type: Literal["realtime", "batch", "blackbox"] = Field(
        default="realtime", description="realtime: the ticket number comes back in the POST response.")
    keywords: str = Field(description="Comma-separated words that pick this category in chat.")
    group: str = Field(description="The intake type, which fixes the time limit.")


class ServiceRequestOut(BaseModel):
    """One ticket as the public may see it: no resident, staff name, phone, ID number, unit or room."""

    service_request_id: str = Field(description="The ticket number, e.g. GD20261123-0001.")
    status: Open311Status
    status_notes: str | None = Field(description="The status in words; for a closed request, the result.")
    service_name: str
    service_code: str
    description: str = Field(description="What was reported, with phone and ID numbers masked and the address "
                                         "cut to the building.")
    agency_responsible: str = Field(description="The office or role handling it (a building lead, a "
                                                "sub-district office), never a person.")
    service_notice: str | None
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime = Field(description="The deadline, by the intake type's time limit.")
    address: str | None = Field(description="Community and building, never unit or room.")
    address_id: str | None = Field(description="`<community key>:<building number>`, as POST accepts it.")
    zipcode: str | None
    lat: float | None = Field(description="The building's position (GCJ-02), when the profile has it.")
    long: float | None
    media_url: str | None = Field(description="Always null: residents' photos are not published.")


class CreatedRequestOut(BaseModel):
    service_request_id: str
    service_notice: str
    account_id: str | None = None


class ErrorOut(BaseModel):
    code: int = Field(description="The HTTP status.")
    description: str


class FilingForm(BaseModel):
    """POST /requests.json, form-encoded. Everything is optional to the parser so that a missing
    api_key is refused with 403 and a missing field with the spec's 400."""

    model_config = ConfigDict(extra="ignore")

    api_key: str | None = Field(default=None, max_length=200)
    service_code: str | None = Field(default=None, max_length=40)
    description: str | None = Field(default=None, max_length=2000)
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    address_string: str | None = Field(default=None, max_length=200)
    address_id: str | None = Field(default=None, max_length=80)
    jurisdiction_id: str | None = Field(default=None, max_length=40,
                                        description="The community key, when the api_key is not tied to one.")
    email: str | None = Field(default=None, max_length=80)
    device_id: str | None = Field(default=None, max_length=80)
    account_id: str | None = Field(default=None, max_length=80)
    first_name: str | None = Field(default=None, max_length=25)
    last_name: str | None = Field(default=None, max_length=25)
    phone: str | None = Field(default=None, max_length=30)
