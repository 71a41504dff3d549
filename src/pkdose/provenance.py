"""Where numbers come from.

A :class:`Source` names a publication (or dataset) with table and page; a model's default
parameter values and every shipped constant carry one, so that a report can print an appendix
of every cited number a run used.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Source", "Cited"]


@dataclass(frozen=True)
class Source:
    """A citation: the publication, and where in it the number stands.

    Examples
    --------
    >>> Source("ICRP Publication 137", table="13.3", page="262")
    Source(citation='ICRP Publication 137', table='13.3', page='262', note='', licence='')
    >>> str(Source("ICRP Publication 137", table="13.3", page="262"))
    'ICRP Publication 137, Table 13.3, p. 262'
    """

    citation: str
    table: str = ""
    page: str = ""
    note: str = ""
    licence: str = ""

    def __str__(self) -> str:
        parts = [self.citation]
        if self.table:
            parts.append(f"Table {self.table}")
        if self.page:
            parts.append(f"p. {self.page}")
        text = ", ".join(parts)
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class Cited:
    """A value with its unit (as text) and source."""

    value: float
    unit: str
    source: Source

    def __float__(self) -> float:
        return float(self.value)
