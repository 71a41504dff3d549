"""The result of :func:`pkdose.simulate`: labelled arrays with declared fields."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..errors import UnknownNameError
from ..model.compartment_model import CompartmentModel
from ..model.dosing import Regimen

__all__ = ["Solution"]


@dataclass(frozen=True)
class Solution:
    """Activities, excretion and time-integrated activities of one simulation.

    Attributes
    ----------
    activity : xarray.DataArray
        ``(sample, time, compartment, nuclide)``: activity [MBq] in each body compartment.
    excreted : xarray.DataArray
        ``(sample, time, sink, nuclide)``: cumulative excreted activity [MBq] still present at
        each time (excreta keep decaying after excretion, as ICRP tables count them).
    cumulative_tia : xarray.DataArray
        ``(sample, time, compartment, nuclide)``: ∫₀ᵗ activity dt [MBq·h].
    tia_infinity : xarray.DataArray or None
        ``(sample, compartment, nuclide)``: ∫₀^∞ activity dt [MBq·h] (exact linear path, all
        nuclides decaying, no input after the last time), else None.
    mass_balance : xarray.DataArray
        ``(sample, time, nuclide)``: (administered + ingrown − present − excreted − decayed),
        counted in atoms, divided by all atoms of that nuclide administered or ingrown up to the
        last output time. Zero up to the solver's accuracy.
    method : str
        The solver used: ``"exact-eigen"``, ``"exact-expm"``, ``"exact"`` (mixed) or the stiff method.
    nfev : int
        Right-hand side evaluations (stiff) or matrix exponentials evaluated (exact).
    parameters : xarray.DataArray
        ``(sample, parameter)``: the parameter values used [canonical units].
    """

    model: CompartmentModel
    regimen: Regimen
    activity: xr.DataArray
    excreted: xr.DataArray
    cumulative_tia: xr.DataArray
    tia_infinity: xr.DataArray | None
    mass_balance: xr.DataArray
    method: str
    nfev: int
    parameters: xr.DataArray

    @property
    def times(self) -> np.ndarray:
        """Output times [h]."""
        return self.activity["time"].to_numpy()

    def _members(self, group: str) -> tuple[str, ...]:
        groups = self.model.group_map
        if group in groups:
            return groups[group]
        if group in self.model.compartments:
            return (group,)
        raise UnknownNameError("group or compartment", group,
                               [*groups, *self.model.compartments], self.model.name)

    def group_activity(self, group: str) -> xr.DataArray:
        """Activity [MBq] summed over a group (or one compartment): ``(sample, time, nuclide)``."""
        return self.activity.sel(compartment=list(self._members(group))).sum("compartment")

    def group_tia(self, group: str) -> xr.DataArray:
        """Cumulative time-integrated activity [MBq·h] of a group: ``(sample, time, nuclide)``."""
        return self.cumulative_tia.sel(compartment=list(self._members(group))).sum("compartment")

    def groups(self) -> xr.DataArray:
        """Activity [MBq] of every defined group: ``(sample, time, group, nuclide)``."""
        names = list(self.model.group_map)
        stacked = xr.concat([self.group_activity(g) for g in names], dim=xr.Variable("group", names))
        return stacked.transpose("sample", "time", "group", "nuclide")

    def tia(self) -> xr.DataArray:
        """Time-integrated activity [MBq·h] to the last output time: ``(sample, compartment, nuclide)``."""
        return self.cumulative_tia.isel(time=-1, drop=True)
