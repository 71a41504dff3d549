"""Fitting trial data: sums of exponentials with AICc selection, residual-error models, and TIA
methods that need no fitted curve; ``fit_model`` fits whole compartment models to several regions at once."""

from .exponentials import CANDIDATES, CandidateFit, ExponentialFit, FitError, exp_sum, fit_exponentials, fit_trial
from .compartmental import ModelFit, ModelOutput, fit_model
from .integrate import (FIRST_SEGMENTS, HAENSCHEID_WINDOW, TIAEstimate, haenscheid_ratio, haenscheid_tia, hybrid_tia,
                        prior_half_life_tia, trapezoid_tia)
from .nlme import NLMEResult, TrialPopulationFit, fit_nlme, fit_trial_nlme, monoexponential_tac_model
from .residual_error import (AdditiveError, CombinedError, ErrorModelFit, ProportionalError, ResidualError,
                             estimate_error_parameters, fit_with_error_model)

__all__ = ["fit_exponentials", "fit_trial", "ExponentialFit", "CandidateFit", "FitError", "exp_sum", "CANDIDATES",
           "trapezoid_tia", "hybrid_tia", "haenscheid_tia", "prior_half_life_tia", "haenscheid_ratio", "TIAEstimate",
           "FIRST_SEGMENTS", "HAENSCHEID_WINDOW",
           "ResidualError", "AdditiveError", "ProportionalError", "CombinedError", "ErrorModelFit",
           "estimate_error_parameters", "fit_with_error_model",
           "fit_model", "ModelFit", "ModelOutput",
           "fit_nlme", "NLMEResult", "fit_trial_nlme", "TrialPopulationFit", "monoexponential_tac_model"]
