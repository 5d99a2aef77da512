"""Time the Python `synergy` package (djwooten) on matrix.csv: Bliss, HSA, Loewe, ZIP."""
import sys, time, warnings
import numpy as np
from synergy.combination import Bliss, HSA, Loewe, ZIP

warnings.filterwarnings("ignore")
data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
d1, d2, E = data[:, 0], data[:, 1], data[:, 2]
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 20

def run():
    out = {}
    for name, model in (("bliss", Bliss()), ("hsa", HSA()), ("loewe", Loewe(mode="delta_weakest")), ("zip", ZIP())):
        s = model.fit(d1, d2, E)
        combo = (d1 > 0) & (d2 > 0)
        out[name] = 100 * np.nanmean(np.asarray(s)[combo])
    return out

res = run()
for k, v in res.items():
    print(f"python_{k}_mean {v:.4f}")
c0, t0 = time.thread_time(), time.perf_counter()
for _ in range(reps):
    run()
print(f"python_cpu_seconds_per_block {(time.thread_time() - c0) / reps:.9f}")
print(f"python_seconds_per_block {(time.perf_counter() - t0) / reps:.9f}")
