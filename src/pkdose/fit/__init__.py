"""Fitting trial data: sums of exponentials with AICc selection (compartment and population fits to come)."""

from .exponentials import CANDIDATES, CandidateFit, ExponentialFit, FitError, exp_sum, fit_exponentials, fit_trial

__all__ = ["fit_exponentials", "fit_trial", "ExponentialFit", "CandidateFit", "FitError", "exp_sum", "CANDIDATES"]
