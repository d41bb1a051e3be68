"""The meeting scheduler of brokerage events: pure domain, plain dataclasses in and out.

An event has ordered time slots (grouped in sessions), tables, participants and
meeting requests. The scheduler places requested meetings in (slot, table) pairs:

- a participant is never in two meetings of one slot, and meets only in slots in
  which it is available, and at most ``max_meetings`` times;
- a participant with a ``booth`` hosts every meeting at that table; booth tables
  are reserved to their owners; the other tables (``tables`` minus the booths)
  serve the meetings where no participant has a booth; a meeting between two
  booth owners is held at the booth of the requester (``from_id``);
- a meeting with ``fixed`` is held at that (slot, table) when feasible.

It maximises the sum of the priorities of the meetings held; second, when a
``previous`` schedule is given, it keeps as many previous placements as possible
(never at the cost of weight); last, it reduces idle gaps: slots between a
participant's first and last meeting of a session in which it is available and
free.

How (see ``schedule``):

1. Selection: a maximum-weight degree-constrained subgraph (b-matching) with table
   capacities aggregated per session and overall. Its LP relaxation (HiGHS dual
   simplex) is nearly integral; when it is fractional and the event not too large, the
   MILP (HiGHS, presolve off) follows. The lowest of their bounds is the reported upper
   bound: every schedule is a feasible point of that relaxation.
2. Small events (few meeting×slot pairs) are then solved exactly with one CP-SAT
   model. Larger ones: the selected meetings get slots by a greedy pass (hardest
   first) with ejection chains (move one blocking meeting elsewhere, recursively),
   unselected requests are added into the holes left, and a large neighbourhood
   search re-solves small groups of participants with CP-SAT until the bound is
   reached, progress stalls or time runs out.
3. Tables are assigned per slot (booths; previous tables kept where possible).
4. A local search reduces idle gaps without changing which meetings are held: it
   moves meetings to other slots open for both participants (sideways moves now and
   then, to leave local optima), then also swaps the slots of two meetings.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

ProgressCallback = Callable[[float, str], None]


def N_(message: str) -> str:
    """Mark a progress message for translation without translating it (for makemessages)."""
    return message


MILP_VARIABLES_LIMIT = 30000
"""Above this many requests the LP relaxation alone gives the selection and the bound."""
EXACT_PAIRS_LIMIT = 6000
"""Events with at most this many feasible (meeting, slot) pairs are solved by one CP-SAT model."""


class ScheduleInputError(ValueError):
    """The event cannot be scheduled as given; ``messages`` says what is wrong, one per problem."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class Slot:
    id: str
    session: str = ""
    tables: int | None = None
    """Tables in this slot, when different from the event's ``tables``."""


@dataclass(frozen=True)
class Participant:
    id: str
    available_slots: frozenset[str]
    max_meetings: int
    booth: int | None = None


@dataclass(frozen=True)
class Meeting:
    id: str
    from_id: str
    to_id: str
    priority: int = 1
    fixed: tuple[str, int] | None = None
    """(slot id, table) where the organiser wants this meeting held."""


@dataclass(frozen=True)
class Event:
    slots: Sequence[Slot]
    tables: int
    participants: Sequence[Participant]
    meetings: Sequence[Meeting]
    previous: dict[str, tuple[str, int]] | None = None
    """A previous schedule: meeting id -> (slot id, table), for re-scheduling (may be empty)."""


@dataclass(frozen=True)
class Placement:
    meeting_id: str
    from_id: str
    to_id: str
    priority: int
    slot_id: str
    table: int


@dataclass(frozen=True)
class Unscheduled:
    """A meeting not held, with the reason in English (``reason``) and as a code with the
    participant it concerns, for callers that word it themselves."""

    meeting_id: str
    from_id: str
    to_id: str
    priority: int
    reason: str
    code: str = ""
    participant: str = ""


@dataclass(frozen=True)
class Move:
    meeting_id: str
    old_slot_id: str
    old_table: int
    new_slot_id: str
    new_table: int


@dataclass
class ScheduleResult:
    placements: list[Placement]
    unscheduled: list[Unscheduled]
    objective: int
    """Sum of the priorities of the meetings held."""
    upper_bound: int
    """No schedule of this event holds more weight than this."""
    seconds: float
    idle_gaps: int
    method: str
    moved: list[Move] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    """Meetings of ``previous`` still requested but no longer held."""
    added: list[str] = field(default_factory=list)
    """Meetings held now that ``previous`` did not place."""
    cancelled: list[str] = field(default_factory=list)
    """Meetings of ``previous`` that are no longer requested."""
    notes: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float:
        """Share of the upper bound not reached: 0.0 means proven optimal."""
        if self.upper_bound <= 0:
            return 0.0
        return round((self.upper_bound - self.objective) / self.upper_bound, 6)


# --------------------------------------------------------------------------- validation


