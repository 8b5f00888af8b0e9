"""The Build ("coin"): named data sets plus the ordered log of every step.

Steps run in this order, each reading the previous data set and writing its
own: Raw -> Denominated -> Screened -> Imputed -> Treated -> Normalised ->
Aggregated. ``run(method)`` applies them all; the step methods can also be
called one by one (each returns the Build, so calls chain).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from pii.scoring.aggregate import AggregateSpec, aggregate
from pii.scoring.denominate import denominate
from pii.scoring.impute import ImputeSpec, impute
from pii.scoring.methods import Method, get_method
from pii.scoring.normalise import NormaliseSpec, normalise
from pii.scoring.results import ScoreResult
from pii.scoring.screen import screen_units
from pii.scoring.steplog import LogEntry, log_frame
from pii.scoring.structure import Structure
from pii.scoring.treat import TreatSpec, treat

DATASETS = ("Raw", "Denominated", "Screened", "Imputed", "Treated", "Normalised", "Aggregated")


class Build:
    """Holds the input data, the structure, every named data set and the log."""

    def __init__(self, idata: pl.DataFrame, structure: Structure | pl.DataFrame) -> None:
        st = structure if isinstance(structure, Structure) else Structure.from_imeta(structure)
        self.structure = st
        self.units_all, self.raw_all, self.denominators, self.group_columns = _split_idata(idata, st)
        self.reset()

    def reset(self) -> Build:
        """Forget every step; keep only the Raw data set."""
        self.data: dict[str, pl.DataFrame] = {"Raw": self._frame(self.raw_all, self.units_all)}
        self.entries: list[LogEntry] = []
        self.keep = np.ones(len(self.units_all), dtype=bool)
        self.flags = np.zeros(self.raw_all.shape, dtype=int)
        self.scores: dict[str, np.ndarray] = {}
        self._x = self.raw_all.copy()
        self._mats: dict[str, np.ndarray] = {"Raw": self.raw_all}
        self._done = "Raw"
        return self

    # ---- steps ---------------------------------------------------------

    def denominate(self, enabled: bool = True) -> Build:
        self._enter("Denominated")
        if enabled:
            self._x, log = denominate(self._x, self.structure.indicators, self.structure, self.denominators)
            self.entries += log
        return self._store("Denominated")

    def screen(self, threshold: float | None = None) -> Build:
        self._enter("Screened")
        keep, log = screen_units(self._x, self.units, threshold)
        self.keep[np.flatnonzero(self.keep)[~keep]] = False
        self._x = self._x[keep]
        self.entries += log
        return self._store("Screened")

    def impute(self, spec: str | ImputeSpec | None = None) -> Build:
        self._enter("Imputed")
        groups = {k: [v[i] for i in np.flatnonzero(self.keep)] for k, v in self.group_columns.items()}
        self._x, log = impute(self._x, self.structure.indicators, spec, groups)
        self.entries += log
        return self._store("Imputed")

    def treat(self, spec: TreatSpec | None = None) -> Build:
        self._enter("Treated")
        self._x, log, self.flags = treat(self._x, self.structure.indicators, spec)
        if spec is None:  # say so per indicator, so the log shows treatment was off rather than nothing
            log = [LogEntry("treat", c, "off", 0, "outlier treatment is off in this method")
                   for c in self.structure.indicators]
        self.entries += log
        return self._store("Treated")

    def normalise(self, spec: NormaliseSpec | None = None) -> Build:
        self._enter("Normalised")
        dirs = [self.structure.direction(c) for c in self.structure.indicators]
        self._x, log = normalise(self._x, self.structure.indicators, dirs, spec)
        self.entries += log
        return self._store("Normalised")

    def aggregate(self, spec: AggregateSpec | None = None) -> Build:
        self._enter("Aggregated")
        self.scores, log = aggregate(self._x, self.structure, spec)
        self.entries += log
        st = self.structure
        codes = [c for lev in range(1, st.n_levels + 1) for c in st.codes_at(lev)]
        frame = pl.DataFrame({"uCode": self.units, **{c: self.scores[c] for c in codes}})
        self.data["Aggregated"] = frame.with_columns(pl.col(c).fill_nan(None) for c in codes)
        self._done = "Aggregated"
        return self

    def run(self, method: str | Method = "coinr", **overrides: object) -> ScoreResult:
        """Apply every step with a named method (see methods.py); returns the result."""
        m = get_method(method, **overrides)
        self.reset()
        self.denominate(m.denominate).screen(m.screen_threshold).impute(m.impute)
        self.treat(m.treat).normalise(m.normalise).aggregate(m.aggregate)
        return self.result(m.name)

    # ---- outputs -------------------------------------------------------

    @property
    def units(self) -> list[str]:
        """Units still in the build (after screening)."""
        return [u for u, k in zip(self.units_all, self.keep, strict=True) if k]

    @property
    def log(self) -> pl.DataFrame:
        return log_frame(self.entries)

    def matrix(self, dataset: str) -> np.ndarray:
        """A data set's indicator matrix (units x indicators, structure order)."""
        return self._mats[dataset]

    def result(self, method_name: str = "") -> ScoreResult:
        if self._done != "Aggregated":
            raise RuntimeError("run every step up to aggregate() before asking for results")
        return ScoreResult(
            units=self.units,
            structure=self.structure,
            raw=self.raw_all[self.keep],
            screened=self._mats["Screened"],
            treated=self._mats["Treated"],
            scores=self.scores,
            log=self.log,
            data=dict(self.data),
            method=method_name,
        )

    # ---- internals -----------------------------------------------------

    def _enter(self, name: str) -> None:
        if DATASETS.index(name) != DATASETS.index(self._done) + 1:
            raise RuntimeError(
                f"step producing '{name}' must follow '{DATASETS[DATASETS.index(name) - 1]}'; "
                f"last data set is '{self._done}' (call reset() to start again)"
            )

    def _store(self, name: str) -> Build:
        self._mats[name] = self._x.copy()
        self.data[name] = self._frame(self._x, self.units)
        self._done = name
        return self

    def _frame(self, x: np.ndarray, units: Sequence[str]) -> pl.DataFrame:
        # missing values are nulls in the public frames (NaN only inside numpy)
        cols = {c: x[:, j] for j, c in enumerate(self.structure.indicators)}
        frame = pl.DataFrame({"uCode": list(units), **cols})
        return frame.with_columns(pl.col(c).fill_nan(None) for c in cols)


