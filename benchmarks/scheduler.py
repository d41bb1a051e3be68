"""Meeting scheduler benchmark: our scheduler against a booking tool's greedy, on synthetic events.

Generates brokerage events with a fixed seed, shaped like real ones:

- 16 slots, in two sessions of 8 (morning ``am-1``..``am-8``, afternoon ``pm-1``..``pm-8``);
  two thirds of the participants attend all day, a sixth only the morning and a
  sixth only the afternoon;
- skewed popularity: each participant requests meetings with targets drawn with
  Zipf-like weights (rank^-0.7), so a few large firms are asked by very many;
  the 1% most popular have a booth;
- ``max_meetings`` 8 to 16 per participant (capped by its slots), priorities 1 to 3;
- tables: the booths plus 10% fewer than the other requests would need per slot
  (``--tables-factor 0.9``; most requests cannot be held anyway, for the popular
  firms' maxima, so tables only bind at lower factors, e.g. 0.3).

Each size is solved by ``distretto.events.domain.scheduler.schedule`` and by the
greedy baseline (requests by priority descending, each in the first slot free for
both with a free table, as booking tools do), each in its own fresh process
(``spawn``) so that its peak memory (``ru_maxrss``) is its own. The ratio is the
weight scheduled over the scheduler's upper bound on the best possible weight.

Prints a table and writes benchmarks/results/scheduler.json (scheduler-tables-F.json
with another ``--tables-factor``).

    .venv/bin/python benchmarks/scheduler.py [--sizes 200x10,1000x10,5000x10,5000x20]
        [--time-limit SECONDS] [--seed 7] [--tables-factor 0.9]
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import multiprocessing
import os
import platform
import random
import resource
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SIZES = "200x10,1000x10,5000x10,5000x20"
TARGETS = {  # (participants, requests each): (seconds, minimum ratio to the bound)
    (200, 10): (5.0, 0.995),
    (1000, 10): (10.0, 0.995),
    (5000, 10): (30.0, 0.995),
    (5000, 20): (60.0, 0.99),
}
SESSION_SLOTS = 8


def generate(participants: int, requests_each: int, seed: int, tables_factor: float = 0.9) -> Any:
    """A synthetic event (see the module's docstring); the same for the same arguments."""
    from distretto.events.domain.scheduler import Event, Meeting, Participant, Slot

    rng = random.Random(f"{seed}-{participants}-{requests_each}")  # noqa: S311 - synthetic data
    morning = [f"am-{n}" for n in range(1, SESSION_SLOTS + 1)]
    afternoon = [f"pm-{n}" for n in range(1, SESSION_SLOTS + 1)]
    slots = [Slot(s, "morning") for s in morning] + [Slot(s, "afternoon") for s in afternoon]
    ids = [f"p{n:05d}" for n in range(participants)]
    ranks = list(range(participants))
    rng.shuffle(ranks)
    popularity = [(rank + 1) ** -0.7 for rank in ranks]
    cumulative = list(itertools.accumulate(popularity))
    by_popularity = sorted(range(participants), key=lambda i: ranks[i])
    booth_owners = by_popularity[: max(1, participants // 100)]
    booths = {person: n + 1 for n, person in enumerate(booth_owners)}
    people = []
    for i, pid in enumerate(ids):
        draw = rng.random()
        available = morning + afternoon
        if draw < 1 / 6:
            available = morning
        elif draw < 1 / 3:
            available = afternoon
        people.append(
            Participant(
                pid,
                frozenset(available),
                min(len(available), rng.randint(8, 16)),
                booths.get(i),
            )
        )
    meetings = []
    for i, pid in enumerate(ids):
        targets: set[int] = set()
        while len(targets) < requests_each:
            for j in rng.choices(range(participants), cum_weights=cumulative, k=requests_each):
                if j != i and len(targets) < requests_each:
                    targets.add(j)
        for j in sorted(targets):
            meetings.append(Meeting(f"{pid}-{ids[j]}", pid, ids[j], rng.choice([1, 1, 2, 2, 3])))
    booth_meetings = sum(
        1 for m in meetings if people[int(m.from_id[1:])].booth or people[int(m.to_id[1:])].booth
    )
    per_slot = (len(meetings) - booth_meetings) / len(slots)
    tables = len(booths) + round(tables_factor * per_slot)
    return Event(slots, tables, people, meetings)


def greedy(event: Any) -> dict[str, Any]:
    """The booking tool's way: heaviest requests first, each in the first slot open for both."""
    from distretto.events.domain.scheduler import Instance, State, bits, idle_gaps_of

    inst = Instance(event)
    state = State(inst)
    for e in sorted(range(inst.M), key=lambda e: -inst.w[e]):
        if state.room(e):
            open_slots = state.open_slots(e)
            if open_slots:
                state.place(e, bits(open_slots)[0])
    return {
        "scheduled": sum(1 for s in state.slot_of if s >= 0),
        "weight": state.weight,
        "idle_gaps": idle_gaps_of(inst, state.slot_of),
    }


def solve(
    method: str,
    participants: int,
    requests_each: int,
    seed: int,
    limit: float,
    tables_factor: float = 0.9,
) -> dict[str, Any]:
    """Generate and solve one event in this (fresh) process; figures and peak memory."""
    from distretto.events.domain.scheduler import schedule

    event = generate(participants, requests_each, seed, tables_factor)
    start = time.perf_counter()
    if method == "scheduler":
        result = schedule(event, time_limit=limit, seed=seed)
        figures: dict[str, Any] = {
            "scheduled": len(result.placements),
            "weight": result.objective,
            "upper_bound": result.upper_bound,
            "idle_gaps": result.idle_gaps,
            "method": result.method,
        }
    else:
        figures = greedy(event)
    figures["seconds"] = round(time.perf_counter() - start, 2)
    figures["requests"] = len(event.meetings)
    figures["tables"] = event.tables
    figures["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return figures


def _child(queue: Any, args: tuple[Any, ...]) -> None:
    queue.put(solve(*args))


def in_process(*args: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, args))
    process.start()
    figures: dict[str, Any] = queue.get()
    process.join()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=DEFAULT_SIZES,
        help="comma-separated PARTICIPANTSxREQUESTS_EACH (default %(default)s)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="the scheduler's time limit in seconds (default: 90%% of each size's target)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--tables-factor",
        type=float,
        default=0.9,
        help="tables per slot as a share of the requests per slot (default %(default)s)",
    )
    args = parser.parse_args()
    sizes = []
    for item in args.sizes.split(","):
        count, _, each = item.strip().partition("x")
        sizes.append((int(count), int(each or 10)))

    load_start = os.getloadavg()
    started = datetime.datetime.now(datetime.UTC)
    rows = []
    header = (
        f"{'participants':>12} {'requests':>8} {'method':>9} {'held':>6} {'weight':>7} "
        f"{'bound':>7} {'ratio':>8} {'seconds':>7} {'peak MB':>8} {'gaps':>6}"
    )
    print(header)
    for participants, each in sizes:
        target_seconds, target_ratio = TARGETS.get((participants, each), (60.0, 0.99))
        limit = args.time_limit if args.time_limit is not None else 0.9 * target_seconds
        common = (participants, each, args.seed, limit, args.tables_factor)
        ours = in_process("scheduler", *common)
        theirs = in_process("greedy", *common)
        theirs["upper_bound"] = ours["upper_bound"]
        for name, figures in (("scheduler", ours), ("greedy", theirs)):
            ratio = figures["weight"] / figures["upper_bound"] if figures["upper_bound"] else 1.0
            figures["ratio"] = round(ratio, 4)
            print(
                f"{participants:>12} {figures['requests']:>8} {name:>9} "
                f"{figures['scheduled']:>6} {figures['weight']:>7} {figures['upper_bound']:>7} "
                f"{ratio:>8.3%} {figures['seconds']:>7.2f} {figures['peak_mb']:>8.1f} "
                f"{figures['idle_gaps']:>6}",
                flush=True,
            )
        rows.append(
            {
                "participants": participants,
                "requests_each": each,
                "time_limit": limit,
                "target_seconds": target_seconds,
                "target_ratio": target_ratio,
                "meets_target": ours["ratio"] >= target_ratio
                and ours["seconds"] <= target_seconds
                and ours["peak_mb"] < 4096,
                "scheduler": ours,
                "greedy": theirs,
            }
        )
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.tables_factor == 0.9 else f"-tables-{args.tables_factor:g}"
    output = RESULTS / f"scheduler{suffix}.json"
    output.write_text(
        json.dumps(
            {
                "date": started.isoformat(timespec="seconds"),
                "seed": args.seed,
                "tables_factor": args.tables_factor,
                "machine": {
                    "python": platform.python_version(),
                    "cpu_count": os.cpu_count(),
                    "platform": platform.platform(),
                    "load_average_start": [round(x, 2) for x in load_start],
                    "load_average_end": [round(x, 2) for x in os.getloadavg()],
                },
                "sizes": rows,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"written to {output}")


if __name__ == "__main__":
    main()