def validate(event: Event) -> None:
    """Raise ScheduleInputError listing every problem of the event, or return."""
    problems: list[str] = []
    if not isinstance(event.tables, int) or isinstance(event.tables, bool) or event.tables < 0:
        problems.append(f"tables: must be a non-negative integer, got {event.tables!r}")
    slot_ids: set[str] = set()
    for slot in event.slots:
        if slot.id in slot_ids:
            problems.append(f"slots: duplicated id {slot.id!r}")
        slot_ids.add(slot.id)
        if slot.tables is not None and slot.tables < 0:
            problems.append(f"slot {slot.id!r}: tables must be a non-negative integer")
    people: dict[str, Participant] = {}
    booths: dict[int, str] = {}
    for person in event.participants:
        if person.id in people:
            problems.append(f"participants: duplicated id {person.id!r}")
        people[person.id] = person
        unknown = sorted(set(person.available_slots) - slot_ids)
        if unknown:
            problems.append(
                f"participant {person.id!r}: unknown slot ids in available_slots: "
                + ", ".join(repr(s) for s in unknown)
            )
        if person.max_meetings < 0:
            problems.append(f"participant {person.id!r}: max_meetings must not be negative")
        if person.booth is not None:
            if person.booth < 1:
                problems.append(f"participant {person.id!r}: booth must be a table number ≥ 1")
            elif isinstance(event.tables, int) and person.booth > event.tables:
                problems.append(
                    f"participant {person.id!r}: booth {person.booth} is beyond the "
                    f"{event.tables} tables"
                )
            if person.booth in booths:
                problems.append(
                    f"participant {person.id!r}: booth {person.booth} is already the booth "
                    f"of {booths[person.booth]!r}"
                )
            booths[person.booth] = person.id
    if isinstance(event.tables, int) and len(booths) > event.tables:
        problems.append(
            f"tables: {event.tables} tables are fewer than the {len(booths)} fixed booths"
        )
    meeting_ids: set[str] = set()
    for meeting in event.meetings:
        label = f"meeting {meeting.id!r}"
        if meeting.id in meeting_ids:
            problems.append(f"meetings: duplicated id {meeting.id!r}")
        meeting_ids.add(meeting.id)
        for end in (meeting.from_id, meeting.to_id):
            if end not in people:
                problems.append(f"{label}: unknown participant {end!r}")
        if meeting.from_id == meeting.to_id:
            problems.append(f"{label}: a participant cannot meet itself ({meeting.from_id!r})")
        if (
            not isinstance(meeting.priority, int)
            or isinstance(meeting.priority, bool)
            or meeting.priority < 1
        ):
            problems.append(
                f"{label}: priority must be a positive integer, got {meeting.priority!r}"
            )
        if meeting.fixed is not None:
            slot_id, table = meeting.fixed
            if slot_id not in slot_ids:
                problems.append(f"{label}: fixed slot {slot_id!r} is not a slot of the event")
            if table < 1:
                problems.append(f"{label}: fixed table must be ≥ 1, got {table}")
    if problems:
        raise ScheduleInputError(problems)


# --------------------------------------------------------------------------- the model


