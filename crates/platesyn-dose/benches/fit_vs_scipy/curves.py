"""Generate the benchmark curves and fit them with scipy's curve_fit (LM).

usage: python curves.py gen OUT.csv [N] [SEED]   -- write N synthetic LL.4 curves
       python curves.py fit IN.csv               -- fit each with scipy.optimize.curve_fit

Curves: 9 doses (1e-3 .. 10, half-log) x 3 replicates; b ~ U(0.8, 3), c ~ U(0, 30), d = 100,
log10 e ~ U(-2.5, 0.5); Gaussian noise sd 5 (5 % of the 0-100 viability scale); seeded.
"""
import sys
import time

import numpy as np


def gen(out, n=10000, seed=20261127):
    rng = np.random.default_rng(seed)
    doses = 1e-3 * 10 ** (0.5 * np.arange(9))
    x = np.repeat(doses, 3)
    with open(out, "w") as fh:
        fh.write("curve,dose,response\n")
        for k in range(n):
            b = rng.uniform(0.8, 3.0)
            c = rng.uniform(0.0, 30.0)
            e = 10 ** rng.uniform(-2.5, 0.5)
            y = c + (100.0 - c) / (1.0 + np.exp(b * (np.log(x) - np.log(e))))
            y = y + rng.normal(0.0, 5.0, size=x.size)
            for xi, yi in zip(x, y):
                fh.write(f"c{k},{float(xi)!r},{float(yi)!r}\n")


def ll4(x, b, c, d, le):
    return c + (d - c) / (1.0 + np.exp(b * (np.log(x) - le)))


def fit(path):
    from scipy.optimize import curve_fit

    import csv

    curves = {}
    with open(path) as fh:
        rows = csv.reader(fh)
        next(rows)
        for cid, d, r in rows:
            curves.setdefault(cid, ([], []))
            curves[cid][0].append(float(d))
            curves[cid][1].append(float(r))
    times = []
    failures = 0
    t_all = time.perf_counter()
    for cid, (x, y) in curves.items():
        x = np.asarray(x)
        y = np.asarray(y)
        t = time.perf_counter()
        try:
            # a typical self-start: asymptotes from the data, e at the median dose
            p0 = (1.0, y.min(), y.max(), np.log(np.median(x)))
            p, cov = curve_fit(ll4, x, y, p0=p0, method="lm", maxfev=2000)
            se = np.sqrt(np.diag(cov))
            if not (np.all(np.isfinite(p)) and np.all(np.isfinite(se))):
                failures += 1
        except Exception:
            failures += 1
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - t_all
    times = np.array(times) * 1e6
    print(
        f"scipy: {len(times)} curves in {total:.3f} s; per curve median {np.median(times):.1f} us, "
        f"mean {times.mean():.1f} us; failures {failures}"
    )


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], *(int(a) for a in sys.argv[3:]))
    else:
        fit(sys.argv[2])
