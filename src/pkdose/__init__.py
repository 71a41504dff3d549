"""pkdose: radiopharmaceutical pharmacokinetics and internal dosimetry.

Describe (``ModelBuilder`` → ``CompartmentModel``, ``Regimen``), solve (``simulate`` →
``Solution``), report. Units inside: h, MBq, MBq·h, kg, L, Gy.
"""

from .errors import (ConvergenceError, DoseError, InputDataError, ModelDefinitionError, PkdoseError,
                     UnitError, UnknownNameError)
from .model import Bolus, CompartmentModel, Infusion, ModelBuilder, Regimen
from .solve import Solution, simulate
from .units import Q_, ureg

__version__ = "0.1.0"

__all__ = [
    "ModelBuilder", "CompartmentModel", "Bolus", "Infusion", "Regimen", "simulate", "Solution",
    "PkdoseError", "UnknownNameError", "ModelDefinitionError", "DoseError", "UnitError",
    "InputDataError", "ConvergenceError", "Q_", "ureg", "__version__",
]
