"""Re-planning the visits of an absent nurse across the team: a CP-SAT model (OR-Tools).

Pure: plain values in (the visits to move, every nurse's day as the booking rules see it,
the patients' other visits), a proposal out. The model and why CP-SAT: docs/REPLANNING.md.

Each visit chooses at most one *option*: a nurse, a date and one gap of that nurse's day
(between two of her booked stops, or home). An option's start is a variable on the quarter
hour whose domain already holds every booking rule against what is booked -- her working
hours minus her absences, the drive from the stop before and to the stop after, the
patient's other visits, the patient's preferred hours, not in the past -- so those rules
hold by construction. What the options of *moved* visits owe each other is a constraint:
the same nurse's visits keep the drive between them, one patient's visits never overlap,
her day's maximum number of visits, and a course's days stay in order on separate dates.

Objective, lexicographic (weights so that no amount of a lower level pays for one unit of
a higher): fewest visits left unplaced, fewest moved off their day, fewest nurse changes
between consecutive days of a course, least added driving, then the least shift of start
time (patients keep their hour when nothing above is at stake).
"""

from __future__ import annotations

import math
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from scheduler.booking.availability import Interval, local_day_bounds, local_to_utc, working_intervals
from scheduler.booking.rules import BookedVisit, NurseContext, Proposal, conflicts_for
from scheduler.booking.travel import Point, TravelSettings, travel_min


def fmt_local(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%a %d %b %H:%M} ({zone.key})"


STEP_MIN = 15  # proposed starts fall on the quarter hour, like booking suggestions
ORIGIN = datetime(2000, 1, 3, tzinfo=timezone.utc)  # a Monday, 00:00 UTC: quarter hours count from here


@dataclass(frozen=True)
class MovingVisit:
    """A visit that needs another nurse or another time."""

    visit_id: int
    order_id: int
    patient_id: int
    day_number: int
    starts_at: datetime
    ends_at: datetime
    place: Point
    patient_zone: ZoneInfo
    from_nurse_id: int
    dates: tuple[date, ...]  # patient-local dates it may take: its own first, then the order's window
    preferred_hours: tuple[time, time] | None = None
    label: str = ""

    @property
    def length_min(self) -> int:
        return math.ceil((self.ends_at - self.starts_at).total_seconds() / 60 - 1e-9)

    @property
    def own_date(self) -> date:
        return self.starts_at.astimezone(self.patient_zone).date()


@dataclass(frozen=True)
class CourseDay:
    """A day of a course that stays where it is (for nurse changes and the order of days)."""

    order_id: int
    day_number: int
    nurse_id: int
    on: date  # patient-local


@dataclass(frozen=True)
class Move:
    visit_id: int
    from_nurse_id: int
    from_starts_at: datetime
    from_ends_at: datetime
    to_nurse_id: int
    to_starts_at: datetime
    to_ends_at: datetime
    added_drive_min: int
    moved_day: bool
    nurse_changed: bool


@dataclass(frozen=True)
class Unplaced:
    visit_id: int
    reason: str


@dataclass(frozen=True)
class ReplanResult:
    moves: tuple[Move, ...]
    unplaced: tuple[Unplaced, ...]
    status: str  # "optimal", "best found within the time limit", "no solution within the time limit", "nothing to place"
    wall_ms: int
    added_drive_min: int  # the whole proposal: the team's driving after minus before
    nurse_changes: int
    options: int = 0
    stats: dict = field(default_factory=dict)


@dataclass
class _Option:
    visit: MovingVisit
    nurse: NurseContext
    nurse_date: date
    on: date  # patient-local
    k_low: int
    k_high: int
    drive_cost: int
    x: object = None
    k: object = None


@dataclass
class _Refusals:
    """Why the nurses and dates of one visit were no use: counted to say it in a sentence."""

    not_working: set = field(default_factory=set)
    full: set = field(default_factory=set)
    no_room: set = field(default_factory=set)