def bits(mask: int) -> list[int]:
    """The positions of the bits set in mask, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


class Instance:
    """The event in indices: slots 0..S-1, participants 0..P-1, meetings 0..M-1."""

    def __init__(self, event: Event) -> None:
        self.event = event
        self.S = len(event.slots)
        self.slot_index = {slot.id: i for i, slot in enumerate(event.slots)}
        self.session_of = [slot.session for slot in event.slots]
        self.table_count = [
            slot.tables if slot.tables is not None else event.tables for slot in event.slots
        ]
        self.P = len(event.participants)
        self.person_index = {p.id: i for i, p in enumerate(event.participants)}
        self.avail = [
            sum(1 << self.slot_index[s] for s in p.available_slots if s in self.slot_index)
            for p in event.participants
        ]
        self.max_meetings = [p.max_meetings for p in event.participants]
        self.booth = [p.booth for p in event.participants]
        booth_tables = {p.booth for p in event.participants if p.booth is not None}
        self.free_tables = [
            [t for t in range(1, self.table_count[s] + 1) if t not in booth_tables]
            for s in range(self.S)
        ]
        self.free_count = [len(tables) for tables in self.free_tables]
        self.M = len(event.meetings)
        self.meeting_index = {m.id: i for i, m in enumerate(event.meetings)}
        self.u = [self.person_index[m.from_id] for m in event.meetings]
        self.v = [self.person_index[m.to_id] for m in event.meetings]
        self.w = [m.priority for m in event.meetings]
        self.table_of: list[int | None] = []
        self.common = []
        self.mask = []
        for e in range(self.M):
            u, v = self.u[e], self.v[e]
            table = self.booth[u] if self.booth[u] is not None else self.booth[v]
            self.table_of.append(table)
            common = self.avail[u] & self.avail[v]
            self.common.append(common)
            usable = 0
            for s in bits(common):
                if (table is not None and table <= self.table_count[s]) or (
                    table is None and self.free_count[s] > 0
                ):
                    usable |= 1 << s
            self.mask.append(usable)
        self.incident: list[list[int]] = [[] for _ in range(self.P)]
        for e in range(self.M):
            if self.mask[e]:
                self.incident[self.u[e]].append(e)
                self.incident[self.v[e]].append(e)
        self.sessions: dict[str, list[int]] = {}
        for s, session in enumerate(self.session_of):
            self.sessions.setdefault(session, []).append(s)
        # Placements of ``fixed`` and ``previous`` that are valid in this event.
        self.fixed: dict[int, int] = {}
        self.notes: list[str] = []
        self.keepable: dict[int, tuple[int, int]] = {}
        for e, meeting in enumerate(event.meetings):
            prev = (event.previous or {}).get(meeting.id)
            if prev is not None and self.valid_placement(e, *prev):
                self.keepable[e] = (self.slot_index[prev[0]], prev[1])
        self._place_fixed()

    def valid_placement(self, e: int, slot_id: str, table: int) -> bool:
        s = self.slot_index.get(slot_id)
        if s is None or not self.mask[e] >> s & 1:
            return False
        booth = self.table_of[e]
        if booth is not None:
            return table == booth
        return table in self.free_tables[s]

    def _place_fixed(self) -> None:
        event = self.event
        busy: set[tuple[int, int]] = set()
        tables: set[tuple[int, int]] = set()
        count = [0] * self.P
        order = sorted(
            (e for e, m in enumerate(event.meetings) if m.fixed is not None),
            key=lambda e: -self.w[e],
        )
        for e in order:
            meeting = event.meetings[e]
            assert meeting.fixed is not None
            slot_id, table = meeting.fixed
            u, v = self.u[e], self.v[e]
            s = self.slot_index[slot_id]
            problem = None
            if not self.valid_placement(e, slot_id, table):
                problem = "not available to both participants or not a table for it"
            elif (u, s) in busy or (v, s) in busy or (s, table) in tables:
                problem = "taken by another fixed meeting"
            elif count[u] >= self.max_meetings[u] or count[v] >= self.max_meetings[v]:
                problem = "a participant would exceed its maximum"
            if problem:
                self.notes.append(
                    f"meeting {meeting.id!r}: fixed placement ({slot_id}, table {table}) "
                    f"is {problem}; scheduled like the others"
                )
                continue
            self.fixed[e] = s
            busy.update({(u, s), (v, s)})
            tables.add((s, table))
            count[u] += 1
            count[v] += 1


class State:
    """A partial slot assignment with the occupancy needed to check moves in O(1)."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.slot_of = [-1] * inst.M
        self.at = [[-1] * inst.S for _ in range(inst.P)]
        self.busy = [0] * inst.P
        self.count = [0] * inst.P
        self.free_left = list(inst.free_count)
        self.in_slot: list[set[int]] = [set() for _ in range(inst.S)]
        self.weight = 0
        self.keeps = 0

    def open_slots(self, e: int) -> int:
        """Slots where e could be placed now, ignoring the participants' maxima."""
        inst = self.inst
        mask = inst.mask[e] & ~self.busy[inst.u[e]] & ~self.busy[inst.v[e]]
        if inst.table_of[e] is None:
            mask &= self.table_mask()
        return mask

    def table_mask(self) -> int:
        return sum(1 << s for s, left in enumerate(self.free_left) if left > 0)

    def room(self, e: int) -> bool:
        inst = self.inst
        u, v = inst.u[e], inst.v[e]
        return self.count[u] < inst.max_meetings[u] and self.count[v] < inst.max_meetings[v]

    def place(self, e: int, s: int) -> None:
        inst = self.inst
        u, v = inst.u[e], inst.v[e]
        self.slot_of[e] = s
        self.in_slot[s].add(e)
        self.at[u][s] = e
        self.at[v][s] = e
        self.busy[u] |= 1 << s
        self.busy[v] |= 1 << s
        self.count[u] += 1
        self.count[v] += 1
        if inst.table_of[e] is None:
            self.free_left[s] -= 1
        self.weight += inst.w[e]
        if inst.keepable.get(e, (-1, 0))[0] == s:
            self.keeps += 1

    def remove(self, e: int) -> int:
        inst = self.inst
        s = self.slot_of[e]
        u, v = inst.u[e], inst.v[e]
        self.slot_of[e] = -1
        self.in_slot[s].discard(e)
        self.at[u][s] = -1
        self.at[v][s] = -1
        self.busy[u] &= ~(1 << s)
        self.busy[v] &= ~(1 << s)
        self.count[u] -= 1
        self.count[v] -= 1
        if inst.table_of[e] is None:
            self.free_left[s] += 1
        self.weight -= inst.w[e]
        if inst.keepable.get(e, (-1, 0))[0] == s:
            self.keeps -= 1
        return s


# --------------------------------------------------------------------------- selection (MILP)


@dataclass
class Selection:
    chosen: list[int]
    bound: float


