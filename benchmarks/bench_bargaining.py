"""Time our frontier and bargaining solutions against NegMAS and a plain loop, in one process.

    python benchmarks/bench_bargaining.py            # full run (NegMAS on 10^6 takes ~10-20 s)
    python benchmarks/bench_bargaining.py --quick    # 125,000 outcomes only for NegMAS

Targets (issue 3):
  1. frontier + Nash solution of a three-issue problem over 10^6 enumerated outcomes < 0.5 s
     (anchor: NegMAS ``pareto_frontier`` + ``nash_points`` on the same outcomes);
  2. a two-issue continuous problem's Nash solution < 10 ms (grid of 101 x 101 plus SLSQP
     refinement; anchors: NegMAS discretising the same problem, and a fine-grid reference);
  3. 1,000 re-solves of one problem under different disagreement points < 0.2 s (anchor: a
     straightforward loop that re-evaluates the Nash product over every outcome each time).
NegMAS is optional: it is not a project dependency (pip install negmas to compare with it).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from games import BargainingProblem, nash_solution, pareto_frontier, zone_of_agreement
from timing import timed  # noqa: E402  (benchmarks/timing.py, beside this script)

W1 = (1.0, -0.6, -0.3)   # player 1: gains from issue a, loses from b and c
W2 = (-0.5, 1.0, 0.8)    # player 2: the reverse
D = (-0.4, 0.2)          # disagreement payoffs



def ours_three_issues(levels: int):
    grid = list(np.linspace(0, 1, levels))
    problem = BargainingProblem.from_issues(
        {"a": grid, "b": grid, "c": grid},
        [lambda a, b, c: W1[0] * a + W1[1] * b + W1[2] * c,
         lambda a, b, c: W2[0] * a + W2[1] * b + W2[2] * c], D)
    front = pareto_frontier(problem)
    zone = zone_of_agreement(problem)  # NegMAS returns only this (individually rational) part
    return problem, front, zone, nash_solution(problem)


def negmas_three_issues(levels: int):
    from negmas import make_issue, nash_points, pareto_frontier as nm_frontier
    from negmas.preferences import LinearUtilityFunction

    values = [float(v) for v in np.linspace(0, 1, levels)]
    issues = [make_issue(values=values, name=n) for n in "abc"]
    u1 = LinearUtilityFunction(weights=list(W1), issues=issues, reserved_value=D[0])
    u2 = LinearUtilityFunction(weights=list(W2), issues=issues, reserved_value=D[1])
    front, _ = nm_frontier([u1, u2], issues=issues)
    nash = nash_points([u1, u2], front, issues=issues)
    return front, nash


def bench_enumerated(levels: int, with_negmas: bool) -> None:
    n = levels**3
    ours_three_issues(10)  # warm-up
    t_ours, (problem, front, zone, nash) = timed(lambda: ours_three_issues(levels), repeat=3)
    line = (f"three issues, {n:>9,} outcomes: ours {t_ours * 1e3:8.1f} ms "
            f"(frontier {len(front)} points, {len(zone.utilities)} rational; Nash {tuple(round(u, 6) for u in nash.utilities)})")
    verdict = "meets" if t_ours < 0.5 else "MISSES"
    if with_negmas:
        try:
            t_nm, (nm_front, nm_nash) = timed(lambda: negmas_three_issues(levels))
        except ImportError:
            print(line + "\n   NegMAS not installed: no comparison")
            return
        nm_u = tuple(float(v) for v in nm_nash[0][0]) if nm_nash else None
        same_front = {tuple(np.round(p, 9)) for p in np.asarray(nm_front, float)} == \
            {tuple(np.round(p, 9)) for p in zone.utilities}
        same_nash = nm_u is not None and np.allclose(nm_u, nash.utilities, atol=1e-9)
        line += (f"\n   NegMAS {t_nm * 1e3:9.1f} ms (frontier {len(nm_front)} points, Nash "
                 f"{tuple(round(u, 6) for u in nm_u) if nm_u else None}); ratio NegMAS/ours "
                 f"{t_nm / t_ours:6.1f}x; same rational frontier: {same_front}; same Nash: {same_nash}")
    print(line + f"\n   target < 500 ms for 10^6: {verdict if n >= 10**6 else 'n/a'}")


def continuous_problem(resolution: int = 101):
    # nonlinear, interior Nash point: player 1 values a with diminishing returns, pays b
    return BargainingProblem.from_issues(
        {"a": (0, 1), "b": (0, 1)},
        [lambda a, b: np.sqrt(a + 0.01) + 0.6 * b * (1 - b) - 0.5 * b,
         lambda a, b: 1.2 * b - a**2 + 0.3 * a * b], (0.1, 0.0), resolution=resolution)


def nash_value(gains, power=0.5):
    g = np.asarray(gains, dtype=float)
    return power * np.log(g[0]) + (1 - power) * np.log(g[1])


def bench_continuous(with_negmas: bool) -> None:
    continuous_problem()  # warm-up
    runs = [timed(lambda: nash_solution(continuous_problem())) for _ in range(20)]
    t = statistics.median(r[0] for r in runs)
    best = min(r[0] for r in runs)
    ours = runs[0][1]
    t_ref, ref = timed(lambda: nash_solution(continuous_problem(2001), refine=False))
    gap = nash_value(ours.gains) - nash_value(ref.gains)
    print(f"two continuous issues, Nash (grid 101x101 + SLSQP): ours {t * 1e3:6.2f} ms median "
          f"({best * 1e3:.2f} best of 20); "
          f"outcome a={ours.outcome['a']:.6f}, b={ours.outcome['b']:.6f}\n"
          f"   reference: 2001x2001 grid, {t_ref * 1e3:7.1f} ms; our log Nash product minus "
          f"reference {gap:+.2e} (>= 0: at least as good); target < 10 ms: "
          f"{'meets' if t < 0.01 else 'MISSES'}")
    if not with_negmas:
        return
    try:
        from negmas import make_issue, nash_points, pareto_frontier as nm_frontier
        from negmas.preferences import LinearUtilityFunction
    except ImportError:
        print("   NegMAS not installed: no comparison")
        return
    # NegMAS handles continuous issues by discretising; a linear problem both can state
    # (NegMAS 0.16 ignores a bias in LinearUtilityFunction, so none is used)
    issues = [make_issue(values=(0.0, 1.0), name=n) for n in "ab"]
    u1 = LinearUtilityFunction(weights=[0.8, -0.2], issues=issues, reserved_value=-0.1)
    u2 = LinearUtilityFunction(weights=[-0.3, 0.7], issues=issues, reserved_value=-0.2)

    def negmas_run():
        front, _ = nm_frontier([u1, u2], issues=issues, n_discretization=101)
        return nash_points([u1, u2], front, issues=issues)

    def ours_run():
        return nash_solution(BargainingProblem.from_issues(
            {"a": (0, 1), "b": (0, 1)},
            [lambda a, b: 0.8 * a - 0.2 * b, lambda a, b: -0.3 * a + 0.7 * b],
            (-0.1, -0.2), resolution=101))

    t_nm, nm = timed(negmas_run, repeat=3)
    t_o, o = timed(ours_run, repeat=3)
    print(f"   linear two-issue problem both can state: ours {t_o * 1e3:.2f} ms, NegMAS "
          f"(101 levels per issue) {t_nm * 1e3:.1f} ms; ratio {t_nm / t_o:.1f}x; Nash ours "
          f"{tuple(round(u, 6) for u in o.utilities)}, NegMAS "
          f"{tuple(round(float(u), 6) for u in nm[0][0]) if nm else None}")


def bench_resolves(levels: int) -> None:
    problem, _, _, _ = ours_three_issues(levels)
    rng = np.random.default_rng(0)
    ds = rng.uniform([-0.5, 0.0], [0.0, 0.5], size=(1000, 2))
    nash_solution(problem.with_disagreement(ds[0]))  # the frontier is cached from here on
    start = time.perf_counter()
    ours = [nash_solution(problem.with_disagreement(d)).utilities for d in ds]
    t_ours = time.perf_counter() - start

    def plain(d):
        g = problem.points - d
        ok = (g > 0).all(axis=1)
        with np.errstate(all="ignore"):
            value = np.where(ok, 0.5 * np.log(g[:, 0]) + 0.5 * np.log(g[:, 1]), -np.inf)
        return tuple(problem.points[int(np.argmax(value))])

    k = 20
    start = time.perf_counter()
    theirs = [plain(d) for d in ds[:k]]
    t_plain = (time.perf_counter() - start) / k * len(ds)
    agree = all(np.allclose(a, b) for a, b in zip(ours[:k], theirs))
    print(f"1,000 re-solves under new disagreement points ({levels**3:,} outcomes): ours "
          f"{t_ours * 1e3:.1f} ms; plain loop over all outcomes {t_plain * 1e3:.0f} ms "
          f"(timed on {k}, scaled); ratio {t_plain / t_ours:.0f}x; same answers: {agree}; "
          f"target < 200 ms: {'meets' if t_ours < 0.2 else 'MISSES'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="NegMAS on 125,000 outcomes only")
    parser.add_argument("--no-negmas", action="store_true", help="skip the NegMAS anchor")
    args = parser.parse_args()
    with_negmas = not args.no_negmas
    bench_enumerated(50, with_negmas)
    bench_enumerated(100, with_negmas and not args.quick)
    bench_continuous(with_negmas)
    bench_resolves(100)


if __name__ == "__main__":
    main()
