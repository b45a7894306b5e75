"""Sums over months of the NB2 log-gamma, digamma and trigamma terms, from tables of counts.

For an integer count y, log Gamma(y + t) - log Gamma(t) = sum_{k<y} log(t + k),
and the digamma and trigamma differences are the sums of 1 / (t + k) and
-1 / (t + k)^2. Summed over the months of one series, with N_k the number of
months whose count exceeds k:

    sum_i [lgamma(y_i + t) - lgamma(t) - y_i log t] = sum_k N_k log1p(k / t)
    sum_i [digamma(y_i + t) - digamma(t)]           = sum_k N_k / (t + k)
    sum_i [trigamma(y_i + t) - trigamma(t)]         = -sum_k N_k / (t + k)^2

so a step in theta costs one pass over k < K instead of series expansions of
the special functions at every month. Counts above K add their exact
differences from K on, month by month (:func:`digamma_trigamma`,
:func:`lgamma_ratio`). K is chosen per batch to make the work smallest; counts
that are not integers use K = 0 (every month by the special functions).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from trends.models.families import digamma_trigamma, lgamma_ratio

# one month above K costs about this many table entries (measured on the batched fitter)
_MONTH_COST = 7.0
_MAX_TABLE = 4096


def _table_size(counts: np.ndarray, rows: int) -> int:
    """K minimising rows * K + _MONTH_COST * #{counts > K} (0 when counts are not integers)."""
    if counts.size == 0 or not np.all(np.isfinite(counts)):
        return 0
    top = float(counts.max())
    if float(counts.min()) < 0.0 or not np.array_equal(counts, np.floor(counts)):
        return 0
    top_int = int(min(top, 10 * _MAX_TABLE))
    tally = np.bincount(np.minimum(counts, top_int).astype(np.intp).ravel(), minlength=top_int + 1)
    above = tally.sum() - np.cumsum(tally)  # above[k] = #{counts > k}
    cost = rows * np.arange(top_int + 1, dtype=float) + _MONTH_COST * above
    size = int(np.argmin(cost[: _MAX_TABLE + 1]))
    return size


