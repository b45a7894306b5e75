"""The row log: every input row a rule dropped, changed or flagged, with its reason.

Nothing is lost silently: readers and the aggregation step append an entry
for each row they exclude or alter, and the command line writes the log with
``--rejects FILE`` and prints its counts on stderr.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

Action = Literal["dropped", "filtered", "merged", "changed", "note"]
ACTIONS: tuple[Action, ...] = ("dropped", "filtered", "merged", "changed", "note")
COLUMNS = ["file", "line", "incident_id", "action", "reason"]


@dataclass
class RowLog:
    """An append-only record of row-level decisions.

    Examples
    --------
    >>> log = RowLog()
    >>> log.add("a.csv", 7, "e1", "dropped", "date known only to the year")
    >>> log.counts()["dropped"]
    1

    """

    chunks: list[pd.DataFrame] = field(default_factory=list)

    def add(self, file: str, line: int, incident_id: str, action: Action, reason: str) -> None:
        """Record one decision about one input row."""
        self.chunks.append(
            pd.DataFrame([[file, int(line), str(incident_id), action, reason]], columns=COLUMNS)
        )

    def add_rows(self, rows: pd.DataFrame, action: Action, reason: str | pd.Series) -> None:
        """Record the same kind of decision for every row of a canonical table."""
        if rows.empty:
            return
        reasons = reason.to_numpy() if isinstance(reason, pd.Series) else reason
        self.chunks.append(
            pd.DataFrame(
                {
                    "file": rows["_file"].to_numpy(),
                    "line": rows["_line"].to_numpy(),
                    "incident_id": rows["incident_id"].to_numpy(),
                    "action": action,
                    "reason": reasons,
                }
            )
        )

    def extend(self, other: RowLog) -> None:
        """Append every entry of ``other``."""
        self.chunks.extend(other.chunks)

    def counts(self) -> dict[str, int]:
        """Number of entries per action, every action present."""
        frame = self.to_frame()
        return {a: int((frame["action"] == a).sum()) for a in ACTIONS}

    def to_frame(self) -> pd.DataFrame:
        """The log as a table in file and line order."""
        if not self.chunks:
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "line" else object) for c in COLUMNS}
            )
        frame = pd.concat(self.chunks, ignore_index=True)
        return frame.sort_values(["file", "line"], kind="stable").reset_index(drop=True)

    def summary(self) -> str:
        """One line of counts, for stderr."""
        return ", ".join(f"{n:,} {done(a)}" for a, n in self.counts().items())


def done(action: str) -> str:
    """An action as a past participle, for counts in words: "note" is "noted".

    Examples
    --------
    >>> done("note"), done("dropped")
    ('noted', 'dropped')

    """
    return "noted" if action == "note" else action
