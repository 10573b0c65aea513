// Type-level tests of the public API: compiled by `npm run typecheck` (tsconfig.json includes
// test/), never run. Each `@ts-expect-error` line must fail to compile; if it ever compiles (a
// type got looser), tsc reports the unused directive and the typecheck fails.
import { adam, grad, optimizer, sgd, tensor, valueAndGrad, type Optimizer, type Tensor, type Tree } from "../../src/index.js";
import type { NestedArray } from "../../src/tensor/tensor.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_: T): void => undefined;

// --- toArray ------------------------------------------------------------------------------------
declare const t: Tensor;
assertType<Equal<ReturnType<typeof t.toArray>, NestedArray>>(true);
const rows: number[][] = t.toArray(2);
const row: number[] = t.toArray(1);
const value: number = t.toArray(0);
const cube: number[][][] = t.toArray(3);
const anyRank: NestedArray = t.toArray(7);
void [rows, row, value, cube, anyRank];
// @ts-expect-error without the rank, the result may be a number: not assignable to number[][]
const rows2: number[][] = t.toArray();
// @ts-expect-error rank 1 is number[], not number[][]
const rows3: number[][] = t.toArray(1);
// @ts-expect-error a rank is a number
t.toArray("2");
void [rows2, rows3];

// --- optimizer(transform, params).step(grads): grads have the params' tree type --------------------
const w = tensor([1, 2]), b = tensor([0]);
const params = { w, b };
const opt = optimizer(adam({ lr: 0.1 }), params);
assertType<Equal<typeof opt.params, { w: Tensor; b: Tensor }>>(true);
const loss = (p: { w: Tensor; b: Tensor }) => p.w.square().sum().add(p.b.sum());
opt.step(grad(loss)(params));
opt.step(valueAndGrad(loss)(params).grad);
opt.step({ w, b });
opt.step({ b: tensor([1]), w: tensor([1, 1]) });
// @ts-expect-error a leaf is missing
opt.step({ w });
// @ts-expect-error a key the params do not have
opt.step({ w, b, c: w });
// @ts-expect-error a tensor where the params are an object
opt.step(w);
// @ts-expect-error an array where the params are an object
opt.step([w, b]);
// @ts-expect-error a number is not a gradient
opt.step({ w, b: 1 });

// A tensor
const x = tensor([3, -2]);
const single = optimizer(sgd({ lr: 0.1 }), x);
single.step(grad((v: Tensor) => v.square().sum())(x));
// @ts-expect-error an object where the params are one tensor
single.step({ x });
// @ts-expect-error an array where the params are one tensor
single.step([x]);

// Arrays and nesting; a readonly array of gradients is fine
const layers = [{ w, b }, { w, b }];
const deep = optimizer(adam({ lr: 1e-3 }), { layers, scale: x });
deep.step({ layers: [{ w, b }], scale: x });
const frozen: readonly { w: Tensor; b: Tensor }[] = layers;
deep.step({ layers: frozen, scale: x });
// @ts-expect-error a layer without b
deep.step({ layers: [{ w }], scale: x });
// @ts-expect-error scale is a tensor, not an array
deep.step({ layers, scale: [x] });

// A general Tree (its structure unknown until run time) takes any tree, as before
const general = params as Tree;
const loose = optimizer(adam({ lr: 0.1 }), general);
loose.step({ anything: [w] });
loose.step(w);
// The state type parameter alone still works, with the params left general
const typed: Optimizer<unknown> = optimizer<unknown>(adam({ lr: 0.1 }) as never, x);
typed.step([w]);
