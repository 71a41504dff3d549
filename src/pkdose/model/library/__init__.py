"""Reference models shipped with pkdose, each transcribed with table and page for every number.

Use :func:`get_model` by name, or the builder functions directly.
"""

from __future__ import annotations

from collections.abc import Callable

from ...errors import UnknownNameError
from ..compartment_model import CompartmentModel
from .icrp137_radium import icrp137_radium

__all__ = ["get_model", "list_models", "injection_site", "icrp137_radium"]

#: name -> (factory, compartment receiving an intravenous injection, description)
_MODELS: dict[str, tuple[Callable[..., CompartmentModel], str, str]] = {
    "icrp137-radium": (icrp137_radium, "blood",
                       "ICRP Publication 137 systemic radium model (Leggett 1992 alkaline-earth structure) "
                       "with the ICRP 100/130 alimentary tract and urinary bladder; injection into blood"),
}


def list_models() -> dict[str, str]:
    """Model name -> one-line description."""
    return {k: v[2] for k, v in _MODELS.items()}


def injection_site(name: str) -> str:
    """The compartment that receives an intravenous injection in library model *name*."""
    if name not in _MODELS:
        raise UnknownNameError("model", name, _MODELS, "pkdose.model.library")
    return _MODELS[name][1]


def get_model(name: str, *, nuclide: str | None = None, daughters: str = "in-situ") -> CompartmentModel:
    """Build a shipped reference model by name.

    Parameters
    ----------
    name : str
        See :func:`list_models`.
    nuclide : str, optional
        Nuclide for models that take one (default: the model's own default).
    daughters : str
        Progeny treatment, ``"in-situ"``, ``"parent"`` or ``"own"`` where the model supports it.
    """
    if name not in _MODELS:
        raise UnknownNameError("model", name, _MODELS, "pkdose.model.library")
    factory = _MODELS[name][0]
    kwargs = {"daughters": daughters}
    if nuclide is not None:
        kwargs["nuclide"] = nuclide
    return factory(**kwargs)