def propose(
    moving: list[MovingVisit],
    nurses: list[NurseContext],
    *,
    patient_visits: dict[int, tuple[BookedVisit, ...]],
    course_days: tuple[CourseDay, ...] = (),
    travel: TravelSettings,
    not_before: datetime,
    time_limit_s: float = 1.5,
    workers: int = 2,
) -> ReplanResult:
    """The proposal for `moving`; `nurses` hold their booked visits without the moving ones.

    Two rounds, so the model stays small: first every visit on its own day (other nurses);
    then the visits still without a place may take the other dates they allow, around the
    first round's placements. Each round gets half the time limit.
    """
    started = clock.perf_counter()
    if not moving:
        return ReplanResult((), (), "nothing to place", 0, 0, 0)
    same_day = [replace(v, dates=(v.own_date,)) for v in moving]
    first = _solve(same_day, nurses, patient_visits, course_days, travel, not_before, time_limit_s / 2, workers)
    left = [v for v in moving if v.visit_id not in first.chosen and len(v.dates) > 1]
    rounds = [first]
    if left:
        placed = [(o.visit, o.nurse.nurse_id, _at(o.k_low)) for o in first.chosen.values()]
        booked = {vid: BookedVisit(vid, start, start + timedelta(minutes=v.length_min), v.place, v.patient_id)
                  for v, _, start in placed for vid in (v.visit_id,)}
        by_nurse = defaultdict(list)
        for v, nurse_id, _ in placed:
            by_nurse[nurse_id].append(booked[v.visit_id])
        nurses_then = [replace(n, visits=tuple(sorted(n.visits + tuple(by_nurse[n.nurse_id]), key=lambda b: b.starts_at)))
                       for n in nurses]
        patients_then = dict(patient_visits)
        for v, _, _ in placed:
            patients_then[v.patient_id] = patients_then.get(v.patient_id, ()) + (booked[v.visit_id],)
        course_then = course_days + tuple(CourseDay(v.order_id, v.day_number, nurse_id, start.astimezone(v.patient_zone).date())
                                          for v, nurse_id, start in placed)
        remaining = time_limit_s - (clock.perf_counter() - started)
        rounds.append(_solve(left, nurses_then, patients_then, course_then, travel, not_before,
                             max(0.2, remaining), workers))
    chosen = {vid: o for r in rounds for vid, o in r.chosen.items()}
    options = {**first.options, **{vid: opts for r in rounds[1:] for vid, opts in r.options.items()}}
    refusals = {**first.refusals, **{vid: why for r in rounds[1:] for vid, why in r.refusals.items()}}
    statuses = [r.status for r in rounds]
    status = next((s for s in statuses if s != "optimal"), "optimal")
    result = _result(moving, nurses, chosen, options, refusals, course_days, travel, status)
    return replace(result, wall_ms=round((clock.perf_counter() - started) * 1000),
                   options=sum(r.n_options for r in rounds),
                   stats={"rounds": [{"status": r.status, "options": r.n_options, "solver_wall_s": r.solver_wall_s}
                                     for r in rounds]})


@dataclass
class _Round:
    chosen: dict
    options: dict
    refusals: dict
    status: str
    n_options: int
    solver_wall_s: float


