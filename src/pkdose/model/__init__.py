"""Compartment model description: builder, frozen model, doses and the reference library."""

from .builder import ModelBuilder
from .compartment_model import CompartmentModel
from .dosing import Bolus, Infusion, Regimen
from .spec import Parameter, Transfer

__all__ = ["ModelBuilder", "CompartmentModel", "Bolus", "Infusion", "Regimen", "Parameter", "Transfer"]
