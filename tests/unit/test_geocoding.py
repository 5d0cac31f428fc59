"""The geocoders: the offline ZIP centre, and a configured Nominatim or Pelias service through
geopy, asked over HTTP, here a local fake server (never the internet)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from scheduler.geocoding import Address, GeocodingService, NotPlaced, ZipCentre, geocoder_from_config

NILES = Address("1200 Oak St", "Niles", "MI", "49120")


class FakeGeocoder(BaseHTTPRequestHandler):
    """Answers /search (Nominatim) and /v1/search (Pelias); remembers what was asked."""

    asked: list = []
    answer: str = "found"

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        FakeGeocoder.asked.append((url.path, query, self.headers.get("User-Agent"), time.monotonic()))
        if FakeGeocoder.answer == "error":
            self.send_response(500)
            self.end_headers()
            return
        found = FakeGeocoder.answer == "found"
        if url.path == "/search":
            body = [{"lat": "41.8311", "lon": "-86.2540", "display_name": "1200 Oak St, Niles"}] if found else []
        else:
            features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [-86.2540, 41.8311]},
                         "properties": {"name": "1200 Oak St", "label": "1200 Oak St, Niles"}}] if found else []
            body = {"type": "FeatureCollection", "features": features}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_server():
    FakeGeocoder.asked, FakeGeocoder.answer = [], "found"
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGeocoder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_zip_centre_places_a_zip_offline_and_says_it_is_approximate():
    place = ZipCentre().locate(NILES)
    assert (round(place.lat, 2), round(place.lon, 2)) == (41.82, -86.24)
    assert place.source == "zip_centre" and place.label == "approximate (ZIP centre)" and place.state == "MI"


def test_zip_centre_reads_zip_plus_four_and_finds_the_state_when_blank():
    place = ZipCentre().locate(Address("", "Niles", "", "49120-1234"))
    assert place.state == "MI"


@pytest.mark.parametrize(("postal_code", "state", "field", "words"), [
    ("4912", "MI", "postal_code", "not a US ZIP code"),
    ("00000", "", "postal_code", "not in the ZIP data"),
    ("49120", "IL", "state", "ZIP code 49120 is in MI, not IL"),
])
def test_zip_centre_says_what_to_correct(postal_code, state, field, words):
    with pytest.raises(NotPlaced) as refused:
        ZipCentre().locate(Address("1 Main St", "Niles", state, postal_code))
    assert refused.value.field == field and words in str(refused.value)


def test_nominatim_service_places_the_street_address(fake_server):
    service = GeocodingService("nominatim", fake_server, user_agent="agency-tests/1.0", min_delay_s=0)
    place = service.locate(NILES)
    assert (place.lat, place.lon, place.source) == (41.8311, -86.254, "geocoder")
    assert place.label == "placed from the street address"
    path, query, agent, _ = FakeGeocoder.asked[0]
    assert path == "/search" and query["q"] == ["1200 Oak St, Niles, MI 49120, USA"] and agent == "agency-tests/1.0"


def test_pelias_service_places_the_street_address(fake_server):
    service = GeocodingService("pelias", fake_server, user_agent="agency-tests/1.0", min_delay_s=0)
    place = service.locate(NILES)
    assert (place.lat, place.lon, place.source) == (41.8311, -86.254, "geocoder")
    assert FakeGeocoder.asked[0][0] == "/v1/search"


@pytest.mark.parametrize(("answer", "words"), [("none", "did not find"), ("error", "could not be reached")])
def test_service_falls_back_to_the_zip_centre(fake_server, answer, words):
    FakeGeocoder.answer = answer
    service = GeocodingService("nominatim", fake_server, user_agent="agency-tests/1.0", min_delay_s=0)
    place = service.locate(NILES)
    assert place.source == "zip_centre" and words in place.note


def test_service_refuses_a_bad_zip_without_asking(fake_server):
    service = GeocodingService("nominatim", fake_server, user_agent="agency-tests/1.0", min_delay_s=0)
    with pytest.raises(NotPlaced):
        service.locate(Address("1 Main St", "Niles", "MI", "abc"))
    assert FakeGeocoder.asked == []


def test_service_keeps_its_rate_limit(fake_server):
    service = GeocodingService("nominatim", fake_server, user_agent="agency-tests/1.0", min_delay_s=0.3)
    for _ in range(3):
        service.locate(NILES)
    moments = [asked[3] for asked in FakeGeocoder.asked]
    assert all(later - earlier >= 0.29 for earlier, later in zip(moments, moments[1:]))


def test_config_picks_the_geocoder(fake_server):
    assert isinstance(geocoder_from_config({"GEOCODER": ""}), ZipCentre)
    service = geocoder_from_config({"GEOCODER": "nominatim", "GEOCODER_URL": fake_server,
                                    "GEOCODER_USER_AGENT": "agency-tests/1.0", "GEOCODER_MIN_DELAY_SECONDS": 0})
    assert isinstance(service, GeocodingService) and service.host == fake_server.split("//")[1]


def test_service_answer_it_cannot_read_falls_back(fake_server):
    FakeGeocoder.answer = "found"
    service = GeocodingService("pelias", fake_server, user_agent="agency-tests/1.0", min_delay_s=0)
    service._service.geocode = lambda *a, **k: (_ for _ in ()).throw(TypeError("`address` must not be None"))
    assert service.locate(NILES).source == "zip_centre"
