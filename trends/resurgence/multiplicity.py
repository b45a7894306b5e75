"""Several regions asked the same question: Holm-adjusted verdicts."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd

from trends.errors import ModelWarning
from trends.resurgence.checks import decide_from, p_value_for
from trends.resurgence.verdict import Assessment, with_words


def adjust_for_regions(results: list[Assessment]) -> list[Assessment]:
    """Holm-adjust the verdicts of several regions asked the same question.

    The p-values in the direction asked, and those in the other direction,
    are each adjusted across the regions whose test ran (Holm's step-down
    method), also those a flag makes "cannot tell"; the verdicts are decided
    again with them, and the sentence says how many regions were allowed for. Intervals stay 95%
    intervals for each region alone.
    """
    # every region whose test ran counts, also those whose verdict a flag then blocked:
    # leaving them out would choose the family after seeing the data
    tested = [r for r in results if r.test is not None]
    count = len(tested)
    if count < 2:
        return results
    direction = tested[0].direction
    asked = holm([p_value_for(r.test, direction) for r in tested])  # type: ignore[arg-type]
    other = holm([p_value_for(r.test, direction, opposite=True) for r in tested])  # type: ignore[arg-type]
    adjusted = {}
    for r, p, q in zip(tested, asked, other, strict=True):
        assert r.test is not None
        if r.verdict == "cannot_tell":  # its sentence gives the reason, not a p-value
            adjusted[id(r)] = replace(r, p_value=p, regions_tested=count)
            continue
        if r.verdict == "no_change":  # adjusted p-values are larger: it stays
            verdict = r.verdict
        elif direction == "rise":
            verdict = decide_from(p, q, r.test.level.estimate, direction)
        elif direction == "fall":
            verdict = decide_from(q, p, r.test.level.estimate, direction)
        else:
            verdict = decide_from(p / 2, p / 2, r.test.level.estimate, direction)
        adjusted[id(r)] = with_words(replace(r, verdict=verdict, p_value=p,
                                              p_value_against=min(1.0, 2.0 * q),
                                              regions_tested=count))
    # a region with no test is in the family too: its regions_tested says of how many
    return [adjusted.get(id(r), replace(r, regions_tested=count)) for r in results]


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given.

    Examples
    --------
    >>> [round(p, 3) for p in holm([0.01, 0.04, 0.03])]
    [0.03, 0.06, 0.06]

    """
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    out = [0.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        out[i] = running
    return out


def replicates_note(bootstrap: int, regions: int, alpha: float = 0.05) -> str:
    """A warning when too few bootstrap replicates let no region pass Holm's adjustment.

    The smallest bootstrap p-value is 1 / (B + 1), so with m regions the
    smallest Holm-adjusted p-value is m / (B + 1); above ``alpha`` no region
    can be found to change, whatever the data.

    Examples
    --------
    >>> replicates_note(999, 15)
    ''
    >>> replicates_note(199, 15).split(": ")[0]
    'With 199 replicates and 15 regions the smallest Holm-adjusted p-value is 0.075'

    """
    smallest = regions / (bootstrap + 1)
    if bootstrap <= 0 or regions < 2 or smallest <= alpha:
        return ""
    needed = int(regions / alpha)
    return (f"With {bootstrap} replicates and {regions} regions the smallest Holm-adjusted "
            f"p-value is {min(smallest, 1.0):.3g}: no region can pass {alpha:g} whatever the "
            f"data; use at least --bootstrap {needed}")


def warn_replicates(bootstrap: int, regions: int) -> None:
    """Warn (:class:`~trends.errors.ModelWarning`) with :func:`replicates_note`, if it applies.

    The warning reaches a ``--json`` run and a notebook, where no summary is printed.
    """
    note = replicates_note(bootstrap, regions)
    if note:
        warnings.warn(note, ModelWarning, stacklevel=3)


def adjust_table(table: pd.DataFrame) -> np.ndarray:
    """Add ``p_value_holm`` and ``p_value_bh`` to a table of regions, over the rows with a p-value.

    Rows without one (a region not tested) get NaN. Returns which rows had a p-value.

    Examples
    --------
    >>> table = pd.DataFrame({"p_value": [0.01, np.nan, 0.04]})
    >>> adjust_table(table).tolist(), table["p_value_holm"].round(3).tolist()
    ([True, False, True], [0.02, nan, 0.04])

    """
    tested = table["p_value"].notna().to_numpy()
    table["p_value_holm"] = np.nan
    table["p_value_bh"] = np.nan
    if tested.any():
        pv = table.loc[tested, "p_value"].to_numpy(dtype=float)
        from statsmodels.stats.multitest import multipletests  # on use: 0.5 s import

        table.loc[tested, "p_value_holm"] = multipletests(pv, method="holm")[1]
        table.loc[tested, "p_value_bh"] = multipletests(pv, method="fdr_bh")[1]
    return tested
