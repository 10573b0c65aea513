// minimize() against scipy.optimize.minimize on the issue's problems, both measured in this run:
// Rosenbrock 2-D and 100-D (slices, and shift-matrix matmuls), the More-Garbow-Hillstrom problems of
// src/problems (Beale, Freudenstein-Roth, Brown badly scaled, Box 3-D, Powell singular, Wood,
// trigonometric 10) and the 10000x100 L2 logistic regression, each from the same start on both sides.
// scipy runs in a child `python3` (float64, OPENBLAS_NUM_THREADS=1, analytic derivatives: rosen /
// rosen_der / rosen_hess_prod, hand-written numpy gradients and exact H v for the MGH problems
// (checked here against central differences, and against downhill's f and gradient at x0), a
// vectorised numpy logistic loss), on the same data (the logistic matrix goes through a temp file).
//
// The same target on both sides: stop at ||g||_2 <= 1e-6. trust-ncg and BFGS (norm=2) have that
// test; L-BFGS-B (ftol = gtol = 0) and Newton-CG (xtol 1e-14) stop through a callback reading the
// gradient of the accepted point (cached by the evaluation there; computed only if it was not).
// Times: medians of repeated runs in each process (warm-up runs excluded: >= 3 runs and >= 300 ms per
// method first), in ROUNDS alternating rounds (scipy, then downhill); "ms" is each side's best round,
// the range is the per-round ratio over the rounds. "cold" is downhill's first call of that case in
// the process (trace, compile and V8 warm-up included). Nothing is asserted; ratios are ours / scipy.
//   node bench/minimize.bench.mjs [--quick] [--rounds N] [--only rosen100,logistic]
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as dh from "../dist/index.js";
import { configLine, start } from "./setup.mjs";

const argv = process.argv.slice(2);
const flag = (name) => { const i = argv.indexOf(name); return i < 0 ? null : argv[i + 1]; };
const quick = argv.includes("--quick");
const ROUNDS = Number(flag("--rounds") ?? (quick ? 1 : 3));
const only = flag("--only")?.split(",");
await start(dh);

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

// --- problems (the same in both languages) ---
const logData = dh.problems.logisticData({ n: 10000, d: 100, seed: 0, scaleMin: 0.01 });
const logistic = dh.problems.logisticProblem(logData, { lambda: 1e-3 });
const dir = mkdtempSync(join(tmpdir(), "downhill-bench-"));
writeFileSync(join(dir, "X.bin"), Buffer.from(logData.X.buffer));
writeFileSync(join(dir, "y.bin"), Buffer.from(logData.y.buffer));

// Rosenbrock 100-D written with shift-matrix matmuls (x[:-1] = S0 x, x[1:] = S1 x), the same
// function as the slices of problems.rosenbrock (scipy's side is rosen for both).
function rosenbrockShift(n) {
  const shift = (o) => dh.tensor(Array.from({ length: (n - 1) * n }, (_, k) => (Math.floor(k / n) + o === k % n ? 1 : 0)), { dtype: "float64" }).reshape([n - 1, n]);
  const S0 = shift(0), S1 = shift(1);
  const f = (x) => { const head = dh.matmul(S0, x), tail = dh.matmul(S1, x); return tail.sub(head.square()).square().mul(100).add(head.sub(1).square()).sum(); };
  return { ...dh.problems.rosenbrock(n), f };
}

const ALL4 = [["newton-cg", "Newton-CG"], ["trust-ncg", "trust-ncg"], ["lbfgs", "L-BFGS-B"], ["bfgs", "BFGS"]];
const P = dh.problems;
const mgh = (problem) => ({ id: problem.name, label: `${problem.description} from (${problem.x0.map((v) => +v.toFixed(3)).join(", ")})`, problem, py: problem.name, tol: 1e-6, reps: quick ? 3 : 15, pairs: ALL4 });
const allCases = [
  { id: "rosen2", label: "Rosenbrock 2-D from (-1.2, 1)", problem: P.rosenbrock(2), py: "rosen", tol: 1e-6, reps: quick ? 3 : 15, pairs: [...ALL4, ["newton", null]] },
  { id: "rosen100", label: "Rosenbrock 100-D from zeros, slices", problem: P.rosenbrock(100), py: "rosen", tol: 1e-6, reps: quick ? 1 : 5, pairs: ALL4 },
  { id: "rosen100shift", label: "Rosenbrock 100-D from zeros, shift-matrix matmuls", problem: rosenbrockShift(100), py: "rosen", tol: 1e-6, reps: quick ? 1 : 5, pairs: ALL4.slice(0, 3) },
  mgh(P.beale()), mgh(P.freudensteinRoth()), mgh(P.brownBadlyScaled()), mgh(P.box3d()), mgh(P.powellSingular()), mgh(P.wood()), mgh(P.trigonometric(10)),
  { id: "logistic", label: "L2 logistic 10000x100, columns 1..0.01", problem: logistic, py: "logistic", tol: 1e-6, reps: quick ? 1 : 9, pairs: [ALL4[2], ALL4[0], ALL4[1], ALL4[3]] },
];
const cases = only ? allCases.filter((c) => only.includes(c.id)) : allCases;

