"""The shape every result shares, so that a reader meets one convention everywhere.

A result is a frozen dataclass that answers five questions:

- ``tidy()``: its numbers, as a DataFrame (a copy; the one source the other
  views read from);
- ``summary()``: a readable text, returned, not printed;
- ``to_dict()``: JSON-safe (NaN becomes None), for the command line's ``--json``;
- ``_repr_html_()``: the notebook view, the summary and the tidy table with
  every piece of text escaped (:class:`ResultView` gives it);
- ``plot()``: an ``altair`` chart, a new one each time, free to restyle.

``tests/test_results_protocol.py`` runs every result class through it.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import pandas as pd


def smallest_p(replicates: int) -> str:
    """The note a bootstrap p-value's summary carries: the floor its replicates put on it.

    Examples
    --------
    >>> smallest_p(999)
    'the smallest p-value they can give is 0.001'
    >>> smallest_p(0)
    'no p-value without them'

    """
    if replicates <= 0:
        return "no p-value without them"
    return f"the smallest p-value they can give is {1 / (replicates + 1):.2g}"


def p_cell(p: float) -> str:
    """A p-value in a table: three decimals, so 1 and 0.551 line up; smaller ones in full.

    Examples
    --------
    >>> [p_cell(v) for v in (1.0, 0.0552, 0.001, 1.44e-13)]
    ['1.000', '0.055', '0.001', '1.4e-13']

    """
    return f"{p:.3f}" if p >= 0.0005 else f"{p:.2g}"


def regions_text(table: pd.DataFrame) -> str:
    """A by-region table as text, "-" where a region has no value (the lines below say why).

    p-value columns by :func:`p_cell`, other numbers to four figures.

    Examples
    --------
    >>> table = pd.DataFrame({"region": ["Homs", "Tartus"], "level_ratio": [0.06356, None],
    ...                       "p_value_holm": [1.0, None]})
    >>> print(regions_text(table))
    region  level_ratio p_value_holm
      Homs      0.06356        1.000
    Tartus            -            -

    """
    p_columns = {c: p_cell for c in table.columns if str(c).startswith("p_value")}
    return table.to_string(index=False, formatters=p_columns, na_rep="-",
                           float_format=lambda v: f"{v:.4g}")


@runtime_checkable
class Result(Protocol):
    """What every analysis returns (see the module notes)."""

    def tidy(self) -> pd.DataFrame:
        """The result's numbers."""
        ...

    def summary(self) -> str:
        """Readable text."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        ...

    def plot(self) -> Any:
        """An ``altair`` chart."""
        ...

    def _repr_html_(self) -> str: ...


class ResultView:
    """The notebook view every result shares: its summary and its tidy table, escaped.

    Examples
    --------
    >>> class Shown(ResultView):
    ...     def summary(self): return "<b>x</b>"
    ...     def tidy(self): return pd.DataFrame({"a": ["<i>"]})
    >>> "&lt;b&gt;" in Shown()._repr_html_() and "<i>" not in Shown()._repr_html_()
    True

    """

    def summary(self) -> str:  # pragma: no cover - every result defines it
        raise NotImplementedError

    def tidy(self) -> pd.DataFrame:  # pragma: no cover - every result defines it
        raise NotImplementedError

    def _repr_html_(self) -> str:
        from trends.escape import html_pre, html_table

        return html_pre(self.summary()) + html_table(self.tidy())
