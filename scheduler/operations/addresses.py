"""Coordinates for a typed address: placed by the geocoder unless the coordinator typed or
corrected them, with where they came from kept beside them.

Shared by the patient and nurse operations (and everything that calls them: pages, API,
import), so the rule is the same whichever way an address arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.geocoding import US_STATES, Address, Geocoder, NotPlaced, ZipCentre
from scheduler.operations.checks import InvalidValues


@dataclass(frozen=True)
class Fields:
    """The names of the form fields an address's parts are typed in, for error messages."""

    postal_code: str = "postal_code"
    state: str = "state"
    lat: str = "lat"
    lon: str = "lon"


@dataclass(frozen=True)
class Stored:
    """What is stored today, so an edit that leaves the address alone keeps its source."""

    address: Address
    lat: float
    lon: float
    source: str


@dataclass(frozen=True)
class Placed:
    lat: float
    lon: float
    source: str
    state: str


def _moved(a: Address, b: Address) -> bool:
    """The street or the ZIP code differ: what places an address. A corrected spelling of the
    city or a State filled in does not move anyone."""
    def norm(x: Address):
        return tuple(" ".join(part.split()).lower() for part in (x.street, x.postal_code))
    return norm(a) != norm(b)


def place_address(address: Address, lat: float | None, lon: float | None, *, geocoder: Geocoder | None,
                  stored: Stored | None = None, names: Fields = Fields()) -> Placed:
    """The coordinates to store for `address`, or InvalidValues naming the field to correct.

    - both coordinates blank: the geocoder places the address;
    - both given and different from what is stored: the coordinator's correction ("entered");
    - both given and equal to what is stored: kept with their source, unless the street or the
      ZIP code changed: then they belonged to the old address and the new one is placed.
    """
    geocoder = geocoder or ZipCentre()
    state = (address.state or "").strip().upper()
    if state and state not in US_STATES:
        raise InvalidValues({names.state: "Choose the State from the list (two letters, e.g. MI)."})
    address = Address(address.street, address.city, state, (address.postal_code or "").strip())
    if (lat is None) != (lon is None):
        missing = names.lon if lon is None else names.lat
        raise InvalidValues({missing: "Enter both latitude and longitude to correct the place, or neither to "
                                      "place the address automatically."})
    if lat is not None:
        unchanged = stored is not None and (lat, lon) == (stored.lat, stored.lon)
        if not unchanged:
            return Placed(lat, lon, "entered", state or _state_of_zip(address))
        if not _moved(address, stored.address):
            return Placed(lat, lon, stored.source, state or _state_of_zip(address))
    try:
        place = geocoder.locate(address)
    except NotPlaced as exc:
        field = names.state if exc.field == "state" else names.postal_code
        raise InvalidValues({field: str(exc)}) from None
    return Placed(place.lat, place.lon, place.source, state or place.state)


def _state_of_zip(address: Address) -> str:
    try:
        return ZipCentre().locate(Address(address.street, address.city, "", address.postal_code)).state
    except NotPlaced:
        return ""