class GammaSums:
    """The per-series sums of an NB2 batch of count series ``Y`` (..., B, n) for K x B problems.

    ``Y`` holds one set of series shared by the K designs, shape (B, n), or one
    per design, (K, B, n). Problems are (K, B); :meth:`take` keeps some columns
    of B (problems that are still being fitted).

    Examples
    --------
    >>> from scipy import special
    >>> y = np.array([[0.0, 3.0, 7.0, 40.0]])
    >>> sums = GammaSums(y, (1, 1))
    >>> theta = np.array([[2.5]])
    >>> direct = np.sum(special.gammaln(y + 2.5) - special.gammaln(2.5) - y * np.log(2.5))
    >>> bool(np.isclose(sums.loggamma(theta)[0, 0], direct, rtol=1e-13))
    True

    """

    def __init__(self, Y: np.ndarray, problems: tuple[int, int]) -> None:
        self.designs, self.columns = problems
        self.shared = Y.ndim == 2
        rows = Y.shape[0] if self.shared else Y.shape[0] * Y.shape[1]
        self.size = _table_size(Y, rows)
        size = self.size
        if size > 0:
            flat = np.minimum(Y, size).astype(np.intp).reshape(-1, Y.shape[-1])
            index = flat + (size + 1) * np.arange(flat.shape[0])[:, None]
            tally = np.bincount(index.ravel(), minlength=flat.shape[0] * (size + 1))
            tally = tally.reshape(flat.shape[0], size + 1)
            exceed = np.cumsum(tally[:, ::-1], axis=1)[:, ::-1][:, 1:]  # N_k, k < size
            self.table = exceed.astype(float).reshape((*Y.shape[:-1], size))
        else:
            self.table = np.zeros((*Y.shape[:-1], 0))
        self.k = np.arange(size, dtype=float)
        # without a table (high or non-integer counts) every month is summed as it is
        self.counts = Y if size == 0 else None
        # months above the table: flat problem number (in K x B) and count
        big = np.broadcast_to(Y > size if size else False, (self.designs, *Y.shape[-2:]))
        where = np.nonzero(big)
        self.ids = where[0] * self.columns + where[1]
        self.excess = np.broadcast_to(Y, big.shape)[where] - size

    def take(self, keep: np.ndarray) -> GammaSums:
        """The sums of the columns ``keep`` (boolean over B) only."""
        out = object.__new__(GammaSums)
        out.designs, out.shared, out.size, out.k = self.designs, self.shared, self.size, self.k
        out.columns = int(keep.sum())
        out.counts = None if self.counts is None else self.counts[..., keep, :]
        out.table = self.table[..., keep, :]
        renumber = np.full(self.columns, -1)
        renumber[keep] = np.arange(out.columns)
        design, column = np.divmod(self.ids, self.columns)
        column = renumber[column]
        stays = column >= 0
        out.ids = design[stays] * out.columns + column[stays]
        out.excess = self.excess[stays]
        return out

    def pick(self, flat: np.ndarray) -> GammaSums:
        """The sums of the problems numbered ``flat`` in K x B (repeats allowed), as one row.

        The result has the problems (1, len(flat)), each with its months in the
        order they have here, so its sums are bit for bit those of this batch.
        """
        out = object.__new__(GammaSums)
        out.designs, out.columns, out.shared = 1, len(flat), False
        out.size, out.k = self.size, self.k
        # a table (and counts) shared by the designs has one row per column
        row = flat % self.columns if self.shared else flat
        rows = self.columns if self.shared else self.designs * self.columns
        out.table = self.table.reshape(rows, self.size)[row][None]
        if self.counts is None:
            out.counts = None
        else:
            out.counts = self.counts.reshape(rows, self.counts.shape[-1])[row][None]
        # ``ids`` is sorted, so each problem's months above the table are one run of it
        start = np.searchsorted(self.ids, flat, "left")
        runs = np.searchsorted(self.ids, flat, "right") - start
        first = np.cumsum(runs) - runs
        at = np.repeat(start - first, runs) + np.arange(runs.sum())
        out.ids = np.repeat(np.arange(len(flat)), runs)
        out.excess = self.excess[at]
        return out

    def _rows(self, which: tuple[np.ndarray, ...] | None) -> np.ndarray:
        if which is None:
            return self.table
        return self.table[which[1]] if self.shared else self.table[which]

    def _by_problem(self, values: np.ndarray,
                    which: tuple[np.ndarray, ...] | None = None) -> np.ndarray:
        total = np.bincount(self.ids, weights=values, minlength=self.designs * self.columns)
        total = total.reshape(self.designs, self.columns)
        return total if which is None else total[which]

    def log_factorials(self) -> np.ndarray:
        """sum_i log(y_i!) of each series (the shape of Y without its last axis)."""
        if self.counts is not None:
            return np.sum(special.gammaln(self.counts + 1.0), axis=-1)
        out = self.table @ np.log1p(self.k)
        if self.ids.size:
            part = special.gammaln(self.excess + self.size + 1.0) - special.gammaln(self.size + 1.0)
            total = np.bincount(self.ids, weights=part, minlength=self.designs * self.columns)
            total = total.reshape(self.designs, self.columns)
            out = out + (total[0] if self.shared else total)
        return out

    def loggamma(self, theta: np.ndarray,
                 which: tuple[np.ndarray, ...] | None = None) -> np.ndarray:
        """sum_i [lgamma(y_i + theta) - lgamma(theta) - y_i log theta] of each problem.

        ``theta`` has the problems' shape (K, B); with ``which`` (indices into
        (K, B)) only those problems, with ``theta`` their values.
        """
        if self.counts is not None:
            y = self.counts if which is None else np.broadcast_to(
                self.counts, (self.designs, self.columns, self.counts.shape[-1]))[which]
            th_y = np.asarray(theta)[..., None]
            return np.sum(lgamma_ratio(y, th_y) - y * np.log(th_y), axis=-1)
        out = np.zeros(np.shape(theta))
        if self.size > 0:
            terms = np.log1p(self.k * (1.0 / theta)[..., None])
            out += np.einsum("...k,...k->...", self._rows(which), terms)
        if self.ids.size:
            if which is None:
                ids, th_m, excess = self.ids, theta.reshape(-1)[self.ids], self.excess
            else:  # the months above the table of the problems in ``which`` only
                number = np.full(self.designs * self.columns, -1)
                number[np.ravel_multi_index(which, (self.designs, self.columns))] = np.arange(
                    np.size(theta))
                ids = number[self.ids]
                mine = ids >= 0
                ids, excess = ids[mine], self.excess[mine]
                th_m = np.asarray(theta)[ids]
            part = lgamma_ratio(excess, self.size + th_m) - excess * np.log(th_m)
            if which is None:
                out += self._by_problem(part)
            else:
                out += np.bincount(ids, weights=part, minlength=np.size(theta))
        return out

    def digammas(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """sum_i [digamma(y_i + theta) - digamma(theta)] and the same of trigamma, (K, B) each."""
        if self.counts is not None:
            dig, tri = digamma_trigamma(self.counts + theta[..., None])
            n = self.counts.shape[-1]
            return (dig.sum(axis=-1) - n * special.digamma(theta),
                    tri.sum(axis=-1) - n * special.polygamma(1, theta))
        first = np.zeros(theta.shape)
        second = np.zeros(theta.shape)
        if self.size > 0:
            inv = 1.0 / (theta[..., None] + self.k)
            weighted = self.table * inv
            first += weighted.sum(axis=-1)
            weighted *= inv
            second -= weighted.sum(axis=-1)
        if self.ids.size:
            # one call for both arguments: the arrays are small and the calls' overhead counts
            th = theta.reshape(-1)
            dig, tri = digamma_trigamma(
                np.concatenate([self.size + th, self.excess + self.size + th[self.ids]]))
            top = th.size
            first += self._by_problem(dig[top:] - dig[:top][self.ids])
            second += self._by_problem(tri[top:] - tri[:top][self.ids])
        return first, second
