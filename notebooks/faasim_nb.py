"""Small helpers shared by the faasim notebooks.

They call the faasim binary (found through the FAASIM_BIN environment variable, else
target/release/faasim in this repository, else `faasim` on the PATH) and read what it writes:
the JSON report of `faasim run --json`, and the runs.csv / summary.csv of `faasim sweep`.
Nothing here simulates anything: the notebooks only drive faasim and draw its numbers.
"""

import json
import os
import pathlib
import shutil
import subprocess

import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parent.parent
#: Where the notebooks write scenario files, sweeps and charts (ignored by git).
OUT = ROOT / "out" / "notebooks"


def binary():
    """The faasim binary to run."""
    given = os.environ.get("FAASIM_BIN")
    if given:
        return given
    built = ROOT / "target" / "release" / "faasim"
    if built.exists():
        return str(built)
    on_path = shutil.which("faasim")
    if on_path:
        return on_path
    raise FileNotFoundError(
        "faasim not found: build it with `cargo build --release` in the repository, "
        "or set FAASIM_BIN to the binary"
    )


def faasim(*args):
    """Runs `faasim ARGS...` and returns what it printed; raises with faasim's message on error."""
    done = subprocess.run(
        [binary(), *map(str, args)], capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"faasim {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done.stdout


def workdir(name):
    """A fresh, empty directory OUT/name."""
    d = OUT / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d


def write(path, text):
    """Writes a text file (a scenario or an experiment) and returns its path."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run(scenario, *sets, seed=None):
    """Runs one scenario (a file or a built-in name) with `--set KEY=VALUE` overrides and
    returns its report as a dict (the fields of docs/report.md)."""
    args = ["run", scenario, "--json"]
    for s in sets:
        args += ["--set", s]
    if seed is not None:
        args += ["--seed", seed]
    return json.loads(faasim(*args))


def sweep(experiment_text, name, threads=2):
    """Writes an experiment file, runs `faasim sweep` on it into OUT/name and returns
    (runs, summary) as DataFrames: one row per run, and one row per point and metric."""
    d = workdir(name)
    exp = write(d / f"{name}.toml", experiment_text)
    faasim("sweep", exp, "--out", d / "sweep", "--threads", threads)
    runs = pd.read_csv(d / "sweep" / "runs.csv")
    summary = pd.read_csv(d / "sweep" / "summary.csv")
    return runs, summary


def wide(summary, axes, metrics):
    """summary.csv's rows for `metrics`, one row per point: for each metric its mean and
    the half-width of its 95% confidence interval (`<metric>` and `<metric> ci`)."""
    rows = summary[summary.metric.isin(metrics)]
    mean = rows.pivot(index=["point", *axes], columns="metric", values="mean")
    ci = rows.pivot(index=["point", *axes], columns="metric", values="ci95")
    ci.columns = [f"{c} ci" for c in ci.columns]
    return mean.join(ci).reset_index()


def timeseries(report):
    """A report's time series (`[metrics] timeseries`) as a DataFrame, time in minutes."""
    ts = pd.DataFrame(report["timeseries"])
    ts["minute"] = ts["t"] / 60.0
    return ts
