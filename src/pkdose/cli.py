"""The ``pkdose`` command line: a thin layer over the library functions.

``pkdose simulate`` runs a shipped reference model after a single bolus and prints the parent
nuclide's activity per group and the cumulative excreted activity (decay-corrected to each time,
as ICRP tables count excreta).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence

import numpy as np

from .errors import PkdoseError

__all__ = ["main", "simulate_table"]


def simulate_table(model_name: str, nuclide: str | None, activity: str, times: str,
                   daughters: str = "in-situ", into: str | None = None) -> dict:
    """Simulate a library model after one bolus and return the CLI's JSON object.

    Returns
    -------
    dict
        ``{"model", "nuclide", "activity_MBq", "daughters", "times_h", "groups_MBq":
        {group: [...]}, "excreted_cumulative_MBq": {sink: [...]}}`` — parent nuclide only.
    """
    from .model import Bolus
    from .model.library import get_model, injection_site
    from .solve import simulate
    from .units import parse_times

    model = get_model(model_name, nuclide=nuclide, daughters=daughters)
    t = parse_times(times)
    order = np.argsort(t)
    if np.any(np.diff(t[order]) == 0):
        raise PkdoseError(f"--times: each time once, got {times!r}")
    dose = Bolus(activity, into=into or injection_site(model_name))
    sol = simulate(model, None, dose, t[order])
    parent = model.nuclides[0]
    back = np.argsort(order)
    groups = {g: sol.group_activity(g).sel(nuclide=parent)[0].values[back].tolist()
              for g in model.group_map}
    excreted = {s.replace("_", " ").capitalize(): sol.excreted.sel(sink=s, nuclide=parent)[0].values[back].tolist()
                for s in model.sinks}
    return {"model": model.name, "nuclide": model.nuclide, "activity_MBq": dose.activity,
            "daughters": daughters, "times_h": t.tolist(), "groups_MBq": groups,
            "excreted_cumulative_MBq": excreted}


def _format_time(h: float) -> str:
    if h >= 24 and abs(h / 24 - round(h / 24)) < 1e-9:
        return f"{h / 24:g} d"
    return f"{h:g} h"


def _render(result: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result, indent=2)
    rows = [(f"{g}", v) for g, v in result["groups_MBq"].items()]
    rows += [(f"{s} (cumulative excreted)", v) for s, v in result["excreted_cumulative_MBq"].items()]
    times = result["times_h"]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["quantity", *(f"{t:g} h" for t in times)])
        for name, vals in rows:
            w.writerow([name, *(f"{v:.6g}" for v in vals)])
        return buf.getvalue().rstrip("\n")
    head = (f"{result['model']}: {result['nuclide'] or 'tracer'}, {result['activity_MBq']:g} MBq bolus, "
            f"daughters {result['daughters']}\n"
            f"Activity of {result['nuclide'] or 'tracer'} [MBq] (excreta: cumulative, decay-corrected to each time)")
    width = max(len(r[0]) for r in rows) + 2
    lines = [head, "", "".ljust(width) + "".join(_format_time(t).rjust(12) for t in times)]
    for name, vals in rows:
        lines.append(name.ljust(width) + "".join(f"{v:12.4g}" for v in vals))
    return "\n".join(lines)


def _dose_coefficients(model: str, nuclide: str | None, route: str, saf_dir: str | None, fmt: str) -> str:
    from .dosimetry import dose_coefficients

    dc = dose_coefficients(model, nuclide=nuclide, route=route, saf_dir=saf_dir)
    h = {"male": dc.h_T_Sv_per_Bq["adult-male"], "female": dc.h_T_Sv_per_Bq["adult-female"]}
    if fmt == "json":
        return json.dumps({"model": dc.model, "nuclide": dc.nuclide, "route": dc.route, "unit": "Sv/Bq",
                           "integration": dc.integration,
                           "h_T": {sex: {t: float(v) for t, v in series.items()} for sex, series in h.items()},
                           "e50": dc.e_Sv_per_Bq, "conventions": list(dc.conventions)}, indent=1)
    lines = [f"{dc.model}, {dc.nuclide}, {dc.route}: committed dose coefficients [Sv/Bq] ({dc.integration})",
             f"{'tissue':28} {'male':>10} {'female':>10}"]
    for t in sorted(set(h["male"].index) | set(h["female"].index)):
        m, f = h["male"].get(t, float("nan")), h["female"].get(t, float("nan"))
        lines.append(f"{t:28} {m:10.3e} {f:10.3e}")
    lines.append(f"{'effective e(50)':28} {dc.e_Sv_per_Bq:10.3e}")
    return "\n".join(lines)


def _fit(folder: str, patient: str | None, fmt: str) -> str:
    from .data import read_trial
    from .fit import fit_trial

    trial = read_trial(folder)
    fits = fit_trial(trial, patient=patient)
    if fmt == "json":
        out: dict = {"trial": trial.id, "nuclide": trial.nuclide, "simulated": trial.simulated, "patients": {}}
        for (pid, cyc, region), f in fits.items():
            cycles = out["patients"].setdefault(pid, {"cycles": {}})["cycles"]
            cycles.setdefault(str(cyc), {})[region] = {
                "tia_MBq_h": f.tia_MBq_h, "tia_sd_MBq_h": f.tia_sd_MBq_h, "n_terms": f.n_terms,
                "uptake": f.uptake, "model": f.model, "aicc": f.aicc,
                "extrapolated_fraction": f.extrapolated_fraction, "success": f.success}
        return json.dumps(out, indent=1)
    lines = [f"{trial.id} ({trial.nuclide}){' — SIMULATED data' if trial.simulated else ''}",
             f"{'patient':8} {'cycle':>5} {'region':14} {'model':>5} {'TIA [MBq h]':>12} {'SD':>10} {'extrap.':>8}"]
    for (pid, cyc, region), f in fits.items():
        lines.append(f"{pid:8} {cyc:5d} {region:14} {f.model:>5} {f.tia_MBq_h:12.4g} {f.tia_sd_MBq_h:10.3g} "
                     f"{f.extrapolated_fraction:8.1%}")
    return "\n".join(lines)


def _svalues(nuclide: str, phantom: str, saf_dir: str | None, progeny: str, fmt: str) -> str:
    from .dosimetry import s_values

    table = s_values(nuclide, phantom=phantom, saf_dir=saf_dir, progeny=progeny)
    frame = table.values
    if fmt == "json":
        return json.dumps({"nuclide": table.nuclide, "phantom": table.phantom, "unit": table.unit,
                           "convention": table.convention, "progeny": table.progeny,
                           "S": {t: {s: float(frame.loc[t, s]) for s in frame.columns} for t in frame.index}},
                          indent=1)
    if fmt == "csv":
        return frame.to_csv(float_format="%.6e").rstrip("\n")
    head = f"S(target <- source) of {table.nuclide}, {table.phantom}, {table.unit}\n{table.convention}\n"
    return head + frame.to_string(float_format=lambda v: f"{v:.3e}")


def _report(args: argparse.Namespace) -> int:
    from .report import run_batch

    params: dict[str, str] = {"method": args.method} if args.method else {}
    if args.saf_dir:
        from pathlib import Path

        params["saf_dir"] = str(Path(args.saf_dir).resolve())
    result = run_batch(args.trial, args.out, patients=args.patient, summary=not args.no_summary, jobs=args.jobs,
                       scheduler=args.scheduler, overwrite=args.overwrite, pdf=args.pdf, parameters=params,
                       progress=sys.stderr.isatty(),
                       notebooks=("trial_report", "virtual_trial") if args.virtual_trial else ("trial_report",))
    print(result.summary())
    return 0 if result.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pkdose`` command."""
    parser = argparse.ArgumentParser(prog="pkdose", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="simulate a shipped reference model after one bolus")
    sim.add_argument("--model", required=True, help="library model name (see `pkdose models`)")
    sim.add_argument("--nuclide", default=None, help="parent nuclide, e.g. Ra-223")
    sim.add_argument("--activity", required=True, help='administered activity, e.g. "3.85 MBq"')
    sim.add_argument("--times", required=True, help="comma-separated output times, e.g. 1h,1d,7d,28d")
    sim.add_argument("--daughters", default="in-situ", choices=["in-situ", "own", "parent", "none"],
                     help="progeny treatment: decay where formed, own element kinetics, or follow the parent")
    sim.add_argument("--into", default=None, help="compartment receiving the dose (default: the model's intravenous injection site)")
    sim.add_argument("--format", default="table", choices=["table", "json", "csv"])
    sub.add_parser("models", help="list the shipped reference models")
    dc = sub.add_parser("dose-coefficients", help="committed equivalent and effective dose coefficients (ICRP style)")
    dc.add_argument("--model", required=True)
    dc.add_argument("--nuclide", default=None)
    dc.add_argument("--route", default="injection", choices=["injection", "ingestion"])
    dc.add_argument("--saf-dir", default=None, help="directory of the ICRP 133 SAF files (else $PKDOSE_ICRP133_DIR)")
    dc.add_argument("--format", default="table", choices=["table", "json"])
    fit = sub.add_parser("fit", help="fit sums of exponentials to every curve of a trial folder (AICc)")
    fit.add_argument("trial", help="trial folder (trial.toml + measurements.csv)")
    fit.add_argument("--patient", default=None)
    fit.add_argument("--format", default="table", choices=["table", "json"])
    sv = sub.add_parser("svalues", help="S(target <- source) matrix from ICRP 107 and ICRP 133 SAFs")
    sv.add_argument("nuclide", help="ICRP 107 nuclide, e.g. Lu-177")
    sv.add_argument("--phantom", default="adult-male", help="adult-male or adult-female")
    sv.add_argument("--saf-dir", default=None,
                    help="directory of the ICRP 133 SAF files (else $PKDOSE_ICRP133_DIR); not shipped with pkdose")
    sv.add_argument("--progeny", default="none", choices=["none", "in-situ"])
    sv.add_argument("--format", default="table", choices=["table", "json", "csv"])
    rep = sub.add_parser("report", help="render the trial report (per patient and for the trial) to self-contained HTML")
    rep.add_argument("trial", help="trial folder (trial.toml + measurements.csv); read only")
    rep.add_argument("--out", default="reports", help="output folder (default: ./reports)")
    rep.add_argument("--patient", action="append", default=None,
                     help="only this patient (repeatable); default every patient of the trial")
    rep.add_argument("--no-summary", action="store_true", help="skip the whole-trial report")
    rep.add_argument("--overwrite", action="store_true", help="replace existing reports (otherwise refused)")
    rep.add_argument("--pdf", action="store_true", help="also print each report to PDF with headless Chromium")
    rep.add_argument("--jobs", type=int, default=None, help="worker processes (default: CPU count)")
    rep.add_argument("--scheduler", default=None,
                     help="Dask scheduler address (tcp://host:8786): run the batch on that cluster")
    rep.add_argument("--method", default=None, choices=["local-absorption", "icrp133"],
                     help="S-value method of the trial report (default: local-absorption)")
    rep.add_argument("--saf-dir", default=None,
                     help="ICRP 133 SAF directory for --method icrp133 (else $PKDOSE_ICRP133_DIR); not shipped")
    rep.add_argument("--virtual-trial", action="store_true",
                     help="also render the virtual-trial notebook (dose distributions of thousands of virtual patients)")
    args = parser.parse_args(argv)
    try:
        if args.command == "report":
            return _report(args)
        if args.command == "models":
            from .model.library import list_models

            for name, doc in list_models().items():
                print(f"{name}: {doc}")
            return 0
        if args.command == "dose-coefficients":
            print(_dose_coefficients(args.model, args.nuclide, args.route, args.saf_dir, args.format))
            return 0
        if args.command == "fit":
            print(_fit(args.trial, args.patient, args.format))
            return 0
        if args.command == "svalues":
            print(_svalues(args.nuclide, args.phantom, args.saf_dir, args.progeny, args.format))
            return 0
        result = simulate_table(args.model, args.nuclide, args.activity, args.times,
                                args.daughters, args.into)
    except (PkdoseError, KeyError, ValueError) as exc:
        print(f"pkdose: error: {exc}", file=sys.stderr)
        return 2
    print(_render(result, args.format))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