def select_meetings(inst: Instance, time_limit: float) -> Selection:
    """Maximum-weight b-matching with aggregate table capacity; its optimum bounds the weight."""
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp
    from scipy.sparse import csr_matrix

    candidates = [e for e in range(inst.M) if inst.mask[e]]
    if not candidates:
        return Selection([], 0.0)
    n = len(candidates)
    rows: list[int] = []
    cols: list[int] = []
    upper: list[float] = []
    row = 0
    # Participants: at most min(max_meetings, slots usable by any of its meetings).
    reach = [0] * inst.P
    for e in candidates:
        reach[inst.u[e]] |= inst.mask[e]
        reach[inst.v[e]] |= inst.mask[e]
    by_person: list[list[int]] = [[] for _ in range(inst.P)]
    for j, e in enumerate(candidates):
        by_person[inst.u[e]].append(j)
        by_person[inst.v[e]].append(j)
    for p in range(inst.P):
        if not by_person[p]:
            continue
        cap = min(inst.max_meetings[p], reach[p].bit_count())
        rows.extend([row] * len(by_person[p]))
        cols.extend(by_person[p])
        upper.append(cap)
        row += 1
        # Per session: meetings that can only be held in that session.
        for slots in inst.sessions.values():
            if len(inst.sessions) < 2:
                break
            session_mask = sum(1 << s for s in slots)
            inside = [j for j in by_person[p] if not inst.mask[candidates[j]] & ~session_mask]
            session_cap = (reach[p] & session_mask).bit_count()
            if len(inside) > session_cap and session_cap < cap:
                rows.extend([row] * len(inside))
                cols.extend(inside)
                upper.append(session_cap)
                row += 1
    # Tables: meetings without a booth that can only be held in a group of slots.
    groups = [sum(1 << s for s in slots) for slots in inst.sessions.values()]
    all_slots = (1 << inst.S) - 1
    if all_slots not in groups:
        groups.append(all_slots)
    for group in groups:
        inside = [
            j
            for j, e in enumerate(candidates)
            if inst.table_of[e] is None and not inst.mask[e] & ~group
        ]
        capacity = sum(inst.free_count[s] for s in bits(group))
        if len(inside) > capacity:
            rows.extend([row] * len(inside))
            cols.extend(inside)
            upper.append(capacity)
            row += 1
    cost = -np.array([inst.w[e] for e in candidates], dtype=float)
    lower_x = np.zeros(n)
    for j, e in enumerate(candidates):
        if e in inst.fixed:
            lower_x[j] = 1.0
    total = float(sum(inst.w[e] for e in candidates))
    bound = min(total, _degree_bound(inst, candidates))
    if not row:
        return Selection(candidates, total)
    matrix = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(row, n))
    limits = np.array(upper, dtype=float)
    started = time.monotonic()
    # The LP relaxation: fast, nearly integral for these models, and a valid bound.
    relaxed = linprog(
        cost,
        A_ub=matrix,
        b_ub=limits,
        bounds=np.column_stack([lower_x, np.ones(n)]),
        method="highs-ds",
        options={"time_limit": max(0.5, time_limit)},
    )
    if relaxed.status != 0 or relaxed.x is None:
        return Selection(list(inst.fixed), bound)
    bound = min(bound, _floor(-float(relaxed.fun)))
    x = relaxed.x
    fractional = int(np.sum((x > 1e-6) & (x < 1 - 1e-6)))
    left = time_limit - (time.monotonic() - started)
    if fractional and n <= MILP_VARIABLES_LIMIT and left > 0.5:
        # HiGHS's presolve is slower than the whole search on these models: off.
        result = milp(
            cost,
            integrality=np.ones(n),
            bounds=Bounds(lower_x, np.ones(n)),
            constraints=[LinearConstraint(matrix, -np.inf, limits)],
            options={"time_limit": left, "disp": False, "presolve": False},
        )
        dual = getattr(result, "mip_dual_bound", None)
        if dual is not None and np.isfinite(dual):
            bound = min(bound, _floor(-float(dual)))
        if result.x is not None:
            x = result.x
    chosen = [candidates[j] for j in range(n) if x[j] > 0.5]
    return Selection(chosen, bound)


def _floor(value: float) -> float:
    """The largest integer not above ``value``, allowing for the solver's tolerances."""
    return float(math.floor(value + 1e-3 + 1e-7 * abs(value)))