def _solve(moving, nurses, patient_visits, course_days, travel, not_before, time_limit_s, workers) -> _Round:
    from ortools.sat.python import cp_model  # imported here: pages that never re-plan do not pay for it

    model = cp_model.CpModel()
    options: dict[int, list[_Option]] = {}
    refusals: dict[int, _Refusals] = {}
    days = _NurseDays(nurses, travel)
    for visit in moving:
        refusals[visit.visit_id] = _Refusals()
        options[visit.visit_id] = _options_for(visit, nurses, days, patient_visits.get(visit.patient_id, ()), travel,
                                               not_before, refusals[visit.visit_id])
    all_options = [o for opts in options.values() for o in opts]
    for index, option in enumerate(all_options):
        option.x = model.new_bool_var(f"x{index}")
        option.k = model.new_int_var(option.k_low, option.k_high, f"k{index}")
    unplaced = {}
    for visit in moving:
        unplaced[visit.visit_id] = model.new_bool_var(f"u{visit.visit_id}")
        model.add_exactly_one([o.x for o in options[visit.visit_id]] + [unplaced[visit.visit_id]])

    _same_nurse_constraints(model, all_options, travel)
    _patient_constraints(model, moving, options)
    _capacity_constraints(model, all_options, days)
    _course_order_constraints(model, moving, options, course_days, unplaced)
    changes, max_changes = _nurse_change_terms(model, moving, options, course_days)
    shifts = []
    max_shift = 0
    for option in all_options:
        # Its own hour on the option's date: a visit moved a day keeps its clock time if it can.
        own_time = option.visit.starts_at.astimezone(option.visit.patient_zone).time()
        own_k = _k_of(local_to_utc(option.on, own_time, option.visit.patient_zone))
        span = max(abs(option.k_high - own_k), abs(option.k_low - own_k))
        shift = model.new_int_var(0, span, "")
        model.add(shift >= option.k - own_k).only_enforce_if(option.x)
        model.add(shift >= own_k - option.k).only_enforce_if(option.x)
        shifts.append(shift)
        max_shift += span
    max_drive = sum(max((o.drive_cost for o in opts), default=0) for opts in options.values())
    w_shift = 1
    w_drive = w_shift * (max_shift + 1)
    w_change = w_drive * (max_drive + 1)
    w_day = w_change * (max_changes + 1)
    w_unplaced = w_day * (len(moving) + 1)
    model.minimize(
        w_unplaced * sum(unplaced.values())
        + w_day * sum(o.x for o in all_options if o.on != o.visit.own_date)
        + w_change * sum(changes)
        + w_drive * sum(o.drive_cost * o.x for o in all_options)
        + w_shift * sum(shifts)
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    code = solver.solve(model)
    chosen: dict[int, _Option] = {}
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        status = "optimal" if code == cp_model.OPTIMAL else "best found within the time limit"
        for visit in moving:
            for option in options[visit.visit_id]:
                if solver.boolean_value(option.x):
                    chosen[visit.visit_id] = replace(option, k_low=solver.value(option.k), k_high=solver.value(option.k))
    else:
        status = "no solution within the time limit"
    return _Round(chosen, options, refusals, status, len(all_options), round(solver.wall_time, 3))


class _NurseDays:
    """Per nurse and local date, computed once per round: her working stretches, the visits
    of that day, and the visits near enough (a day either side) to constrain the drive."""

    def __init__(self, nurses: list[NurseContext], travel: TravelSettings):
        self.cache: dict[tuple[int, date], tuple] = {}

    def get(self, nurse: NurseContext, on: date):
        key = (nurse.nurse_id, on)
        if key not in self.cache:
            bounds = local_day_bounds(on, nurse.zone)
            near = Interval(bounds.start - timedelta(days=1), bounds.end + timedelta(days=1))
            self.cache[key] = (
                working_intervals(on, list(nurse.blocks), nurse.zone, list(nurse.time_off)),
                sorted((v for v in nurse.visits if bounds.overlaps(v.starts_at, v.ends_at)), key=lambda v: v.starts_at),
                [v for v in nurse.visits if near.overlaps(v.starts_at, v.ends_at)],
            )
        return self.cache[key]


# -- options ---------------------------------------------------------------------------------


def _k_of(moment: datetime) -> int:
    return math.ceil((moment - ORIGIN).total_seconds() / 60 / STEP_MIN - 1e-9)


def _at(k: int) -> datetime:
    return ORIGIN + timedelta(minutes=STEP_MIN * k)


Starts = list[tuple[datetime, datetime]]  # closed ranges of allowed start instants


def _options_for(visit: MovingVisit, nurses: list[NurseContext], days: _NurseDays, patient_visits: tuple[BookedVisit, ...],
                 travel: TravelSettings, not_before: datetime, refusals: _Refusals) -> list[_Option]:
    found = []
    length = timedelta(minutes=visit.length_min)
    for on in visit.dates:
        day = local_day_bounds(on, visit.patient_zone)
        starts: Starts = [(max(day.start, not_before), day.end - timedelta(minutes=1))]
        if visit.preferred_hours:
            low, high = (local_to_utc(on, t, visit.patient_zone) for t in visit.preferred_hours)
            starts = _intersect(starts, [(low, high)])
        for other in patient_visits:  # the patient is never in two visits at once
            starts = _cut(starts, other.starts_at - length, other.ends_at)
        if not starts:
            continue
        for nurse in nurses:
            for nurse_date in sorted({starts[0][0].astimezone(nurse.zone).date(), starts[-1][1].astimezone(nurse.zone).date()}):
                found += _gaps(visit, nurse, days.get(nurse, nurse_date), nurse_date, on, starts, travel, refusals)
    return found


def _gaps(visit: MovingVisit, nurse: NurseContext, day, nurse_date: date, on: date, starts: Starts,
          travel: TravelSettings, refusals: _Refusals) -> list[_Option]:
    """The options of one nurse on one of her dates: one per gap between her booked stops."""
    length = timedelta(minutes=visit.length_min)
    works, booked_today, near = day
    allowed = _intersect(starts, [(w.start, w.end - length) for w in works])
    if not allowed:
        refusals.not_working.add(nurse.nurse_id)
        return []
    if len(booked_today) >= nurse.max_visits_per_day:
        refusals.full.add(nurse.nurse_id)
        return []
    # Each booked visit near that day (a late one the evening before counts too) forbids the
    # starts from which the drive to it, or from it, would not fit.
    for other in near:
        to_other = timedelta(minutes=travel_min(visit.place, other.place, travel))
        from_other = timedelta(minutes=travel_min(other.place, visit.place, travel))
        allowed = _cut(allowed, other.starts_at - to_other - length, other.ends_at + from_other)
    options = []
    for low, high in allowed:
        k_low, k_high = _k_of(low), math.floor((high - ORIGIN).total_seconds() / 60 / STEP_MIN + 1e-9)
        if k_low > k_high:
            continue
        before = [v for v in booked_today if v.ends_at <= low]
        after = [v for v in booked_today if v.starts_at >= high + length]
        prev_place = before[-1].place if before else nurse.home
        next_place = after[0].place if after else nurse.home
        cost = (travel_min(prev_place, visit.place, travel) + travel_min(visit.place, next_place, travel)
                - travel_min(prev_place, next_place, travel))
        options.append(_Option(visit, nurse, nurse_date, on, k_low, k_high, max(0, cost)))
    if not options:
        refusals.no_room.add(nurse.nurse_id)
    return options


def _intersect(a: Starts, b: Starts) -> Starts:
    out = [(max(x0, y0), min(x1, y1)) for x0, x1 in a for y0, y1 in b]
    return sorted((lo, hi) for lo, hi in out if lo <= hi)


def _cut(ranges: Starts, after: datetime, before: datetime) -> Starts:
    """Remove the starts strictly between `after` and `before`."""
    out = []
    for lo, hi in ranges:
        if before <= lo or after >= hi:
            out.append((lo, hi))
            continue
        if lo <= after:
            out.append((lo, after))
        if before <= hi:
            out.append((before, hi))
    return out


# -- constraints between moved visits ----------------------------------------------------------


def _same_nurse_constraints(model, options: list[_Option], travel: TravelSettings) -> None:
    by_nurse_day: dict[tuple[int, date], list[_Option]] = defaultdict(list)
    for option in options:
        by_nurse_day[(option.nurse.nurse_id, option.nurse_date)].append(option)
    for group in by_nurse_day.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a.visit.visit_id == b.visit.visit_id:
                    continue
                gap_ab = math.ceil((a.visit.length_min + travel_min(a.visit.place, b.visit.place, travel)) / STEP_MIN)
                gap_ba = math.ceil((b.visit.length_min + travel_min(b.visit.place, a.visit.place, travel)) / STEP_MIN)
                if a.k_high + gap_ab <= b.k_low or b.k_high + gap_ba <= a.k_low:
                    continue  # one always comes first with room to spare
                a_first = model.new_bool_var("")
                model.add(b.k >= a.k + gap_ab).only_enforce_if([a.x, b.x, a_first])
                model.add(a.k >= b.k + gap_ba).only_enforce_if([a.x, b.x, a_first.Not()])


def _patient_constraints(model, moving: list[MovingVisit], options: dict[int, list[_Option]]) -> None:
    by_patient: dict[int, list[MovingVisit]] = defaultdict(list)
    for visit in moving:
        by_patient[visit.patient_id].append(visit)
    for visits in by_patient.values():
        if len(visits) < 2:
            continue
        model.add_no_overlap([
            model.new_optional_fixed_size_interval_var(STEP_MIN * o.k, o.visit.length_min, o.x, "")
            for v in visits for o in options[v.visit_id]
        ])


def _capacity_constraints(model, options: list[_Option], days: _NurseDays) -> None:
    by_nurse_day: dict[tuple[int, date], list[_Option]] = defaultdict(list)
    for option in options:
        by_nurse_day[(option.nurse.nurse_id, option.nurse_date)].append(option)
    for group in by_nurse_day.values():
        nurse = group[0].nurse
        room = nurse.max_visits_per_day - len(days.get(nurse, group[0].nurse_date)[1])
        if len({o.visit.visit_id for o in group}) > room:
            model.add(sum(o.x for o in group) <= room)


def _course_order_constraints(model, moving, options, course_days, unplaced) -> None:
    """Days of a course stay on separate dates, in their order, around the days that stay."""
    fixed = defaultdict(list)
    for day in course_days:
        fixed[day.order_id].append(day)
    by_order: dict[int, list[MovingVisit]] = defaultdict(list)
    for visit in moving:
        by_order[visit.order_id].append(visit)
        for day in fixed[visit.order_id]:
            for o in options[visit.visit_id]:
                if (day.day_number < visit.day_number and o.on <= day.on) or (
                        day.day_number > visit.day_number and o.on >= day.on):
                    model.add(o.x == 0)
    for visits in by_order.values():
        visits.sort(key=lambda v: v.day_number)
        for v1, v2 in zip(visits, visits[1:]):
            if not options[v1.visit_id] or not options[v2.visit_id]:
                continue
            d1 = sum(o.on.toordinal() * o.x for o in options[v1.visit_id])
            d2 = sum(o.on.toordinal() * o.x for o in options[v2.visit_id])
            model.add(d2 > d1).only_enforce_if([unplaced[v1.visit_id].Not(), unplaced[v2.visit_id].Not()])


def _nurse_change_terms(model, moving, options, course_days):
    """One 0/1 term per pair of consecutive course days that may end up with different
    nurses; the objective counts those that do."""
    days: dict[int, dict[int, object]] = defaultdict(dict)  # order -> day number -> nurse id, or visit
    for day in course_days:
        days[day.order_id][day.day_number] = day.nurse_id
    for visit in moving:
        days[visit.order_id][visit.day_number] = visit
    terms = []
    for by_day in days.values():
        numbers = sorted(by_day)
        for first, second in zip(numbers, numbers[1:]):
            a, b = by_day[first], by_day[second]
            if isinstance(a, int) and isinstance(b, int):
                continue
            same = []
            if isinstance(a, int) or isinstance(b, int):
                fixed_nurse, visit = (a, b) if isinstance(a, int) else (b, a)
                same = [o.x for o in options[visit.visit_id] if o.nurse.nurse_id == fixed_nurse]
            else:
                for nurse_id in {o.nurse.nurse_id for o in options[a.visit_id]} & {o.nurse.nurse_id for o in options[b.visit_id]}:
                    both = model.new_bool_var("")
                    model.add(both <= sum(o.x for o in options[a.visit_id] if o.nurse.nurse_id == nurse_id))
                    model.add(both <= sum(o.x for o in options[b.visit_id] if o.nurse.nurse_id == nurse_id))
                    same.append(both)
            change = model.new_bool_var("")
            model.add(change + sum(same) >= 1)
            terms.append(change)
    return terms, len(terms)


# -- the answer --------------------------------------------------------------------------------


def _result(moving, nurses, chosen, options, refusals, course_days, travel, status) -> ReplanResult:
    by_id = {n.nurse_id: n for n in nurses}
    placed = {vid: (o.nurse.nurse_id, _at(o.k_low)) for vid, o in chosen.items()}
    added = route_drive_added(moving, placed, by_id, travel)
    nurse_of = _final_course_nurses(moving, placed, course_days)
    moves, unplaced = [], []
    for visit in moving:
        if visit.visit_id not in placed:
            unplaced.append(Unplaced(visit.visit_id, _why(visit, options[visit.visit_id], refusals[visit.visit_id],
                                                         status, by_id)))
            continue
        nurse_id, start = placed[visit.visit_id]
        moves.append(Move(
            visit_id=visit.visit_id, from_nurse_id=visit.from_nurse_id, from_starts_at=visit.starts_at,
            from_ends_at=visit.ends_at, to_nurse_id=nurse_id, to_starts_at=start,
            to_ends_at=start + timedelta(minutes=visit.length_min), added_drive_min=added[visit.visit_id],
            moved_day=start.astimezone(visit.patient_zone).date() != visit.own_date,
            nurse_changed=nurse_id != visit.from_nurse_id,
        ))
    total = team_drive_added(moving, placed, by_id, travel)
    return ReplanResult(tuple(moves), tuple(unplaced), status, 0, total, _count_changes(nurse_of))


def _day_stops(nurse: NurseContext, on: date, extra: list[tuple[datetime, Point]]) -> list[Point]:
    bounds = local_day_bounds(on, nurse.zone)
    stops = [(v.starts_at, v.place) for v in nurse.visits if bounds.overlaps(v.starts_at, v.ends_at)] + extra
    return [place for _, place in sorted(stops, key=lambda s: s[0])]


def _route_min(home: Point, stops: list[Point], travel: TravelSettings) -> int:
    if not stops:
        return 0
    points = [home, *stops, home]
    return sum(travel_min(a, b, travel) for a, b in zip(points, points[1:]))


def route_drive_added(moving, placed, nurses_by_id, travel) -> dict[int, int]:
    """Per placed visit: the drive its nurse's day gains by it, between the stops it lands
    between in the final day (home at either end)."""
    extra: dict[tuple[int, date], list[tuple[datetime, Point, int]]] = defaultdict(list)
    by_visit = {v.visit_id: v for v in moving}
    for visit_id, (nurse_id, start) in placed.items():
        nurse = nurses_by_id[nurse_id]
        extra[(nurse_id, start.astimezone(nurse.zone).date())].append((start, by_visit[visit_id].place, visit_id))
    added = {}
    for (nurse_id, on), mine in extra.items():
        nurse = nurses_by_id[nurse_id]
        bounds = local_day_bounds(on, nurse.zone)
        stops = sorted([(v.starts_at, v.place, None) for v in nurse.visits if bounds.overlaps(v.starts_at, v.ends_at)]
                       + mine, key=lambda s: s[0])
        points = [nurse.home, *(p for _, p, _ in stops), nurse.home]
        for index, (_, place, visit_id) in enumerate(stops, start=1):
            if visit_id is not None:
                before, after = points[index - 1], points[index + 1]
                added[visit_id] = (travel_min(before, place, travel) + travel_min(place, after, travel)
                                   - travel_min(before, after, travel))
    return added


def team_drive_added(moving, placed, nurses_by_id, travel) -> int:
    """The receiving nurses' driving after the proposal minus before, over the days it touches
    (the absent nurse's saved driving is not counted: she is not working)."""
    by_visit = {v.visit_id: v for v in moving}
    extra: dict[tuple[int, date], list[tuple[datetime, Point]]] = defaultdict(list)
    for visit_id, (nurse_id, start) in placed.items():
        nurse = nurses_by_id[nurse_id]
        extra[(nurse_id, start.astimezone(nurse.zone).date())].append((start, by_visit[visit_id].place))
    total = 0
    for (nurse_id, on), mine in extra.items():
        nurse = nurses_by_id[nurse_id]
        total += (_route_min(nurse.home, _day_stops(nurse, on, mine), travel)
                  - _route_min(nurse.home, _day_stops(nurse, on, []), travel))
    return total


def _final_course_nurses(moving, placed, course_days) -> dict[int, dict[int, int]]:
    nurse_of: dict[int, dict[int, int]] = defaultdict(dict)
    for day in course_days:
        nurse_of[day.order_id][day.day_number] = day.nurse_id
    for visit in moving:
        if visit.visit_id in placed:
            nurse_of[visit.order_id][visit.day_number] = placed[visit.visit_id][0]
    return nurse_of


def _count_changes(nurse_of) -> int:
    changes = 0
    for by_day in nurse_of.values():
        numbers = sorted(by_day)
        changes += sum(1 for a, b in zip(numbers, numbers[1:]) if by_day[a] != by_day[b])
    return changes


def _why(visit: MovingVisit, options, refusals: _Refusals, status: str, nurses_by_id) -> str:
    dates = ", ".join(d.strftime("%a %d %b") for d in visit.dates)
    if options:
        if status.startswith("no solution"):
            return "The solver found no proposal within its time limit; try again or move this visit by hand."
        return (f"The {len({o.nurse.nurse_id for o in options})} nurse(s) who could take it are needed for other "
                "visits of this re-plan; move it by hand or to another day.")
    parts = []
    if refusals.not_working:
        parts.append(f"{len(refusals.not_working)} not working or absent at those hours")
    if refusals.full:
        parts.append(f"{len(refusals.full)} already at their maximum visits that day")
    if refusals.no_room:
        parts.append(f"{len(refusals.no_room)} without a gap of {visit.length_min} min with the drive before and after")
    hours = ""
    if visit.preferred_hours:
        hours = f" starting within the patient's preferred hours {visit.preferred_hours[0]:%H:%M}-{visit.preferred_hours[1]:%H:%M}"
    if not parts:
        return f"No day is left for it on {dates}{hours}: the order's window and the course's other days allow no other."
    return f"No nurse can take it on {dates}{hours}: " + "; ".join(parts) + "."


# -- checking and the baseline ---------------------------------------------------------------------


def check_moves(moves: list[Move], moving: list[MovingVisit], nurses: list[NurseContext], *,
                patient_visits: dict[int, tuple[BookedVisit, ...]], travel: TravelSettings) -> list[str]:
    """Every booking rule, checked by the booking code itself (rules.conflicts_for) for each
    move against what is booked plus the other moves: empty when the proposal is sound."""
    by_visit = {v.visit_id: v for v in moving}
    as_booked = {m.visit_id: BookedVisit(m.visit_id, m.to_starts_at, m.to_ends_at, by_visit[m.visit_id].place,
                                         by_visit[m.visit_id].patient_id) for m in moves}
    by_id = {n.nurse_id: n for n in nurses}
    problems = []
    for move in moves:
        visit = by_visit[move.visit_id]
        others = tuple(as_booked[m.visit_id] for m in moves if m.to_nurse_id == move.to_nurse_id and m.visit_id != move.visit_id)
        nurse = by_id[move.to_nurse_id]
        context = replace(nurse, visits=tuple(sorted(nurse.visits + others, key=lambda v: v.starts_at)))
        mine = patient_visits.get(visit.patient_id, ()) + tuple(
            as_booked[m.visit_id] for m in moves if by_visit[m.visit_id].patient_id == visit.patient_id and m.visit_id != move.visit_id)
        proposal = Proposal(visit.day_number, move.to_starts_at, visit.length_min, visit.place, visit.patient_id)
        for conflict in conflicts_for(proposal, context, patient_visits=mine, travel=travel):
            problems.append(f"visit #{visit.visit_id} at {fmt_local(move.to_starts_at, nurse.zone)}: {conflict.message}")
    return problems


def first_free_nurse(moving: list[MovingVisit], nurses: list[NurseContext], *,
                     patient_visits: dict[int, tuple[BookedVisit, ...]], travel: TravelSettings) -> ReplanResult:
    """The baseline a coordinator does by hand: each visit, earliest first, at its own time with
    the first nurse (by id) whose day still takes it under the booking rules."""
    started = clock.perf_counter()
    contexts = {n.nurse_id: n for n in nurses}
    by_patient = {pid: tuple(vs) for pid, vs in patient_visits.items()}
    placed: dict[int, tuple[int, datetime]] = {}
    for visit in sorted(moving, key=lambda v: (v.starts_at, v.visit_id)):
        proposal = Proposal(visit.day_number, visit.starts_at, visit.length_min, visit.place, visit.patient_id)
        for nurse_id in sorted(contexts):
            nurse = contexts[nurse_id]
            if nurse_id == visit.from_nurse_id or conflicts_for(proposal, nurse, patient_visits=by_patient.get(visit.patient_id, ()),
                                                                  travel=travel):
                continue
            booked = BookedVisit(visit.visit_id, visit.starts_at, visit.ends_at, visit.place, visit.patient_id)
            contexts[nurse_id] = replace(nurse, visits=tuple(sorted(nurse.visits + (booked,), key=lambda v: v.starts_at)))
            by_patient[visit.patient_id] = by_patient.get(visit.patient_id, ()) + (booked,)
            placed[visit.visit_id] = (nurse_id, visit.starts_at)
            break
    by_id = {n.nurse_id: n for n in nurses}
    added = route_drive_added(moving, placed, by_id, travel)
    moves = tuple(
        Move(v.visit_id, v.from_nurse_id, v.starts_at, v.ends_at, placed[v.visit_id][0], v.starts_at, v.ends_at,
             added[v.visit_id], False, placed[v.visit_id][0] != v.from_nurse_id)
        for v in moving if v.visit_id in placed
    )
    unplaced = tuple(Unplaced(v.visit_id, "No nurse is free at its own time.") for v in moving if v.visit_id not in placed)
    return ReplanResult(moves, unplaced, "greedy", round((clock.perf_counter() - started) * 1000),
                        team_drive_added(moving, placed, by_id, travel), 0)
