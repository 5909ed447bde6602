"""Sweeps: evaluate any computation over a sample of parameters, reproducibly.

The sample (a grid, or seeded Monte Carlo from each parameter's range and distribution) is drawn
once, up front; it is then cut into chunks, which run in this process or on any
``concurrent.futures.Executor`` (a process pool, or the executor of a ``dask.distributed``
client). The chunks are put back together in order, so the same seed gives the same result
whatever the executor and chunk size.

>>> from games.parameters import Parameter, ParameterSet
>>> ps = ParameterSet([Parameter("a", 1.0, range=(0.0, 2.0)), Parameter("b", 3.0)])
>>> result = sweep(lambda a, b: a * b, ps, draws=1000, seed=0)
>>> result.outputs["value"].shape
(1000,)
>>> bool(abs(result.outputs["value"].mean() - 3.0) < 0.1)
True
"""

from __future__ import annotations

import inspect
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from games.errors import ParameterError
from games.markup import text
from games.parallel import jobs_for, process_map, progress_ticks, result_of
from games.parameters import ParameterSet
from games.results import TabularResult

__all__ = [
    "MAX_POINTS", "SweepResult", "sweep",
]

if TYPE_CHECKING:
    import pandas as pd

#: Largest number of points a sweep evaluates (a guard against a grid that explodes).
MAX_POINTS = 50_000_000


@dataclass(frozen=True)
class SweepResult(TabularResult):
    """From :func:`sweep`: ``samples`` and ``outputs`` by name, one entry per point.

    ``samples`` and ``outputs`` map names to arrays of one length; ``design``, ``seed`` and
    ``chunks`` say how it was made; printing gives each output's mean and 10/50/90 percentiles.

    >>> from games import Parameter, ParameterSet, sweep
    >>> ps = ParameterSet([Parameter("a", 1.0, range=(0.0, 2.0)), Parameter("b", 3.0, range=(1.0, 3.0))])
    >>> result = sweep(lambda a, b: {"product": a * b}, ps, grid={"a": 3, "b": [1.0, 3.0]})
    >>> result.samples["a"].tolist(), result.samples["b"].tolist()
    ([0.0, 0.0, 1.0, 1.0, 2.0, 2.0], [1.0, 3.0, 1.0, 3.0, 1.0, 3.0])
    >>> bool((result.outputs["product"] == result.samples["a"] * result.samples["b"]).all())
    True
    """

    samples: Mapping[str, np.ndarray]
    outputs: Mapping[str, np.ndarray]
    design: str
    seed: int | None
    vectorised: bool
    chunks: int = 1
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def method(self) -> str:
        """How the outputs were computed, in words (its settings are ``settings``, ``seed``)."""
        how = "vectorised" if self.vectorised else "one call per sample point"
        return f"{how} sweep over a {self.design} sample in {self.chunks} chunk(s)"

    def __len__(self) -> int:
        return len(next(iter(self.samples.values()))) if self.samples else 0

    def to_frame(self) -> pd.DataFrame:
        """One row per sampled point: the parameter values, then the outputs."""
        import pandas as pd
        columns = {**{k: np.asarray(v) for k, v in self.samples.items()},
                   **{k: np.asarray(v) for k, v in self.outputs.items()}}
        return pd.DataFrame(columns)

    def summary(self) -> pd.DataFrame:
        """Mean, 10th, 50th and 90th percentiles of each numeric output."""
        import pandas as pd
        rows = {}
        for name, values in self.outputs.items():
            v = np.asarray(values)
            if v.dtype.kind in "fiub" and v.ndim == 1:
                v = v.astype(float)
                rows[name] = {"mean": np.nanmean(v), "p10": np.nanpercentile(v, 10),
                              "p50": np.nanpercentile(v, 50), "p90": np.nanpercentile(v, 90)}
        return pd.DataFrame(rows).T

    def caption(self) -> str:
        how = "vectorised" if self.vectorised else "point by point"
        return (f"sweep: {len(self)} points, {self.design}, seed={self.seed}, {how}, "
                f"{self.chunks} chunk(s)")

    def __str__(self) -> str:
        import pandas as pd
        summary = self.summary()
        with pd.option_context("display.float_format", "{:.6g}".format):
            body = summary.to_string() if len(summary) else "(no numeric outputs)"
        return f"{body}\n{self.caption()}"

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_() + f"<p><small>{text(self.caption())}</small></p>"