def _split_idata(
    idata: pl.DataFrame, st: Structure
) -> tuple[list[str], np.ndarray, dict[str, np.ndarray], dict[str, list[object]]]:
    """Units, indicator matrix, denominator columns and group columns of iData."""
    if "uCode" not in idata.columns:
        raise ValueError("iData has no 'uCode' column")
    units = [str(u) for u in idata["uCode"].to_list()]
    if any(u in ("", "None") for u in units):
        raise ValueError("iData column 'uCode' has empty values")
    dup = sorted({u for u in units if units.count(u) > 1})
    if dup:
        raise ValueError(f"iData column 'uCode' has duplicates: {dup}")
    missing = [c for c in st.indicators if c not in idata.columns]
    if missing:
        raise ValueError(f"iData has no column for indicator(s): {missing}")
    needed = {st.nodes[c].denominator for c in st.indicators} - {None}
    absent = sorted(d for d in needed if d not in idata.columns)  # type: ignore[type-var]
    if absent:
        raise ValueError(f"iData has no column for denominator(s): {absent}")
    x = np.column_stack([_numeric(idata, c) for c in st.indicators])
    dens = {d: _numeric(idata, d) for d in st.denominators if d in idata.columns}
    group_names = [g for g in st.groups if g in idata.columns]
    group_names += [c for c in idata.columns if c.startswith("Group_") and c not in group_names]
    groups = {g: idata[g].cast(pl.String).to_list() for g in group_names}
    return units, x, dens, groups


def _numeric(frame: pl.DataFrame, col: str) -> np.ndarray:
    try:
        s = frame[col].cast(pl.Float64, strict=True)
    except Exception as exc:  # polars raises several error types for bad casts
        raise ValueError(f"iData column '{col}' is not numeric") from exc
    return s.fill_null(np.nan).to_numpy().astype(float)
