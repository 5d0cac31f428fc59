"""The re-plan solver (CP-SAT): booking rules by construction, the lexicographic objective,
unplaced visits with their reason, and a property over random small agencies."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.booking.availability import Interval, WeeklyBlock
from scheduler.booking.replan import CourseDay, MovingVisit, check_moves, first_free_nurse, propose
from scheduler.booking.rules import BookedVisit, NurseContext
from scheduler.booking.travel import Point, TravelSettings

CHICAGO = ZoneInfo("America/Chicago")
TRAVEL = TravelSettings(road_factor=1.3, average_speed_kmh=50)
WEEKDAYS = tuple(WeeklyBlock(d, time(7, 30), time(17, 30)) for d in range(5))
MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
LOOP = Point(41.8817, -87.6573)
NORTH = Point(41.9430, -87.6490)  # ~7 km north of the Loop
SOUTH = Point(41.7900, -87.6000)  # ~11 km south
ALL_DAY_MONDAY = Interval(datetime(2026, 11, 23, 6, tzinfo=timezone.utc), datetime(2026, 11, 24, 6, tzinfo=timezone.utc))


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=CHICAGO).astimezone(timezone.utc)


def nurse(nurse_id, home=LOOP, visits=(), absent=(), max_visits=2, blocks=WEEKDAYS) -> NurseContext:
    return NurseContext(nurse_id, f"Nurse {nurse_id}", CHICAGO, home, blocks, tuple(absent), max_visits,
                        tuple(sorted(visits, key=lambda v: v.starts_at)))


def moving(visit_id, start, minutes=240, place=NORTH, patient_id=None, dates=None, order_id=None, day_number=1,
           from_nurse=1, preferred=None) -> MovingVisit:
    return MovingVisit(visit_id=visit_id, order_id=order_id or visit_id, patient_id=patient_id or 100 + visit_id,
                       day_number=day_number, starts_at=start, ends_at=start + timedelta(minutes=minutes), place=place,
                       patient_zone=CHICAGO, from_nurse_id=from_nurse,
                       dates=dates or (start.astimezone(CHICAGO).date(),), preferred_hours=preferred)


def run(visits, nurses, patient_visits=None, course_days=(), **kw):
    return propose(visits, nurses, patient_visits=patient_visits or {}, course_days=course_days, travel=TRAVEL,
                   not_before=NOW, time_limit_s=kw.pop("time_limit_s", 5), workers=1, **kw)


def test_a_sick_nurses_visit_goes_to_a_colleague_the_same_day_at_its_own_time():
    sick = nurse(1, absent=[ALL_DAY_MONDAY])
    result = run([moving(1, at(MONDAY, 9))], [sick, nurse(2)])
    [move] = result.moves
    assert (move.to_nurse_id, move.to_starts_at, move.moved_day, move.nurse_changed) == (2, at(MONDAY, 9), False, True)
    assert result.status == "optimal" and result.unplaced == ()


def test_the_nearer_nurse_wins_when_both_are_free():
    far, near = nurse(2, home=SOUTH), nurse(3, home=NORTH)
    result = run([moving(1, at(MONDAY, 9))], [nurse(1, absent=[ALL_DAY_MONDAY]), far, near])
    assert result.moves[0].to_nurse_id == 3
    assert result.moves[0].added_drive_min == result.added_drive_min == 0  # she lives next door to the patient


def test_another_nurse_the_same_day_beats_the_same_nurse_another_day():
    # Nurse 1 is back on Tuesday: moving the day would keep the nurse, but the day comes first.
    sick = nurse(1, home=NORTH, absent=[ALL_DAY_MONDAY])
    other = nurse(2, home=SOUTH)
    result = run([moving(1, at(MONDAY, 9), dates=(MONDAY, MONDAY + timedelta(days=1)))], [sick, other])
    assert result.moves[0].to_nurse_id == 2 and not result.moves[0].moved_day


def test_when_no_one_is_free_that_day_the_visit_moves_within_its_dates():
    sick = nurse(1, home=NORTH, absent=[ALL_DAY_MONDAY])
    busy = nurse(2, max_visits=1, visits=[BookedVisit(50, at(MONDAY, 8), at(MONDAY, 12), SOUTH, 900)])
    result = run([moving(1, at(MONDAY, 9), dates=(MONDAY, MONDAY + timedelta(days=1)))], [sick, busy])
    [move] = result.moves
    assert move.moved_day and move.to_starts_at == at(MONDAY + timedelta(days=1), 9)  # its own hour, a day later
    assert move.to_nurse_id == 1  # she is back on Tuesday and lives next door: no added driving


def test_a_course_keeps_one_nurse_when_it_can():
    # Days 1 and 3 stay with nurse 3; day 2 (Tuesday) must move: nurse 3 is preferred over 2.
    tuesday = MONDAY + timedelta(days=1)
    sick = nurse(1, absent=[Interval(at(tuesday, 0), at(tuesday + timedelta(days=1), 0))])
    course = (CourseDay(7, 1, 3, MONDAY), CourseDay(7, 3, 3, tuesday + timedelta(days=1)))
    result = run([moving(1, at(tuesday, 9), order_id=7, day_number=2)], [sick, nurse(2, home=NORTH), nurse(3, home=SOUTH)],
                 course_days=course)
    assert result.moves[0].to_nurse_id == 3 and result.nurse_changes == 0


def test_preferred_hours_and_the_drive_to_her_next_visit_shape_the_start():
    # Nurse 2 has a visit at 13:00 in the south; the patient prefers to start between 08:00 and 10:00.
    other = nurse(2, visits=[BookedVisit(50, at(MONDAY, 13), at(MONDAY, 16), SOUTH, 900)])
    visit = moving(1, at(MONDAY, 10), minutes=180, preferred=(time(8), time(10)))
    result = run([visit], [nurse(1, absent=[ALL_DAY_MONDAY]), other])
    [move] = result.moves
    assert at(MONDAY, 8) <= move.to_starts_at <= at(MONDAY, 10)
    assert check_moves(list(result.moves), [visit], [other], patient_visits={}, travel=TRAVEL) == []


def test_a_visit_no_one_can_take_is_listed_with_the_reason_in_words():
    full = nurse(2, max_visits=1, visits=[BookedVisit(50, at(MONDAY, 8), at(MONDAY, 10), SOUTH, 900)])
    off = nurse(3, absent=[ALL_DAY_MONDAY])
    result = run([moving(1, at(MONDAY, 9))], [nurse(1, absent=[ALL_DAY_MONDAY]), full, off])
    [unplaced] = result.unplaced
    assert "No nurse can take it on Mon 23 Nov" in unplaced.reason
    assert "2 not working or absent" in unplaced.reason and "1 already at their maximum visits" in unplaced.reason


def test_two_moved_visits_of_one_nurse_keep_the_drive_between_them():
    visits = [moving(1, at(MONDAY, 8), minutes=180, place=NORTH), moving(2, at(MONDAY, 11), minutes=180, place=SOUTH)]
    result = run(visits, [nurse(1, absent=[ALL_DAY_MONDAY]), nurse(2)])
    assert len(result.moves) == 2
    assert check_moves(list(result.moves), visits, [nurse(2)], patient_visits={}, travel=TRAVEL) == []


def test_the_greedy_baseline_takes_the_first_free_nurse_by_id():
    result = first_free_nurse([moving(1, at(MONDAY, 9))], [nurse(1, absent=[ALL_DAY_MONDAY]), nurse(2, home=SOUTH),
                                                            nurse(3, home=NORTH)], patient_visits={}, travel=TRAVEL)
    assert result.moves[0].to_nurse_id == 2 and result.added_drive_min > 0


# -- a property over random small agencies ------------------------------------------------------

PLACES = st.sampled_from([LOOP, NORTH, SOUTH, Point(41.85, -87.75), Point(41.97, -87.70)])


@st.composite
def agencies(draw):
    n_nurses = draw(st.integers(2, 4))
    nurses, everyone = [], []
    next_id = 1000
    for nurse_id in range(1, n_nurses + 1):
        booked = []
        for day in range(2):
            for _ in range(draw(st.integers(0, 2))):
                hour = draw(st.integers(7, 15))
                start = at(MONDAY + timedelta(days=day), hour, draw(st.sampled_from([0, 30])))
                patient_id = draw(st.integers(1, 6))
                # What is booked already obeys the rules: room to drive, one visit per patient at a time.
                if any(b.starts_at < start + timedelta(hours=2) and start < b.ends_at + timedelta(hours=1) for b in booked) or any(
                        b.patient_id == patient_id and b.starts_at < start + timedelta(hours=3) and start < b.ends_at
                        for b in everyone):
                    continue
                booked.append(BookedVisit(next_id, start, start + timedelta(minutes=draw(st.sampled_from([90, 150]))),
                                          draw(PLACES), patient_id))
                everyone.append(booked[-1])
                next_id += 1
        nurses.append(nurse(nurse_id, home=draw(PLACES), visits=booked, max_visits=draw(st.integers(1, 3))))
    nurses[0] = nurse(1, home=nurses[0].home, absent=[ALL_DAY_MONDAY], max_visits=3)
    visits = []
    for visit_id in range(1, draw(st.integers(1, 5)) + 1):
        start = at(MONDAY, draw(st.integers(7, 14)), draw(st.sampled_from([0, 15, 30])))
        visits.append(moving(visit_id, start, minutes=draw(st.sampled_from([60, 120, 200, 300])), place=draw(PLACES),
                             patient_id=draw(st.integers(1, 6)), dates=(MONDAY, MONDAY + timedelta(days=1)),
                             preferred=draw(st.sampled_from([None, (time(8), time(11))]))))
    patients: dict[int, tuple] = {}
    for n in nurses:
        for b in n.visits:
            patients[b.patient_id] = patients.get(b.patient_id, ()) + (b,)
    return visits, nurses, patients


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agencies())
def test_every_proposal_passes_the_booking_rules_and_never_overlaps(agency):
    visits, nurses, patients = agency
    result = run(visits, nurses, patient_visits=patients, time_limit_s=2)
    assert len(result.moves) + len(result.unplaced) == len(visits)
    assert check_moves(list(result.moves), visits, nurses, patient_visits=patients, travel=TRAVEL) == []
    # Applying it: every nurse's and every patient's final day has no two visits at once.
    final = [(n.nurse_id, b.patient_id, b.starts_at, b.ends_at) for n in nurses for b in n.visits]
    by_id = {v.visit_id: v for v in visits}
    final += [(m.to_nurse_id, by_id[m.visit_id].patient_id, m.to_starts_at, m.to_ends_at) for m in result.moves]
    for i, a in enumerate(final):
        for b in final[i + 1:]:
            if a[0] == b[0] or a[1] == b[1]:
                assert not (a[2] < b[3] and b[2] < a[3]), f"overlap {a} {b}"
    for move in result.moves:
        assert move.to_nurse_id != 1 or move.moved_day  # the absent nurse only on another day
