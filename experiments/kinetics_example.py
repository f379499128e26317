"""Worked example of jaxgen.kinetics: thermal leptogenesis of a Majorana N (BDP hep-ph/0401240 toy) in a few lines.

Prints the efficiency factor kappa_f = Y_L / (eps Y_N^eq(z << 1)) against the BDP fit for a few decay parameters K.
Run: .venv/bin/python experiments/kinetics_example.py
"""

import math

import jax

jax.config.update("jax_enable_x64", True)

import equinox as eqx  # noqa: E402
import jax.numpy as jnp  # noqa: E402

from jaxgen import kinetics as kin  # noqa: E402
from jaxgen import models  # noqa: E402
from jaxgen.cosmology import Cosmology  # noqa: E402
from jaxgen.models import Reaction, Species  # noqa: E402

M, G = 1e10, 106.75
H_M = math.sqrt(4 * math.pi**3 * G / 45) * M**2 / 1.220890e19  # H(T = M)

model = models.Model(
    "leptogenesis_toy",
    species=[Species("N", 2, "mb", mass=M), Species("l", 2, "mb", {"L": 1.0}), Species("H", 2, "mb")],
    reactions=[Reaction("higgs_mu0", {"H": 1})],
    defaults={},
)
net = kin.Network(
    model,
    [
        kin.Decay("N_to_lH", "N", "l + H", width=lambda T, p: p["K"] * H_M, eps=lambda T, p: p["eps"]),
        kin.Scattering("lH_sub", "l + H", "~l + ~H", gamma=0.0, resonance=["N"]),  # RIS-subtracted Delta L = 2
    ],
    tracked=["N"],
    charges=["L"],
    cosmology=Cosmology(table="constant", g_constant=G),
)
solve = eqx.filter_jit(jax.vmap(lambda p: kin.solve(net, p, 10 * M, M / 300)))

if __name__ == "__main__":
    Ks = jnp.array([0.01, 0.1, 1.0, 10.0, 100.0])
    res = solve({"K": Ks, "eps": jnp.full(Ks.shape, 1e-6)})
    y0 = 2 / math.pi**2 / (2 * math.pi**2 / 45 * G)
    print("K        kappa_f    BDP fit    status")
    for K, L, st in zip(Ks, res.charge("L"), res.status):
        K = float(K)
        zb = 2 + 4 * K**0.13 * math.exp(-2.5 / K)
        fit = 2 / (zb * K) * (1 - math.exp(-zb * K / 2))
        print(f"{K:<8g} {float(L) / (1e-6 * y0):<10.4g} {fit:<10.4g} {kin.status_names(int(st))}")