def _degree_bound(inst: Instance, candidates: list[int]) -> float:
    """Half the sum, over participants, of their heaviest requests up to their capacity."""
    weights: list[list[int]] = [[] for _ in range(inst.P)]
    for e in candidates:
        weights[inst.u[e]].append(inst.w[e])
        weights[inst.v[e]].append(inst.w[e])
    total = 0
    for p, ws in enumerate(weights):
        ws.sort(reverse=True)
        total += sum(ws[: inst.max_meetings[p]])
    return float(total // 2)


# --------------------------------------------------------------------------- exact CP-SAT


def _cp_model(
    inst: Instance,
    state: State,
    meetings: Iterable[int],
    time_limit: float,
    seed: int = 0,
) -> tuple[dict[int, int], int, float] | None:
    """Re-place ``meetings`` (currently placed or not) optimally, all others staying put.

    Returns the new slot of each of them (-1: not held), the objective and the bound
    (objective: weight × K + previous placements kept), or None when no solution was found.
    """
    from ortools.sat.python import cp_model

    inst_ = inst
    meetings = list(meetings)
    placed_before = {e: state.slot_of[e] for e in meetings}
    for e in meetings:
        if state.slot_of[e] >= 0:
            state.remove(e)
    try:
        model = cp_model.CpModel()
        scale = len(inst_.keepable) + 1
        by_person_slot: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        by_person: dict[int, list[cp_model.IntVar]] = {}
        by_slot: dict[int, list[cp_model.IntVar]] = {}
        variables: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
        terms = []
        for e in meetings:
            u, v = inst_.u[e], inst_.v[e]
            options = state.open_slots(e)
            if e in inst_.fixed:
                options &= 1 << inst_.fixed[e]
            if not options:
                continue
            chosen = []
            for s in bits(options):
                x = model.new_bool_var(f"x{e}_{s}")
                chosen.append((s, x))
                by_person_slot.setdefault((u, s), []).append(x)
                by_person_slot.setdefault((v, s), []).append(x)
                if inst_.table_of[e] is None:
                    by_slot.setdefault(s, []).append(x)
                bonus = 1 if inst_.keepable.get(e, (-1, 0))[0] == s else 0
                terms.append((x, inst_.w[e] * scale + bonus))
            variables[e] = chosen
            if e in inst_.fixed:
                model.add(chosen[0][1] == 1)
            else:
                model.add_at_most_one(x for _, x in chosen)
            for p in (u, v):
                by_person.setdefault(p, []).extend(x for _, x in chosen)
        for group in by_person_slot.values():
            if len(group) > 1:
                model.add_at_most_one(group)
        for p, group in by_person.items():
            room = inst_.max_meetings[p] - state.count[p]
            if len(group) > room:
                model.add(sum(group) <= room)
        for s, group in by_slot.items():
            if len(group) > state.free_left[s]:
                model.add(sum(group) <= state.free_left[s])
        model.maximize(sum(coef * x for x, coef in terms))
        for e, chosen in variables.items():
            for s, x in chosen:
                model.add_hint(x, placed_before[e] == s)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        new = {e: -1 for e in meetings}
        for e, chosen in variables.items():
            for s, x in chosen:
                if solver.boolean_value(x):
                    new[e] = s
        objective = round(solver.objective_value)
        bound = solver.best_objective_bound if status == cp_model.FEASIBLE else objective
        return new, objective, float(bound)
    finally:
        for e, s in placed_before.items():
            if s >= 0:
                state.place(e, s)


def _score(inst: Instance, state: State, meetings: Iterable[int]) -> int:
    scale = len(inst.keepable) + 1
    total = 0
    for e in meetings:
        s = state.slot_of[e]
        if s >= 0:
            total += inst.w[e] * scale + (1 if inst.keepable.get(e, (-1, 0))[0] == s else 0)
    return total


def _apply(state: State, new: dict[int, int]) -> None:
    for e in new:
        if state.slot_of[e] >= 0:
            state.remove(e)
    for e, s in new.items():
        if s >= 0:
            state.place(e, s)


# --------------------------------------------------------------------------- heuristics


class Heuristic:
    """Greedy slot assignment with ejection chains, filling, and CP-SAT neighbourhoods."""

    def __init__(self, inst: Instance, state: State, rng: random.Random) -> None:
        self.inst = inst
        self.state = state
        self.rng = rng

    def try_place(self, e: int, depth: int, banned: set[int]) -> bool:
        """Place e, moving up to ``depth`` blocking meetings elsewhere in a chain."""
        inst, st = self.inst, self.state
        if not st.room(e):
            return False
        open_slots = st.open_slots(e)
        if open_slots:
            st.place(e, self._best_slot(e, open_slots))
            return True
        if depth <= 0 or e in inst.fixed:
            return False
        u, v = inst.u[e], inst.v[e]
        slots = bits(inst.mask[e])
        self.rng.shuffle(slots)
        banned = banned | {e}
        for s in slots:
            blockers = {st.at[u][s], st.at[v][s]} - {-1}
            if len(blockers) > 1:
                continue
            if blockers:
                (b,) = blockers
                if b in banned or b in inst.fixed:
                    continue
                needs_table = (
                    inst.table_of[e] is None
                    and inst.table_of[b] is not None
                    and st.free_left[s] == 0
                )
                if needs_table:
                    continue
                st.remove(b)
                st.place(e, s)
                if self.try_place(b, depth - 1, banned):
                    return True
                st.remove(e)
                st.place(b, s)
            elif inst.table_of[e] is None and st.free_left[s] == 0:
                others = [
                    g
                    for g in self._meetings_in_slot(s)
                    if g not in banned and g not in inst.fixed and inst.table_of[g] is None
                ]
                self.rng.shuffle(others)
                for g in others[:6]:
                    st.remove(g)
                    st.place(e, s)
                    if self.try_place(g, depth - 1, banned):
                        return True
                    st.remove(e)
                    st.place(g, s)
        return False

    def _meetings_in_slot(self, s: int) -> list[int]:
        return sorted(self.state.in_slot[s])

    def _best_slot(self, e: int, options: int) -> int:
        """The kept slot if possible, else one next to the pair's meetings, else the emptiest."""
        inst, st = self.inst, self.state
        keep = inst.keepable.get(e)
        if keep is not None and options >> keep[0] & 1:
            return keep[0]
        u, v = inst.u[e], inst.v[e]
        near = ((st.busy[u] | st.busy[v]) << 1) | ((st.busy[u] | st.busy[v]) >> 1)
        best, best_score = -1, -1.0
        for s in bits(options):
            score = st.free_left[s] + (3 if near >> s & 1 else 0)
            if score > best_score:
                best, best_score = s, score
        return best

    def greedy(self, chosen: list[int]) -> list[int]:
        """Place fixed, then kept, then the chosen meetings hardest first; return the unplaced."""
        inst, st = self.inst, self.state
        for e, s in inst.fixed.items():
            st.place(e, s)
        degree = [0] * inst.P
        for e in chosen:
            degree[inst.u[e]] += 1
            degree[inst.v[e]] += 1
        rest = [e for e in chosen if e not in inst.fixed]
        # The previous schedule first, chosen or not: it was feasible, so it all fits again
        # (but for what changed), and the search then trades placements only for weight.
        for e in sorted(inst.keepable, key=lambda e: -inst.w[e]):
            s = inst.keepable[e][0]
            if st.slot_of[e] < 0 and st.room(e) and st.open_slots(e) >> s & 1:
                st.place(e, s)

        def hardness(e: int) -> tuple[float, int]:
            u, v = inst.u[e], inst.v[e]
            tight = degree[u] / max(1, inst.avail[u].bit_count()) + degree[v] / max(
                1, inst.avail[v].bit_count()
            )
            return (-tight, inst.mask[e].bit_count())

        unplaced = []
        for e in sorted((e for e in rest if st.slot_of[e] < 0), key=hardness):
            if not self.try_place(e, 0, set()):
                unplaced.append(e)
        return [e for e in unplaced if not self.try_place(e, 2, set())]

    def fill(self, deadline: float) -> None:
        """Add unplaced requests, heaviest first, where they fit (with short chains)."""
        inst, st = self.inst, self.state
        order = sorted(
            (e for e in range(inst.M) if inst.mask[e] and st.slot_of[e] < 0),
            key=lambda e: (-inst.w[e], inst.mask[e].bit_count()),
        )
        for e in order:
            if time.monotonic() > deadline:
                return
            if st.slot_of[e] < 0 and st.room(e):
                self.try_place(e, 2, set())

    def neighbourhood(self, seed: int, size: int) -> list[int]:
        """Meetings around the participants of ``seed``: theirs placed, and requests among them."""
        inst, st = self.inst, self.state
        people = {inst.u[seed], inst.v[seed]}
        frontier = list(people)
        while frontier and len(people) < size:
            p = frontier.pop(0)
            partners = [inst.u[e] ^ inst.v[e] ^ p for e in st.at[p] if e >= 0]
            self.rng.shuffle(partners)
            for q in partners:
                if q not in people and len(people) < size:
                    people.add(q)
                    frontier.append(q)
        meetings: set[int] = {seed}
        for p in people:
            meetings.update(e for e in st.at[p] if e >= 0)
            waiting = [e for e in inst.incident[p] if st.slot_of[e] < 0]
            if len(waiting) > 40:
                waiting.sort(key=lambda e: -inst.w[e])
                waiting = waiting[:40]
            meetings.update(waiting)
        return list(meetings)

    def improve(self, deadline: float, target: int, progress: Callable[[float], None]) -> None:
        """Large neighbourhood search: re-solve small groups around unplaced requests."""
        inst, st = self.inst, self.state
        stale = 0
        size = 8
        start = time.monotonic()
        total = max(1e-6, deadline - start)
        waiting: list[int] = []
        rounds = 0
        while time.monotonic() < deadline - 0.05 and st.weight < target:
            if rounds % 25 == 0:
                waiting = [e for e in range(inst.M) if inst.mask[e] and st.slot_of[e] < 0]
            rounds += 1
            waiting = [e for e in waiting if st.slot_of[e] < 0] if rounds % 5 == 0 else waiting
            if not waiting:
                return
            seed = self.rng.choices(waiting, weights=[inst.w[e] for e in waiting])[0]
            meetings = self.neighbourhood(seed, size)
            before = _score(inst, st, meetings)
            budget = min(1.0, deadline - time.monotonic())
            solved = _cp_model(inst, st, meetings, budget, self.rng.randrange(1 << 20))
            if solved is not None and solved[1] > before:
                _apply(st, solved[0])
                stale = 0
            elif solved is not None and solved[1] == before and self.rng.random() < 0.3:
                _apply(st, solved[0])
                stale += 1
            else:
                stale += 1
            if stale and stale % 40 == 0:
                size = min(size + 4, 40)
            if stale > min(400, max(30, 3 * len(waiting))):
                return
            progress((time.monotonic() - start) / total)


# --------------------------------------------------------------------------- gaps and tables


def idle_gaps_of(inst: Instance, slot_of: Sequence[int]) -> int:
    busy = [0] * inst.P
    for e, s in enumerate(slot_of):
        if s >= 0:
            busy[inst.u[e]] |= 1 << s
            busy[inst.v[e]] |= 1 << s
    return sum(_person_gaps(inst, p, busy[p]) for p in range(inst.P))


def _person_gaps(inst: Instance, p: int, busy: int) -> int:
    gaps = 0
    for slots in inst.sessions.values():
        held = [i for i, s in enumerate(slots) if busy >> s & 1]
        if len(held) > 1:
            gaps += sum(
                1
                for s in slots[held[0] + 1 : held[-1]]
                if not busy >> s & 1 and inst.avail[p] >> s & 1
            )
    return gaps


def reduce_gaps(inst: Instance, state: State, deadline: float, rng: random.Random) -> None:
    """Move meetings to other open slots while the idle gaps of their two participants shrink."""
    movable = [
        e
        for e in range(inst.M)
        if state.slot_of[e] >= 0
        and e not in inst.fixed
        and inst.keepable.get(e, (-1, 0))[0] != state.slot_of[e]
    ]
    total = idle_gaps_of(inst, state.slot_of)
    best_total, best_slots = total, list(state.slot_of)
    calm = 0
    swaps = False  # after a first pass of the cheaper single moves
    while calm < 4 and time.monotonic() < deadline:
        rng.shuffle(movable)
        before = total
        for e in movable:
            if time.monotonic() > deadline:
                break
            u, v = inst.u[e], inst.v[e]
            s = state.slot_of[e]
            current = _person_gaps(inst, u, state.busy[u]) + _person_gaps(inst, v, state.busy[v])
            if current == 0:
                continue
            state.remove(e)
            best, best_gaps = s, current
            sideways = []
            for t in bits(state.open_slots(e)):
                if t == s or inst.keepable.get(e, (-1, 0))[0] == t:
                    continue
                bu, bv = state.busy[u] | 1 << t, state.busy[v] | 1 << t
                gaps = _person_gaps(inst, u, bu) + _person_gaps(inst, v, bv)
                if gaps < best_gaps:
                    best, best_gaps = t, gaps
                elif gaps == current:
                    sideways.append(t)
            if best == s and sideways and rng.random() < 0.2:
                # A move that costs nothing, to get out of local optima.
                best = rng.choice(sideways)
            state.place(e, best)
            total += best_gaps - current
            if best_gaps == current and swaps:
                total += _swap(inst, state, e, rng)
        if total < best_total:
            best_total, best_slots = total, list(state.slot_of)
        calm = 0 if total < before else calm + 1
        swaps = True
    # Back to the best seen (the same meetings: only slots differ).
    for e in range(inst.M):
        if state.slot_of[e] >= 0 and state.slot_of[e] != best_slots[e]:
            state.remove(e)
    for e in range(inst.M):
        if best_slots[e] >= 0 and state.slot_of[e] < 0:
            state.place(e, best_slots[e])


def _swap(inst: Instance, state: State, e: int, rng: random.Random) -> int:
    """Exchange the slots of e and a meeting in its way if that closes gaps; the change."""
    u, v = inst.u[e], inst.v[e]
    s = state.slot_of[e]
    targets = bits(inst.mask[e] & ~(1 << s))
    rng.shuffle(targets)
    for t in targets[:6]:
        blockers = {state.at[u][t], state.at[v][t]} - {-1}
        if len(blockers) > 1:
            continue
        others = list(blockers)
        if not others:
            if inst.table_of[e] is not None or state.free_left[t] > 0:
                continue  # open for e: the single moves saw it
            others = rng.sample(list(state.in_slot[t]), min(3, len(state.in_slot[t])))
        for f in others:
            if f in inst.fixed or inst.keepable.get(f, (-1, 0))[0] == t:
                continue
            people = {u, v, inst.u[f], inst.v[f]}
            before = sum(_person_gaps(inst, p, state.busy[p]) for p in people)
            state.remove(e)
            state.remove(f)
            if state.open_slots(e) >> t & 1:
                state.place(e, t)
                if state.open_slots(f) >> s & 1:
                    state.place(f, s)
                    after = sum(_person_gaps(inst, p, state.busy[p]) for p in people)
                    if after < before:
                        return after - before
                    state.remove(f)
                state.remove(e)
            state.place(e, s)
            state.place(f, t)
    return 0


def assign_tables(inst: Instance, slot_of: Sequence[int]) -> dict[int, int]:
    """A table for every placed meeting: booths, fixed tables, previous tables, then in order."""
    table: dict[int, int] = {}
    by_slot: dict[int, list[int]] = {}
    for e, s in enumerate(slot_of):
        if s < 0:
            continue
        booth = inst.table_of[e]
        if booth is not None:
            table[e] = booth
        else:
            by_slot.setdefault(s, []).append(e)
    for s, meetings in by_slot.items():
        used: set[int] = set()
        for e in meetings:
            fixed = inst.event.meetings[e].fixed
            if e in inst.fixed and fixed is not None:
                table[e] = fixed[1]
                used.add(fixed[1])
        for e in meetings:
            keep = inst.keepable.get(e)
            if e not in table and keep is not None and keep[0] == s and keep[1] not in used:
                table[e] = keep[1]
                used.add(keep[1])
        spare = iter(t for t in inst.free_tables[s] if t not in used)
        for e in meetings:
            if e not in table:
                table[e] = next(spare)
    return table


# --------------------------------------------------------------------------- reasons


# Why a meeting is not held, as codes (see ``unscheduled_reason``).
NO_COMMON_SLOT = "no_common_slot"
NO_TABLE = "no_table"
AT_MAXIMUM = "at_maximum"
NO_SLOT_LEFT = "no_slot_left"
NO_TABLE_LEFT = "no_table_left"


def unscheduled_reason(inst: Instance, state: State, e: int) -> tuple[str, str, str]:
    """(code, participant concerned or "", English sentence) for a meeting not held."""
    event = inst.event
    u, v = inst.u[e], inst.v[e]
    names = event.participants[u].id, event.participants[v].id
    if not inst.common[e]:
        return NO_COMMON_SLOT, "", f"no common available slot for {names[0]} and {names[1]}"
    if not inst.mask[e]:
        return (
            NO_TABLE,
            "",
            "no table for this meeting in the slots both participants are available",
        )
    for p, name in ((u, names[0]), (v, names[1])):
        if state.count[p] >= inst.max_meetings[p]:
            most = inst.max_meetings[p]
            unit = "meeting" if most == 1 else "meetings"
            return AT_MAXIMUM, name, f"participant {name} at its maximum of {most} {unit}"
    both_free = inst.mask[e] & ~state.busy[u] & ~state.busy[v]
    if not both_free:
        return (
            NO_SLOT_LEFT,
            "",
            f"no common available slot left free: {names[0]} and {names[1]} have other "
            "meetings in every slot both are available",
        )
    return NO_TABLE_LEFT, "", "no free table left in the slots free for both participants"


# --------------------------------------------------------------------------- entry point


def schedule(
    event: Event,
    time_limit: float = 30.0,
    progress: ProgressCallback | None = None,
    seed: int = 0,
    exact_pairs_limit: int = EXACT_PAIRS_LIMIT,
) -> ScheduleResult:
    """Schedule the event's meetings within about ``time_limit`` seconds.

    Raises ScheduleInputError when the event is not valid (see ``validate``).
    ``progress(fraction, message)`` is called as the work goes on.
    """
    started = time.monotonic()
    deadline = started + max(0.5, time_limit)

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(max(0.0, min(1.0, fraction)), message)

    validate(event)
    report(0.0, N_("reading the event"))
    inst = Instance(event)
    rng = random.Random(seed)  # noqa: S311 - reproducible search, not cryptography
    state = State(inst)
    report(0.05, N_("choosing the meetings"))
    selection = select_meetings(inst, 0.35 * time_limit)
    bound = selection.bound
    pairs = sum(inst.mask[e].bit_count() for e in range(inst.M))
    method = "heuristic"
    if pairs <= exact_pairs_limit:
        method = "exact"
        report(0.4, N_("solving the whole event exactly"))
        heuristic = Heuristic(inst, state, rng)
        heuristic.greedy(selection.chosen)
        heuristic.fill(deadline)
        remaining = deadline - time.monotonic() - 0.1 * time_limit
        everything = [e for e in range(inst.M) if inst.mask[e]]
        solved = _cp_model(inst, state, everything, max(0.2, remaining), seed)
        if solved is not None and solved[1] >= _score(inst, state, everything):
            _apply(state, solved[0])
        if solved is not None:
            scale = len(inst.keepable) + 1
            bound = min(bound, solved[2] // scale)
        if solved is None or solved[1] != solved[2]:
            method = "exact (time limit reached)"
    else:
        report(0.35, N_("assigning slots"))
        heuristic = Heuristic(inst, state, rng)
        heuristic.greedy(selection.chosen)
        report(0.45, N_("adding meetings into the holes"))
        heuristic.fill(deadline - 0.15 * time_limit)
        target = int(bound + 1e-6)
        report(0.5, N_("improving the schedule"))
        lns_deadline = deadline - 0.1 * time_limit
        heuristic.improve(
            lns_deadline, target, lambda f: report(0.5 + 0.4 * f, N_("improving the schedule"))
        )
    report(0.9, N_("reducing idle gaps"))
    reduce_gaps(inst, state, deadline, rng)
    report(0.97, N_("assigning tables"))
    tables = assign_tables(inst, state.slot_of)
    result = _result(inst, state, tables, int(bound + 1e-6), time.monotonic() - started, method)
    report(1.0, N_("done"))
    return result


def _result(
    inst: Instance,
    state: State,
    tables: dict[int, int],
    bound: int,
    seconds: float,
    method: str,
) -> ScheduleResult:
    event = inst.event
    placements = []
    unscheduled = []
    for e, meeting in enumerate(event.meetings):
        s = state.slot_of[e]
        if s >= 0:
            placements.append(
                Placement(
                    meeting.id,
                    meeting.from_id,
                    meeting.to_id,
                    meeting.priority,
                    event.slots[s].id,
                    tables[e],
                )
            )
        else:
            code, who, sentence = unscheduled_reason(inst, state, e)
            unscheduled.append(
                Unscheduled(
                    meeting.id,
                    meeting.from_id,
                    meeting.to_id,
                    meeting.priority,
                    sentence,
                    code,
                    who,
                )
            )
    objective = sum(p.priority for p in placements)
    result = ScheduleResult(
        placements=placements,
        unscheduled=unscheduled,
        objective=objective,
        upper_bound=bound,
        seconds=round(seconds, 3),
        idle_gaps=idle_gaps_of(inst, state.slot_of),
        method=method,
        notes=list(inst.notes),
    )
    if event.previous is not None:
        now = {p.meeting_id: (p.slot_id, p.table) for p in placements}
        for meeting_id, old in event.previous.items():
            if meeting_id not in inst.meeting_index:
                result.cancelled.append(meeting_id)
            elif meeting_id not in now:
                result.dropped.append(meeting_id)
            elif now[meeting_id] == tuple(old):
                result.kept.append(meeting_id)
            else:
                new = now[meeting_id]
                result.moved.append(Move(meeting_id, old[0], old[1], new[0], new[1]))
        result.added = [m for m in now if m not in event.previous]
    return result
