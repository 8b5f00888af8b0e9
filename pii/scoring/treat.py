"""Outlier treatment: skew/kurtosis check, step-wise winsorisation, log fallback.

Verified against COINr's source (bluefoxr/COINr ``R/treat.R``, the 1.1.x version
that has ``log_CT_plus`` and wraps ``Treat.numeric`` in ``tryCatch``):

* ``skew()``/``kurt()`` are e1071 type 2, i.e. Excel's SKEW and KURT (bias
  corrected; kurtosis is *excess*): ``g1*sqrt(n(n-1))/(n-2)`` and
  ``((n+1)(r-3)+6)(n-1)/((n-2)(n-3))`` with ``r = n*sum(d^4)/sum(d^2)^2``.
  NAs are dropped (``na.rm = TRUE`` in the default specs).
* ``check_SkewKurt`` *passes* when ``abs(skew) < skew_thresh OR kurt < kurt_thresh``,
  so an indicator is treated only when ``abs(skew) >= s AND kurt >= k``
  (COINr's defaults: s = 2, k = 3.5).
* ``Treat.data.frame`` defaults: f1 = ``winsorise`` (winmax 5, s 2, k 3.5),
  f2 = ``log_CT``, ``combine_treat = FALSE``: if winsorising does not pass,
  f2 is applied to the ORIGINAL (untreated) values, and the f2 result is kept
  even if it still fails the check.
* ``winsorise``: while failing and ``nwin < winmax``: if ``skew(x) >= 0``
  (recomputed on the current values) every value tied at the maximum takes the
  largest remaining value, else every value tied at the minimum takes the
  smallest remaining one; ``nwin`` is the size of the last tie group replaced,
  which is also the number of points changed so far because earlier winsorised
  points stay tied at the extreme. A tie group can push ``nwin`` past
  ``winmax``. ``winmax = 0`` skips straight to the log.
* If the check is undefined (fewer than 4 values, or no spread) at any stage,
  COINr returns the untreated vector; so do we (logged as "untreated").
* ``log_CT``: ``log(x - min + 0.01 (max - min))``. COINr's ``log_GII`` in 1.1.x
  computes the GII formula but returns the untransformed ``x`` (a bug), so the
  GII log here is the formula itself: ``ln[(max-1)(x-min)/(max-min) + 1]``
  (note it reverses direction when max < 1). ``log_CT_plus`` mirrors log_CT for
  negative skew: ``-log(max + a - x)``.

Published COINr values these reproduce are tested in test_scoring_treat.py;
the same R functions, run in R 4.2.2 on 800 random vectors (ties, NAs, both
skew signs, winmax 2 and 5), gave results identical to ``treat_vector``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pii.scoring.steplog import LogEntry

STEP = "treat"
LOG_KINDS = ("ct", "gii", "ct_plus")


@dataclass(frozen=True)
class TreatSpec:
    """Treatment settings. ``log=None`` stops after winsorising (no second stage)."""

    winmax: int | None = 5
    skew_thresh: float = 2.0
    kurt_thresh: float = 3.5
    log: str | None = "ct"

    def __post_init__(self) -> None:
        if self.log is not None and self.log not in LOG_KINDS:
            raise ValueError(f"log must be one of {LOG_KINDS} or None, got {self.log!r}")


COINR_TREAT = TreatSpec(winmax=5, skew_thresh=2.0, kurt_thresh=3.5, log="ct")
GII_TREAT = TreatSpec(winmax=5, skew_thresh=2.25, kurt_thresh=3.5, log="gii")


def skew(x: np.ndarray) -> float:
    """Bias-corrected sample skewness (Excel SKEW); NaN if < 3 values or no spread."""
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 3 or v.max() == v.min():
        return float("nan")
    d = v - v.mean()
    with np.errstate(divide="ignore", invalid="ignore"):  # underflowing spread -> NaN, as in R
        g1 = np.sqrt(n) * np.sum(d**3) / np.sum(d**2) ** 1.5
    return float(g1 * np.sqrt(n * (n - 1)) / (n - 2))


def kurt(x: np.ndarray) -> float:
    """Bias-corrected excess kurtosis (Excel KURT); NaN if < 4 values or no spread."""
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 4 or v.max() == v.min():
        return float("nan")
    d = v - v.mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        r = n * np.sum(d**4) / np.sum(d**2) ** 2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def check_skew_kurt(x: np.ndarray, skew_thresh: float, kurt_thresh: float) -> tuple[bool | None, float, float]:
    """COINr's pass rule with R's three-valued OR: (pass or None if undefined, skew, kurt)."""
    sk, kt = skew(x), kurt(x)
    a = None if np.isnan(sk) else bool(abs(sk) < skew_thresh)
    b = None if np.isnan(kt) else bool(kt < kurt_thresh)
    if a is True or b is True:
        return True, sk, kt
    if a is None or b is None:
        return None, sk, kt
    return False, sk, kt


def winsorise(
    x: np.ndarray, winmax: int | None, skew_thresh: float, kurt_thresh: float
) -> tuple[np.ndarray | None, int, np.ndarray]:
    """Step-wise winsorisation as COINr's ``winsorise``.

    Returns (values or None if the check became undefined, points changed,
    flags: +1 winsorised from the top, -1 from the bottom, 0 untouched).
    """
    v = np.array(x, dtype=float, copy=True)
    present = ~np.isnan(v)
    imax = imin = np.zeros(v.size, dtype=bool)
    nwin = 0
    passing, _, _ = check_skew_kurt(v, skew_thresh, kurt_thresh)
    while passing is False and (winmax is None or nwin < winmax):
        if skew(v) >= 0:
            imax = present & (v == np.nanmax(v))
            v[imax] = np.max(v[present & ~imax])
        else:
            imin = present & (v == np.nanmin(v))
            v[imin] = np.min(v[present & ~imin])
        # COINr counts the latest tie groups; they include every earlier winsorised point
        nwin = int(imax.sum() + imin.sum())
        passing, _, _ = check_skew_kurt(v, skew_thresh, kurt_thresh)
    if passing is None:
        return None, nwin, np.zeros(v.size, dtype=int)
    flags = imax.astype(int) - imin.astype(int)
    return v, nwin, flags


def log_ct(x: np.ndarray) -> np.ndarray:
    """COINr ``log_CT``: ln(x - min + 0.01 (max - min))."""
    lo, hi = np.nanmin(x), np.nanmax(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x - lo + 0.01 * (hi - lo))


def log_gii(x: np.ndarray) -> np.ndarray:
    """GII log: ln[(max - 1)(x - min)/(max - min) + 1]."""
    lo, hi = np.nanmin(x), np.nanmax(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log((hi - 1) * (x - lo) / (hi - lo) + 1)


def log_ct_plus(x: np.ndarray) -> np.ndarray:
    """COINr ``log_CT_plus``: log_CT for positive skew, -ln(max + a - x) otherwise."""
    lo, hi = np.nanmin(x), np.nanmax(x)
    a = 0.01 * (hi - lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        if skew(x) > 0:
            return np.log(x - lo + a)
        return -np.log(hi + a - x)


_LOGS = {"ct": log_ct, "gii": log_gii, "ct_plus": log_ct_plus}


@dataclass(frozen=True)
class TreatResult:
    """Treated values of one indicator plus what happened (for the log)."""

    x: np.ndarray
    action: str
    nwin: int
    flags: np.ndarray
    skew_raw: float
    kurt_raw: float
    skew_win: float | None = None
    kurt_win: float | None = None
    skew_log: float | None = None
    kurt_log: float | None = None
    passed: bool | None = None


def treat_vector(x: np.ndarray, spec: TreatSpec = COINR_TREAT) -> TreatResult:
    """Treat one indicator (COINr ``Treat.numeric`` with winsorise / log)."""
    x = np.asarray(x, dtype=float)
    none_flags = np.zeros(x.size, dtype=int)
    pass0, sk0, kt0 = check_skew_kurt(x, spec.skew_thresh, spec.kurt_thresh)
    if pass0 is None:
        return TreatResult(x, "untreated: skew/kurtosis undefined", 0, none_flags, sk0, kt0)
    if pass0:
        return TreatResult(x, "none: passes", 0, none_flags, sk0, kt0, passed=True)
    x1, nwin, flags = winsorise(x, spec.winmax, spec.skew_thresh, spec.kurt_thresh)
    if x1 is None:
        return TreatResult(x, "untreated: skew/kurtosis undefined after winsorising", 0, none_flags, sk0, kt0)
    pass1, sk1, kt1 = check_skew_kurt(x1, spec.skew_thresh, spec.kurt_thresh)
    if pass1 or spec.log is None:
        action = "winsorised" if pass1 else "winsorised: still fails"
        return TreatResult(x1, action, nwin, flags, sk0, kt0, sk1, kt1, passed=pass1)
    # second stage on the UNTREATED values (COINr combine_treat = FALSE)
    x2 = _LOGS[spec.log](x)
    pass2, sk2, kt2 = check_skew_kurt(x2, spec.skew_thresh, spec.kurt_thresh)
    if pass2 is None:
        return TreatResult(
            x, f"untreated: log_{spec.log} gave undefined skew/kurtosis", 0, none_flags, sk0, kt0, sk1, kt1, sk2, kt2
        )
    action = f"log_{spec.log}" + ("" if pass2 else ": still fails")
    flags2 = np.where(np.isnan(x), 0, 2)
    return TreatResult(x2, action, nwin, flags2, sk0, kt0, sk1, kt1, sk2, kt2, passed=pass2)


def treat(
    x: np.ndarray, codes: Sequence[str], spec: TreatSpec | None = COINR_TREAT
) -> tuple[np.ndarray, list[LogEntry], np.ndarray]:
    """Treat each column; returns (treated matrix, log, point flags matrix).

    Flags: +1/-1 winsorised high/low, 2 log-transformed, 0 untouched.
    ``spec=None`` switches treatment off (values copied unchanged).
    """
    out = np.array(x, dtype=float, copy=True)
    flags = np.zeros(x.shape, dtype=int)
    if spec is None:
        return out, [], flags
    log: list[LogEntry] = []
    for j, code in enumerate(codes):
        res = treat_vector(x[:, j], spec)
        out[:, j] = res.x
        flags[:, j] = res.flags
        log.append(treat_log_entry(code, res))
    return out, log, flags


def treat_log_entry(code: str, res: TreatResult) -> LogEntry:
    n_aff = int(np.count_nonzero(res.flags))
    return LogEntry(
        STEP,
        code,
        res.action,
        n_aff,
        _detail(res),
        {
            "skew_raw": res.skew_raw,
            "kurt_raw": res.kurt_raw,
            "n_winsorised": float(res.nwin),
            "skew_winsorised": res.skew_win,
            "kurt_winsorised": res.kurt_win,
            "skew_log": res.skew_log,
            "kurt_log": res.kurt_log,
        },
    )


def _detail(res: TreatResult) -> str:
    if res.action.startswith("winsorised"):
        hi, lo = int((res.flags == 1).sum()), int((res.flags == -1).sum())
        return f"{res.nwin} point(s) winsorised ({hi} high, {lo} low)"
    if res.action.startswith("log"):
        return "winsorising up to winmax did not pass; log of the untreated values"
    return ""
