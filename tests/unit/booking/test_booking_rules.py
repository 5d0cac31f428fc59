"""Pure booking rules: travel estimate, working hours across DST, conflicts, slot ranking."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.booking.availability import Interval, WeeklyBlock, working_intervals
from scheduler.booking.rules import BookedVisit, NurseContext, Proposal, conflicts_for, series_conflicts, series_proposals
from scheduler.booking.slots import SlotRequest, suggest_slots
from scheduler.booking.travel import Point, TravelSettings, great_circle_km, travel_min

CHICAGO = ZoneInfo("America/Chicago")
TRAVEL = TravelSettings(road_factor=1.3, average_speed_kmh=50)
HOME = Point(41.8817, -87.6573)
PATIENT = Point(41.9430, -87.6490)  # about 6.8 km north
FAR = Point(43.0389, -87.9101)  # Milwaukee, about 130 km
WEEKDAYS = tuple(WeeklyBlock(d, time(7, 30), time(17, 30)) for d in range(5))
MONDAY = date(2026, 11, 23)


def at(day: date, hh: int, mm: int = 0, zone=CHICAGO) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=zone).astimezone(timezone.utc)


def nurse(visits=(), time_off=(), max_visits=2) -> NurseContext:
    return NurseContext(1, "Ana Ruiz", CHICAGO, HOME, WEEKDAYS, tuple(time_off), max_visits, tuple(visits))


def booked(visit_id, start, minutes, place=PATIENT, patient_id=99) -> BookedVisit:
    return BookedVisit(visit_id, start, start + timedelta(minutes=minutes), place, patient_id)


def check(proposal, n, patient_visits=(), window=None):
    return [c.rule for c in conflicts_for(proposal, n, patient_visits=tuple(patient_visits), travel=TRAVEL, window=window, patient_zone=CHICAGO)]


def test_great_circle_distance_chicago_to_milwaukee():
    # Chicago Loop to downtown Milwaukee is about 130 km as the crow flies.
    assert 125 < great_circle_km(HOME, FAR) < 135


def test_travel_time_is_distance_times_road_factor_over_speed_rounded_up():
    km = great_circle_km(HOME, FAR)
    assert travel_min(HOME, FAR, TRAVEL) == -(-km * 1.3 / 50 * 60 // 1)


@given(st.floats(-60, 60), st.floats(-170, 170), st.floats(-60, 60), st.floats(-170, 170))
def test_travel_is_symmetric_and_never_negative(lat1, lon1, lat2, lon2):
    a, b = Point(lat1, lon1), Point(lat2, lon2)
    assert travel_min(a, b, TRAVEL) == travel_min(b, a, TRAVEL) >= 0


def test_working_hours_follow_the_wall_clock_across_the_dst_change():
    # US DST ended on Sunday 2026-11-01: 07:30 Chicago is 12:30 UTC before, 13:30 UTC after.
    before = working_intervals(date(2026, 10, 30), list(WEEKDAYS), CHICAGO, [])
    after = working_intervals(date(2026, 11, 2), list(WEEKDAYS), CHICAGO, [])
    assert before[0].start.hour == 12 and after[0].start.hour == 13
    assert before[0].end - before[0].start == after[0].end - after[0].start == timedelta(hours=10)


def test_time_off_is_cut_out_of_working_hours():
    off = Interval(at(MONDAY, 12), at(MONDAY, 13))
    pieces = working_intervals(MONDAY, list(WEEKDAYS), CHICAGO, [off])
    assert [(p.start, p.end) for p in pieces] == [(at(MONDAY, 7, 30), at(MONDAY, 12)), (at(MONDAY, 13), at(MONDAY, 17, 30))]


def test_visit_outside_working_hours_is_refused():
    assert check(Proposal(1, at(MONDAY, 14), 240, PATIENT, 1), nurse()) == ["working_hours"]


def test_visit_on_a_weekend_is_refused():
    assert check(Proposal(1, at(date(2026, 11, 28), 9), 240, PATIENT, 1), nurse()) == ["working_hours"]


def test_visit_in_time_off_is_refused():
    off = Interval(at(MONDAY, 0), at(MONDAY + timedelta(days=1), 0))
    assert check(Proposal(1, at(MONDAY, 9), 240, PATIENT, 1), nurse(time_off=[off])) == ["time_off"]


def test_visit_overlapping_another_of_the_nurse_is_refused_and_names_it():
    n = nurse([booked(7, at(MONDAY, 8), 240)])
    [conflict] = conflicts_for(Proposal(1, at(MONDAY, 11), 120, PATIENT, 1), n, patient_visits=(), travel=TRAVEL)
    assert conflict.rule == "nurse_overlap" and conflict.visit_id == 7
    assert "is already at" in conflict.message and "08:00–12:00" in conflict.message  # the page links visit #7


def test_travel_between_visits_is_required():
    # The previous visit ends 12:00 in Milwaukee; about 3.4 h of driving to Chicago.
    n = nurse([booked(7, at(MONDAY, 8), 240, place=FAR)])
    assert check(Proposal(1, at(MONDAY, 12, 30), 120, PATIENT, 1), n) == ["nurse_overlap"]
    assert check(Proposal(1, at(MONDAY, 15, 30), 120, PATIENT, 1), n) == []


def test_travel_to_the_next_visit_is_required():
    n = nurse([booked(7, at(MONDAY, 13), 120, place=FAR)])
    assert check(Proposal(1, at(MONDAY, 8), 240, PATIENT, 1), n) == ["nurse_overlap"]


def test_patient_cannot_have_two_visits_at_once():
    other = booked(8, at(MONDAY, 9), 120, patient_id=1)
    assert check(Proposal(1, at(MONDAY, 8), 240, PATIENT, 1), nurse(), patient_visits=[other]) == ["patient_overlap"]


def test_maximum_visits_per_day():
    n = nurse([booked(7, at(MONDAY, 7, 30), 60)], max_visits=1)
    assert "max_visits_per_day" in check(Proposal(1, at(MONDAY, 13), 120, PATIENT, 1), n)


def test_order_window_holds():
    window = (MONDAY + timedelta(days=1), MONDAY + timedelta(days=3))
    assert check(Proposal(1, at(MONDAY, 9), 240, PATIENT, 1), nurse(), window=window) == ["order_window"]


def test_series_is_consecutive_days_at_the_same_local_time_across_dst():
    proposals = series_proposals(at(date(2026, 10, 31), 9), [300, 300], place=PATIENT, patient_id=1, zone=CHICAGO)
    assert [p.starts_at.astimezone(CHICAGO).hour for p in proposals] == [9, 9]
    assert proposals[1].starts_at - proposals[0].starts_at == timedelta(hours=25)


def test_series_fails_whole_when_one_day_conflicts():
    day2_busy = nurse([booked(7, at(MONDAY + timedelta(days=1), 8), 240)])
    proposals = series_proposals(at(MONDAY, 9), [240, 240], place=PATIENT, patient_id=1, zone=CHICAGO)
    conflicts = series_conflicts(proposals, day2_busy, patient_visits=(), travel=TRAVEL, window=None, patient_zone=CHICAGO)
    assert [c.rule for c in conflicts] == ["nurse_overlap"]


def _request(**overrides):
    values = dict(patient_id=1, place=PATIENT, patient_zone=CHICAGO, visit_mins=(300.0, 300.0),
                  window=(MONDAY, MONDAY + timedelta(days=4)), not_before=at(MONDAY, 0))
    values.update(overrides)
    return SlotRequest(**values)


def test_suggestions_start_at_the_earliest_fit_after_existing_visits():
    # Ana works Monday 07:30-17:30 and has a 2 h visit from 07:30 about 1.9 km away:
    # 1.9 km x 1.3 / 50 km/h = 3 min of driving, so 09:33, rounded up to 09:45.
    neighbour = Point(41.9601, -87.6490)
    n = nurse([booked(7, at(MONDAY, 7, 30), 120, place=neighbour)], max_visits=3)
    [first, *_] = suggest_slots(_request(visit_mins=(240.0,)), [n], patient_visits=(), travel=TRAVEL)
    assert first.starts_at[0] == at(MONDAY, 9, 45)
    assert first.travel_before_min == 3
    assert first.ends_at[0] == at(MONDAY, 13, 45)


def test_suggestions_prefer_less_driving_on_the_same_day():
    near = NurseContext(1, "Near", CHICAGO, HOME, WEEKDAYS, (), 2, ())
    far = NurseContext(2, "Far", CHICAGO, FAR, WEEKDAYS, (), 2, ())
    slots = suggest_slots(_request(), [far, near], patient_visits=(), travel=TRAVEL)
    assert slots[0].nurse_id == 1
    assert slots[0].added_travel_min < next(s for s in slots if s.nurse_id == 2).added_travel_min


def test_suggestions_respect_preferred_hours():
    slots = suggest_slots(_request(visit_mins=(180.0,), preferred_hours=(time(10), time(11))), [nurse()], patient_visits=(), travel=TRAVEL)
    assert slots and all(time(10) <= s.starts_at[0].astimezone(CHICAGO).time() <= time(11) for s in slots)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 36), st.integers(4, 24)), max_size=6),
    st.integers(1, 3),
    st.sampled_from([120.0, 240.0, 330.0]),
)
def test_every_suggestion_passes_the_booking_rules(existing, days, visit_min):
    visits = [booked(i + 1, at(MONDAY + timedelta(days=d), 7, 30) + timedelta(minutes=15 * q), 15 * length)
              for i, (d, q, length) in enumerate(existing)]
    n = nurse(visits, max_visits=4)
    request = _request(visit_mins=(visit_min,) * days)
    for slot in suggest_slots(request, [n], patient_visits=(), travel=TRAVEL, limit=50):
        proposals = series_proposals(slot.starts_at[0], list(request.visit_mins), place=PATIENT, patient_id=1, zone=CHICAGO)
        assert series_conflicts(proposals, n, patient_visits=(), travel=TRAVEL, window=request.window, patient_zone=CHICAGO) == []


def test_route_legs_go_from_home_through_each_stop_and_back():
    from scheduler.booking.travel import route_legs

    legs = route_legs(HOME, [PATIENT, FAR], TRAVEL)
    assert legs == [
        (travel_min(HOME, PATIENT, TRAVEL), travel_min(PATIENT, FAR, TRAVEL)),
        (travel_min(PATIENT, FAR, TRAVEL), travel_min(FAR, HOME, TRAVEL)),
    ]
    assert route_legs(HOME, [], TRAVEL) == []