// --- ours ---
const cold = new Map();
function runOurs(c, method) {
  const key = `${c.id}/${method}`;
  const times = [];
  let r;
  if (!cold.has(key)) { const t0 = performance.now(); minimize1(c, method); cold.set(key, performance.now() - t0); }
  // Warm-up until the JIT has settled: at least 3 runs and 300 ms (scipy's process is warmed too).
  for (let i = 0, t0 = performance.now(); i < 3 || performance.now() - t0 < (quick ? 100 : 300); i++) minimize1(c, method);
  for (let i = 0; i < c.reps; i++) {
    const t0 = performance.now();
    r = minimize1(c, method);
    times.push(performance.now() - t0);
  }
  return { nit: r.nit, nfev: r.nfev, ngev: r.ngev, nhvp: r.nhvp, ms: median(times), f: r.fun, g: r.gradNorm, ok: r.converged, history: r.history };
}
function minimize1(c, method) {
  return dh.minimize(c.problem.f, dh.tensor(c.problem.x0, { dtype: "float64" }), { method, tol: c.tol, maxIter: 5000 });
}

// --- scipy ---
const PY = String.raw`
import json, sys, time
import numpy as np
from scipy.optimize import minimize, rosen, rosen_der, rosen_hess_prod
import scipy
spec = json.load(sys.stdin)

# f and g together, H v: by hand. Least-squares problems f = sum r_i^2 from r, J and S = sum_i r_i Hess(r_i).
def lsq(r, J, S):
    def fg(x):
        rr = r(x); return rr @ rr, 2 * J(x).T @ rr
    def hessp(x, v):
        Jx = J(x); return 2 * (Jx.T @ (Jx @ v) + S(x, r(x)) @ v)
    return fg, hessp
def beale():
    c = np.array([1.5, 2.25, 2.625]); i = np.array([1.0, 2.0, 3.0])
    r = lambda x: c - x[0] + x[0] * x[1] ** i
    J = lambda x: np.stack([x[1] ** i - 1, i * x[0] * x[1] ** (i - 1)], axis=1)
    def S(x, rr):
        xy = (rr * i * x[1] ** (i - 1)).sum(); yy = (rr * i * (i - 1) * x[0] * x[1] ** np.maximum(i - 2, 0)).sum()
        return np.array([[0.0, xy], [xy, yy]])
    return lsq(r, J, S)
def freudenstein_roth():
    r = lambda x: np.array([x[0] - 13 + ((5 - x[1]) * x[1] - 2) * x[1], x[0] - 29 + ((x[1] + 1) * x[1] - 14) * x[1]])
    J = lambda x: np.array([[1.0, 10 * x[1] - 3 * x[1] ** 2 - 2], [1.0, 3 * x[1] ** 2 + 2 * x[1] - 14]])
    S = lambda x, rr: np.array([[0.0, 0.0], [0.0, rr[0] * (10 - 6 * x[1]) + rr[1] * (6 * x[1] + 2)]])
    return lsq(r, J, S)
def brown_badly_scaled():
    def fg(x):
        a, b, c = x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2
        return a * a + b * b + c * c, np.array([2 * a + 2 * c * x[1], 2 * b + 2 * c * x[0]])
    def hessp(x, v):
        h12 = 4 * x[0] * x[1] - 4
        return np.array([(2 + 2 * x[1] ** 2) * v[0] + h12 * v[1], h12 * v[0] + (2 + 2 * x[0] ** 2) * v[1]])
    return fg, hessp
def box3d():
    t = 0.1 * np.arange(1, 11); c = np.exp(-t) - np.exp(-10 * t)
    r = lambda x: np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * c
    J = lambda x: np.stack([-t * np.exp(-t * x[0]), t * np.exp(-t * x[1]), -c], axis=1)
    S = lambda x, rr: np.diag([(rr * t * t * np.exp(-t * x[0])).sum(), -(rr * t * t * np.exp(-t * x[1])).sum(), 0.0])
    return lsq(r, J, S)
def powell_singular():
    U = np.array([[1.0, 10, 0, 0], [0, 0, 1, -1], [0, 1, -2, 0], [1, 0, 0, -1]])  # f = a^2 + 5 b^2 + c^4 + 10 d^4, (a, b, c, d) = U x
    def fg(x):
        a, b, c, d = U @ x
        return a * a + 5 * b * b + c ** 4 + 10 * d ** 4, U.T @ np.array([2 * a, 10 * b, 4 * c ** 3, 40 * d ** 3])
    def hessp(x, v):
        a, b, c, d = U @ x
        return U.T @ (np.array([2.0, 10.0, 12 * c * c, 120 * d * d]) * (U @ v))
    return fg, hessp
def wood():
    def fg(x):
        x1, x2, x3, x4 = x
        f = 100 * (x1 * x1 - x2) ** 2 + (x1 - 1) ** 2 + 90 * (x3 * x3 - x4) ** 2 + (x3 - 1) ** 2 + 10.1 * ((x2 - 1) ** 2 + (x4 - 1) ** 2) + 19.8 * (x2 - 1) * (x4 - 1)
        return f, np.array([400 * x1 * (x1 * x1 - x2) + 2 * (x1 - 1), -200 * (x1 * x1 - x2) + 20.2 * (x2 - 1) + 19.8 * (x4 - 1),
                            360 * x3 * (x3 * x3 - x4) + 2 * (x3 - 1), -180 * (x3 * x3 - x4) + 20.2 * (x4 - 1) + 19.8 * (x2 - 1)])
    def hessp(x, v):
        x1, x2, x3, x4 = x
        return np.array([[1200 * x1 * x1 - 400 * x2 + 2, -400 * x1, 0, 0], [-400 * x1, 220.2, 0, 19.8],
                         [0, 0, 1080 * x3 * x3 - 360 * x4 + 2, -360 * x3], [0, 19.8, -360 * x3, 200.2]]) @ v
    return fg, hessp
def trigonometric(n):
    i = np.arange(1, n + 1)
    r = lambda x: n - np.cos(x).sum() + i * (1 - np.cos(x)) - np.sin(x)
    J = lambda x: np.sin(x)[None, :] + np.diag(i * np.sin(x) - np.cos(x))
    S = lambda x, rr: np.diag(rr.sum() * np.cos(x) + rr * (i * np.cos(x) + np.sin(x)))
    return lsq(r, J, S)
def logistic():
    X = np.fromfile(spec["dir"] + "/X.bin").reshape(10000, 100); y = np.fromfile(spec["dir"] + "/y.bin"); lam = 1e-3; N = len(y)
    def fg(w):
        m = -y * (X @ w); s = 1.0 / (1.0 + np.exp(-m))
        return np.logaddexp(0, m).mean() + 0.5 * lam * w @ w, X.T @ (-y * s) / N + lam * w
    def hessp(w, v):
        m = -y * (X @ w); s = 1.0 / (1.0 + np.exp(-m))
        return X.T @ (s * (1 - s) * (X @ v)) / N + lam * v
    return fg, hessp
PROBLEMS = {"rosen": lambda: ((lambda x: (rosen(x), rosen_der(x))), rosen_hess_prod), "logistic": logistic,
            "beale": beale, "freudenstein-roth": freudenstein_roth, "brown-badly-scaled": brown_badly_scaled, "box3d": box3d,
            "powell-singular": powell_singular, "wood": wood, "trigonometric-10": lambda: trigonometric(10)}

def fd_error(fg, hessp, x):
    """Largest relative error of g against central differences of f, and of H v against those of g."""
    h = 1e-6 * max(1.0, np.abs(x).max()); n = len(x); f0, g = fg(x)
    gfd = np.array([(fg(x + h * e)[0] - fg(x - h * e)[0]) / (2 * h) for e in np.eye(n)])
    v = np.linspace(1, -1, n) + 0.3
    hfd = (fg(x + h * v)[1] - fg(x - h * v)[1]) / (2 * h)
    return max(np.abs(g - gfd).max() / max(1.0, np.abs(g).max(), abs(f0) * 1e-9), np.abs(hessp(x, v) - hfd).max() / max(1.0, np.abs(hfd).max()))

out = []
for c in spec["cases"]:
    fg0, hessp = PROBLEMS[c["py"]]()
    x0 = np.array(c["x0"], dtype=float); tol = c["tol"]
    f_x0, g_x0 = fg0(x0)
    check = dict(id=c["id"], f=float(f_x0), g=[float(v) for v in g_x0], fd=float(fd_error(fg0, hessp, x0)) if len(x0) <= 100 and c["py"] != "logistic" else None)
    last = {}
    def fg(x):
        f, g = fg0(x); last["x"] = x.copy(); last["g"] = g
        return f, g
    def stop_at_tol(intermediate_result):
        x = intermediate_result.x
        g = last["g"] if "x" in last and np.array_equal(x, last["x"]) else fg0(x)[1]
        if np.linalg.norm(g) <= tol: raise StopIteration
    for name in c["methods"]:
        kw = dict(fun=fg, x0=x0, jac=True, method=name)
        if name in ("Newton-CG", "trust-ncg"): kw["hessp"] = hessp
        if name == "L-BFGS-B": kw.update(options=dict(gtol=0, ftol=0, maxiter=5000), callback=stop_at_tol)
        elif name == "BFGS": kw["options"] = dict(gtol=tol, norm=2, maxiter=5000)
        elif name == "trust-ncg": kw["options"] = dict(gtol=tol, maxiter=5000)
        elif name == "Newton-CG": kw.update(options=dict(xtol=1e-14, maxiter=5000), callback=stop_at_tol)
        minimize(**kw)
        ts = []
        for _ in range(c["reps"]):
            t0 = time.perf_counter(); r = minimize(**kw); ts.append((time.perf_counter() - t0) * 1e3)
        out.append(dict(id=c["id"], method=name, nit=int(r.nit), nfev=int(r.nfev), njev=int(getattr(r, "njev", 0) or 0), nhev=int(getattr(r, "nhev", 0) or 0),
                        ms=float(np.median(ts)), f=float(r.fun), g=float(np.linalg.norm(fg0(r.x)[1])), ok=bool(r.success) or float(np.linalg.norm(fg0(r.x)[1])) <= tol))
    out.append(dict(check=check))
print(json.dumps(dict(version=scipy.__version__, numpy=np.__version__, results=[o for o in out if "check" not in o], checks=[o["check"] for o in out if "check" in o])))
`;
function runScipy() {
  const spec = { dir, cases: cases.map((c) => ({ id: c.id, py: c.py, x0: c.problem.x0, tol: c.tol, reps: c.reps, methods: c.pairs.map((p) => p[1]).filter(Boolean) })) };
  const r = spawnSync("python3", ["-c", PY], { input: JSON.stringify(spec), encoding: "utf8", env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" }, maxBuffer: 1 << 24 });
  if (r.error || r.status !== 0) return { error: (r.error?.message ?? r.stderr.trim().split("\n").pop()) || "python3 failed" };
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

/** Largest relative difference between scipy's f and g at x0 and downhill's (eager valueAndGrad). */
function crossCheck(c, chk) {
  const { value, grad } = dh.valueAndGrad(c.problem.f)(dh.tensor(c.problem.x0, { dtype: "float64" }));
  const g = grad.dataSync();
  const scale = Math.max(1, ...chk.g.map(Math.abs));
  let err = Math.abs(value.item() - chk.f) / Math.max(1, Math.abs(chk.f));
  chk.g.forEach((v, i) => { err = Math.max(err, Math.abs(v - g[i]) / scale); });
  return err;
}

const info = dh.backendInfo();
console.log(`downhill minimize vs scipy.optimize.minimize · Node ${process.versions.node} · backend ${info.backend}${info.variant ? ` (${info.variant})` : ""}${quick ? " · --quick" : ""} · ${ROUNDS} round(s)`);
// Alternating rounds, scipy then downhill each time: this shared machine's speed drifts by 30% or
// more over tens of seconds, which one round attributed to whichever side ran in the slow stretch.
const scipyRounds = [];
const ourRounds = [];
const runAllOurs = () => new Map(cases.flatMap((c) => c.pairs.map(([ours]) => [`${c.id}/${ours}`, runOurs(c, ours)])));
const loads = [];
for (let r = 0; r < ROUNDS; r++) {
  loads.push((await import("node:os")).loadavg()[0]);
  scipyRounds.push(runScipy());
  ourRounds.push(runAllOurs());
}
loads.push((await import("node:os")).loadavg()[0]);
const scipy = scipyRounds[0];
if (scipy.error) console.log(`scipy: not available here (${scipy.error}); printing downhill only.`);
else console.log(`scipy ${scipy.version}, numpy ${scipy.numpy}, OPENBLAS_NUM_THREADS=1; load average (1 min) during the rounds ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`);
const scipyAt = (round, id, method) => scipyRounds[round].results?.find((r) => r.id === id && r.method === method);

/** Iterations downhill needed to first reach scipy's final gradient norm, over scipy's iterations. */
function itAt(history, g, nit) {
  const k = history.findIndex((h) => h.gradNorm <= g);
  return k < 0 ? "never" : (k / nit).toFixed(2);
}
const e2 = (v) => (Number.isFinite(v) ? v.toExponential(1) : String(v));
const rows = [["problem", "method (ours/scipy)", "it", "it scipy", "it ratio", "it @ scipy's ||g||", "f/g/Hv evals", "scipy nfev/njev/nhev", "final f", "f scipy", "||g||", "||g|| scipy",
  "ms", "ms scipy", "time ratio", "range over rounds", "cold ms", "target"]];
const verdicts = [];
for (const c of cases) {
  for (const [ours, theirs] of c.pairs) {
    const per = ourRounds.map((m) => m.get(`${c.id}/${ours}`));
    const a = per.reduce((x, y) => (y.ms < x.ms ? y : x));
    const sr = !scipy.error && theirs ? scipyRounds.map((_, r) => scipyAt(r, c.id, theirs)) : null;
    const s = sr ? sr.reduce((x, y) => (y.ms < x.ms ? y : x)) : null;
    const ratios = s ? per.map((p, r) => p.ms / sr[r].ms) : [];
    const itRatio = s ? a.nit / s.nit : NaN;
    // the issue's target: less time than scipy (every round), at most 1.1x its iterations, ||g|| <= tol
    const meets = s ? (Math.max(...ratios) < 1 && itRatio <= 1.1 && a.g <= c.tol ? "met" : [Math.max(...ratios) >= 1 ? "time" : "", itRatio > 1.1 ? "it" : "", a.g > c.tol ? "||g||" : ""].filter(Boolean).join("+") + " missed") : "-";
    if (s) verdicts.push({ id: c.id, ours, meets, ratios, itRatio });
    rows.push([c.id, `${ours}/${theirs ?? "-"}`, a.nit, s ? s.nit : "-", s ? itRatio.toFixed(2) : "-", s && s.g > c.tol ? itAt(a.history, s.g, s.nit) : "-",
      `${a.nfev}/${a.ngev}/${a.nhvp}`, s ? `${s.nfev}/${s.njev}/${s.nhev}` : "-", e2(a.f), s ? e2(s.f) : "-", e2(a.g), s ? e2(s.g) : "-",
      a.ms.toFixed(2), s ? s.ms.toFixed(2) : "-", s ? (a.ms / s.ms).toFixed(2) : "-", s ? `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}` : "-",
      cold.get(`${c.id}/${ours}`).toFixed(1), meets]);
  }
}
const w = rows[0].map((_, j) => Math.max(...rows.map((r) => String(r[j]).length)));
rows.forEach((r, i) => {
  console.log(r.map((x, j) => (j <= 1 || j === r.length - 1 ? String(x).padEnd(w[j]) : String(x).padStart(w[j]))).join("  "));
  if (i === 0) console.log(w.map((x) => "-".repeat(x)).join("  "));
});
if (!scipy.error) {
  const bad = scipy.checks.map((chk) => ({ id: chk.id, fd: chk.fd, vsOurs: crossCheck(cases.find((c) => c.id === chk.id), chk) }));
  console.log(`\nscipy's derivatives: largest relative error of g and H v against central differences ${e2(Math.max(...bad.map((b) => b.fd ?? 0)))}; f and g at x0 against downhill's: ${e2(Math.max(...bad.map((b) => b.vsOurs)))}`);
  for (const b of bad) if (b.vsOurs > 1e-9 || (b.fd ?? 0) > 1e-4) console.log(`  MISMATCH ${b.id}: fd ${e2(b.fd)}, vs downhill ${e2(b.vsOurs)}`);
  const met = verdicts.filter((v) => v.meets === "met").length;
  console.log(`issue target (less time every round, it ratio <= 1.1, ||g|| <= 1e-6) met on ${met} of ${verdicts.length}; missed: ${verdicts.filter((v) => v.meets !== "met").map((v) => `${v.id}/${v.ours} (${v.meets})`).join(", ") || "none"}`);
}
console.log("\nCases:", cases.map((c) => `${c.id} = ${c.label}`).join("; "));
console.log("Both sides stop at ||g||_2 <= 1e-6 (see the header for how on each scipy method); 'it @ scipy's ||g||': where scipy ended above it, downhill's iterations to reach scipy's final norm over scipy's.");
console.log("ratios are downhill / scipy (below 1: downhill needs fewer iterations or less time). ||g|| is the 2-norm at the returned x for both.");
console.log(configLine(dh));
