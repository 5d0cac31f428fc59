"""A nurse's day as a route: every order of the day's visits is tried; a shorter one is
proposed only when it keeps each visit's length, her working hours and each patient's
preferred hours."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from scheduler.booking.availability import Interval
from scheduler.booking.route import RouteStop, better_order, legs, total_drive
from scheduler.booking.travel import Point, TravelSettings

CHICAGO = ZoneInfo("America/Chicago")
TRAVEL = TravelSettings(road_factor=1.3, average_speed_kmh=50)
HOME = Point(41.88, -87.63)
NORTH_1, NORTH_2, SOUTH = Point(41.95, -87.65), Point(41.96, -87.66), Point(41.80, -87.60)
MONDAY = date(2026, 11, 23)
WORKING = [Interval(datetime(2026, 11, 23, 13, tzinfo=timezone.utc), datetime(2026, 11, 24, 1, tzinfo=timezone.utc))]
NOW = datetime(2026, 11, 20, tzinfo=timezone.utc)


def at(hh, mm=0):
    return datetime.combine(MONDAY, time(hh, mm), tzinfo=CHICAGO).astimezone(timezone.utc)


def stop(visit_id, hour, place, minutes=120, preferred=None):
    return RouteStop(visit_id, at(hour), at(hour) + timedelta(minutes=minutes), place, CHICAGO, preferred)


def test_legs_go_from_home_through_each_stop_and_back():
    day = [stop(1, 8, NORTH_1), stop(2, 11, SOUTH)]
    route = legs(HOME, day, TRAVEL)
    assert [leg.stop.visit_id if leg.stop else None for leg in route] == [1, 2, None]
    assert sum(leg.drive_min for leg in route) == total_drive(HOME, day, TRAVEL)


def test_north_south_north_becomes_a_shorter_order_keeping_lengths():
    day = [stop(1, 8, NORTH_1), stop(2, 11, SOUTH), stop(3, 14, NORTH_2)]
    order = better_order(HOME, day, working=WORKING, travel=TRAVEL, not_before=NOW)
    assert order is not None
    assert total_drive(HOME, [s for s, _ in order], TRAVEL) < total_drive(HOME, day, TRAVEL)
    ends = [start + (s.ends_at - s.starts_at) for s, start in order]
    for (s, start), end, nxt in zip(order, ends, [*order[1:], None]):
        assert WORKING[0].contains(start, end)
        if nxt is not None:  # room to drive to the next stop
            assert end + timedelta(minutes=legs(s.place, [nxt[0]], TRAVEL)[0].drive_min) <= nxt[1]


def test_preferred_hours_can_keep_the_day_as_it_is():
    day = [stop(1, 8, NORTH_1, preferred=(time(8), time(8))), stop(2, 11, SOUTH, preferred=(time(11), time(11))),
           stop(3, 14, NORTH_2, preferred=(time(14), time(14)))]
    assert better_order(HOME, day, working=WORKING, travel=TRAVEL, not_before=NOW) is None


def test_an_order_that_does_not_fit_her_hours_is_not_proposed():
    long_day = [stop(1, 7, NORTH_1, minutes=300), stop(2, 12, SOUTH, minutes=200), stop(3, 15, NORTH_2, minutes=200)]
    tight = [Interval(at(7), at(19))]
    order = better_order(HOME, long_day, working=tight, travel=TRAVEL, not_before=NOW)
    assert order is None or all(start + (s.ends_at - s.starts_at) <= at(19) for s, start in order)