def sweep(function: Callable[..., Any], parameters: ParameterSet | None = None, *,
          draws: int | None = None, seed: int | None = 0,
          grid: Mapping[str, int | Sequence[float]] | None = None,
          sample: Mapping[str, Sequence[float]] | None = None,
          executor: Executor | None = None, chunk_size: int | None = None,
          vectorised: bool | None = None, progress: bool | None = None,
          description: str = "sweep", jobs: int | None = 1) -> SweepResult:
    """Evaluate ``function`` at every point of a parameter sample; return samples and outputs.

    ``function`` takes parameters as keyword arguments (it may name only those it needs) and
    returns a number or a dict of numbers. Give either ``draws`` (seeded Monte Carlo) or
    ``grid`` (axes as in :meth:`ParameterSet.grid`), or a ready ``sample`` (arrays of equal
    length by name, e.g. draws a caller adjusted; ``parameters`` may then be None). With ``vectorised=None`` the function is
    first tried on whole arrays and, if that fails or returns the wrong shape, called point by
    point. ``executor`` spreads chunks of ``chunk_size`` points over its workers (the function
    must then be picklable: define it at module level); ``jobs`` instead spreads them over that
    many forked worker processes (0: one per core; :func:`games.parallel.process_map`, for
    which nothing need pickle but the outputs). ``progress`` shows a progress bar
    (``None``: only when the run takes more than a second). The same seed gives the same
    draws whatever the chunking:

    >>> from games import Parameter, ParameterSet
    >>> ps = ParameterSet([Parameter("a", 1.0, range=(0.0, 2.0)), Parameter("b", 3.0)])
    >>> whole = sweep(lambda a, b: a * b, ps, draws=50, seed=1)
    >>> chunked = sweep(lambda a, b: a * b, ps, draws=50, seed=1, chunk_size=7)
    >>> bool((whole.outputs["value"] == chunked.outputs["value"]).all()), chunked.chunks
    (True, 8)
    """
    if sum(x is not None for x in (draws, grid, sample)) != 1:
        raise ParameterError("give exactly one of draws=N (Monte Carlo), grid={name: points} "
                             "or sample={name: array}")
    if sample is None and not isinstance(parameters, ParameterSet):
        raise ParameterError("sweep needs a ParameterSet; build one with ParameterSet([...])")
    if sample is not None:
        sample = {k: np.asarray(v, dtype=float).ravel() for k, v in sample.items()}
        if not sample or len({len(v) for v in sample.values()}) != 1:
            raise ParameterError("sample must map names to arrays of one common length")
        design = "given sample"
    elif grid is not None:
        sample = parameters.grid(**grid)
        design = "grid over " + ", ".join(grid)
    else:
        sample = parameters.sample(draws, seed)
        design = "Monte Carlo"
    n = len(next(iter(sample.values()))) if sample else int(draws or 1)
    if n > MAX_POINTS:
        raise ParameterError(f"sweep of {n:,} points exceeds the limit of {MAX_POINTS:,}; "
                             "use fewer draws or a coarser grid")
    wanted = _wanted_arguments(function, sample)
    sample_for_call = {k: sample[k] for k in wanted}
    if vectorised is None:
        vectorised = _works_on_arrays(function, sample_for_call)
    workers = 1 if executor is not None else jobs_for(jobs, n)
    size = chunk_size or (n if executor is None and workers == 1 and vectorised
                          else max(1, min(n, 2_000)))
    if size < 1:
        raise ParameterError(f"chunk_size must be positive, got {chunk_size}")
    bounds = [(i, min(i + size, n)) for i in range(0, n, size)]
    pieces = [{k: v[a:b] for k, v in sample_for_call.items()} for a, b in bounds]
    with progress_ticks(len(pieces), progress, description, "chunk") as tick:
        if executor is None:  # in turn, or on forked workers (jobs)
            results = process_map(lambda piece: _evaluate_chunk(function, piece, vectorised),
                                  pieces, workers, done=tick)
        else:
            futures = [executor.submit(_evaluate_chunk, function, piece, vectorised)
                       for piece in pieces]
            results = []
            for index, future in enumerate(futures):
                results.append(result_of(future))
                if tick is not None:
                    tick(index)
    outputs = {k: np.concatenate([r[k] for r in results]) for k in results[0]}
    return SweepResult(samples=sample, outputs=outputs, design=design,
                       seed=seed if draws is not None else None, vectorised=vectorised,
                       chunks=len(pieces), settings={"chunk_size": size,
                                                     "executor": type(executor).__name__ if executor else None,
                                                     "jobs": workers})


def _wanted_arguments(function: Callable[..., Any], sample: Mapping[str, np.ndarray]) -> list[str]:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return list(sample)
    params = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return list(sample)
    names = [p.name for p in params if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                  inspect.Parameter.KEYWORD_ONLY)]
    required = [p.name for p in params if p.default is inspect.Parameter.empty
                and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)]
    missing = [name for name in required if name not in sample]
    if missing:
        raise ParameterError(f"the swept function needs {', '.join(missing)}, which are not "
                             f"parameters; known parameters: {', '.join(sample)}")
    return [name for name in names if name in sample]


def _as_columns(value: Any, n: int) -> dict[str, np.ndarray]:
    if isinstance(value, Mapping):
        out = {}
        for key, column in value.items():
            array = np.asarray(column)
            out[str(key)] = np.broadcast_to(array, (n,)).copy() if array.ndim == 0 else array
        return out
    array = np.asarray(value)
    return {"value": np.broadcast_to(array, (n,)).copy() if array.ndim == 0 else array}


def _works_on_arrays(function: Callable[..., Any], sample: Mapping[str, np.ndarray]) -> bool:
    probe = {k: v[:3] for k, v in sample.items()}
    n = len(next(iter(probe.values()))) if probe else 1
    try:
        columns = _as_columns(function(**probe), n)
    except Exception:  # noqa: BLE001 - any failure on arrays means: call point by point
        return False
    return all(c.shape[:1] == (n,) for c in columns.values())


def _evaluate_chunk(function: Callable[..., Any], piece: Mapping[str, np.ndarray],
                    vectorised: bool) -> dict[str, np.ndarray]:
    n = len(next(iter(piece.values()))) if piece else 1
    if vectorised:
        columns = _as_columns(function(**piece), n)
        for key, column in columns.items():
            if column.shape[:1] != (n,):
                raise ParameterError(f"the swept function returned {column.shape} for output "
                                     f"{key!r} on {n} points; return one value per point")
        return columns
    rows = [_as_columns(function(**{k: v[i].item() for k, v in piece.items()}), 1)
            for i in range(n)]
    return {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}
