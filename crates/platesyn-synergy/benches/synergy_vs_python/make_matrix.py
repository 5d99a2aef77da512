"""Write the 8x8 benchmark matrix (same formula as benches/synergy.rs) as matrix.csv."""
import math, sys

def hill(d, emax, h, c):
    return 1.0 + (emax - 1.0) * d**h / (c**h + d**h)

da = [0.0] + [0.01 * 3**k for k in range(7)]
db = [0.0] + [0.02 * 3**k for k in range(7)]
with open(sys.argv[1], "w") as fh:
    fh.write("drug_a_conc,drug_b_conc,viability\n")
    for i, a in enumerate(da):
        for j, b in enumerate(db):
            e = hill(a, 0.05, 1.5, 0.3) * hill(b, 0.25, 1.0, 1.0)
            k = i * 8 + j
            v = e * (1.0 - 0.3 * (i * j) / 49.0) + 0.01 * math.sin(1.7 * k + 0.3)
            fh.write(f"{a!r},{b!r},{v!r}\n")
