"""Long lists of names in a sentence or a chart's subtitle: the first few and a count."""

from __future__ import annotations


def some_names(names: list[str], most: int = 12, where: str = "; see the table") -> str:
    """The names, or the first five and how many more when there are over ``most``.

    ``where`` says where the rest are ("" for a chart that stands alone).

    Examples
    --------
    >>> some_names(["a", "b"]), some_names([f"r{i}" for i in range(40)])
    ('a, b', 'r0, r1, r2, r3, r4 and 35 more (40 regions; see the table)')

    """
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[:5])} and {len(names) - 5} more ({len(names)} regions{where})"
