"""Addresses to coordinates: people type addresses, travel times need latitude and longitude.

Two geocoders behind one small interface (`locate(address) -> Place`):

- `ZipCentre`: offline, always available, from the US ZIP data shipped by the `zipcodes`
  package. It knows only the centre of the ZIP code, so its places are marked
  "approximate (ZIP centre)"; good enough for drive-time estimates between visits.
- `GeocodingService`: a configured Nominatim or Pelias server through geopy (URL, user agent,
  a minimum delay between requests), used only when configured. When it cannot place an
  address or cannot be reached, the ZIP centre is used instead, and the place says so.

No Flask and no database here: the operations get a geocoder passed in.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
import time
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

# How each source is shown to people, next to the coordinates it produced.
SOURCE_LABELS = {
    "entered": "entered by hand",
    "zip_centre": "approximate (ZIP centre)",
    "geocoder": "placed from the street address",
}
SOURCES = tuple(SOURCE_LABELS)

US_STATES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
    "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR",
    "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR", "VI", "GU", "AS", "MP",
)
ZIP_PATTERN = re.compile(r"(\d{5})(?:-?\d{4})?")


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    state: str
    postal_code: str

    def one_line(self) -> str:
        return ", ".join(part for part in (self.street, self.city, f"{self.state} {self.postal_code}".strip()) if part)


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    source: str  # one of SOURCES
    state: str = ""  # the State the ZIP code belongs to, when known
    note: str = ""  # why a fallback was used, for the person who typed the address

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self.source]


class NotPlaced(ValueError):
    """The address cannot be placed; `field` names what to correct (postal_code or state)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class Geocoder(Protocol):
    def locate(self, address: Address) -> Place: ...


def zip5(postal_code: str) -> str | None:
    match = ZIP_PATTERN.fullmatch((postal_code or "").strip())
    return match.group(1) if match else None


@lru_cache(maxsize=8192)
def _zip_lookup(code: str) -> dict | None:
    """One ZIP code's entry of the `zipcodes` data. Its lookup scans the whole list (about
    9 ms); an import of a thousand patients from a few hundred ZIP codes asks each once."""
    import zipcodes

    found = zipcodes.matching(code)
    return found[0] if found else None


def zip_entry(postal_code: str) -> dict | None:
    code = zip5(postal_code)
    return _zip_lookup(code) if code else None


def zip_time_zone(postal_code: str) -> str | None:
    """The IANA zone of a US ZIP code from the same offline data, or None."""
    entry = zip_entry(postal_code)
    return (entry.get("timezone") or None) if entry else None


class ZipCentre:
    """The centre of the address's US ZIP code, offline."""

    def locate(self, address: Address) -> Place:
        code = zip5(address.postal_code)
        if code is None:
            raise NotPlaced("postal_code", f"“{address.postal_code}” is not a US ZIP code: write five digits, "
                                           "e.g. 49120, or enter the latitude and longitude.")
        entry = _zip_lookup(code)
        if not entry or not entry.get("lat"):
            raise NotPlaced("postal_code", f"ZIP code {code} is not in the ZIP data, so the address cannot be "
                                           "placed: check it, or enter the latitude and longitude.")
        state = (address.state or "").strip().upper()
        if state and state != entry["state"]:
            raise NotPlaced("state", f"ZIP code {code} is in {entry['state']}, not {state}: check the State and "
                                     "the ZIP code.")
        return Place(lat=float(entry["lat"]), lon=float(entry["long"]), source="zip_centre", state=entry["state"])


class GeocodingService:
    """A Nominatim or Pelias server through geopy; falls back to the ZIP centre.

    Nominatim's usage policy asks for an identifying user agent and at most one request a
    second; `min_delay_s` spaces requests across threads of this process.
    """

    def __init__(self, kind: str, url: str, *, user_agent: str, min_delay_s: float = 1.0, timeout_s: float = 5.0,
                 api_key: str = "", fallback: Geocoder | None = None):
        from geopy.geocoders import Nominatim, Pelias

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"GEOCODER_URL={url!r} is not an http(s) URL")
        domain = parts.netloc + parts.path.rstrip("/")
        common = dict(scheme=parts.scheme, user_agent=user_agent, timeout=timeout_s)
        if kind == "nominatim":
            self._service = Nominatim(domain=domain, **common)
        elif kind == "pelias":
            self._service = Pelias(domain=domain, api_key=api_key or None, **common)
        else:
            raise ValueError(f"GEOCODER={kind!r}: choose nominatim or pelias")
        self.kind, self.host = kind, parts.netloc
        self._fallback = fallback or ZipCentre()
        self._min_delay_s = min_delay_s
        self._lock = threading.Lock()
        self._last_call = 0.0

    def _query(self, address: Address):
        with self._lock:  # the rate limit holds for every thread of the process
            wait = self._last_call + self._min_delay_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                return self._service.geocode(address.one_line() + ", USA", exactly_one=True)
            finally:
                self._last_call = time.monotonic()

    def locate(self, address: Address) -> Place:
        from geopy.exc import GeopyError

        centre = self._fallback.locate(address)  # checks the ZIP and State first, offline
        try:
            found = self._query(address)
        except (GeopyError, TypeError, ValueError, KeyError) as exc:  # down, refused, or an answer it cannot read
            return Place(centre.lat, centre.lon, centre.source, centre.state,
                         note=f"The geocoding service could not be reached ({type(exc).__name__}); "
                              "the ZIP centre is used.")
        if found is None:
            return Place(centre.lat, centre.lon, centre.source, centre.state,
                         note="The geocoding service did not find the street address; the ZIP centre is used.")
        return Place(lat=found.latitude, lon=found.longitude, source="geocoder", state=centre.state)


def geocoder_from_config(config) -> Geocoder:
    """The configured service (GEOCODER=nominatim|pelias with GEOCODER_URL), else the ZIP centre."""
    kind = (config.get("GEOCODER") or "").strip().lower()
    if not kind:
        return ZipCentre()
    return GeocodingService(kind, config.get("GEOCODER_URL", ""), user_agent=config.get("GEOCODER_USER_AGENT", ""),
                            min_delay_s=float(config.get("GEOCODER_MIN_DELAY_SECONDS", 1.0)),
                            timeout_s=float(config.get("GEOCODER_TIMEOUT_SECONDS", 5.0)),
                            api_key=config.get("GEOCODER_API_KEY", ""))
