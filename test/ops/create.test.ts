// Bad input to the creation functions and cast: each error names the function the user called
// (not a helper it uses) and the offending value; nothing is truncated or defaulted silently.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";

describe("creation functions refuse bad input under their own names", () => {
  it("shapes and dtypes", () => {
    expect(() => dh.zeros([-1])).toThrow(/^zeros: shape \[-1\] must hold non-negative integers$/);
    expect(() => dh.ones([2.5])).toThrow(/^ones: shape \[2\.5\] must hold non-negative integers$/);
    expect(() => dh.full([NaN], 1)).toThrow(/^full: shape \[NaN\]/);
    expect(() => dh.zeros([2], { dtype: "int32" as "float32" })).toThrow(/^zeros: dtype must be "float32" or "float64", got "int32"$/);
    expect(() => dh.eye(-2)).toThrow(/^eye: n must be a non-negative integer, got -2$/);
    expect(() => dh.eye(1.5)).toThrow(dh.ArgumentError);
    expect(dh.eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
  });

  it("seeds: 32-bit integers only (the generator would truncate anything else)", () => {
    for (const seed of [1.5, NaN, Infinity, 2 ** 32, -(2 ** 31) - 1, "7" as unknown as number]) {
      expect(() => dh.randn([2], { seed })).toThrow(dh.ArgumentError);
      expect(() => dh.rand([2], { seed })).toThrow(/^rand: seed must be an integer in \[-2\^31, 2\^32\)/);
    }
    // Accepted seeds keep their documented meaning: -1 and 2^32 - 1 are the same 32-bit seed.
    expect(dh.randn([3], { seed: -1 }).toArray()).toEqual(dh.randn([3], { seed: 2 ** 32 - 1 }).toArray());
    expect(dh.randn([3], { seed: 5 }).toArray()).toEqual(dh.randn([3], { seed: 5 }).toArray());
  });

  it("cast: float32 or float64 only", () => {
    expect(() => dh.cast(dh.zeros([2]), "float16" as "float32")).toThrow(/^cast: dtype must be "float32" or "float64", got "float16"$/);
    expect(dh.cast(dh.zeros([2]), "float64").dtype).toBe("float64");
  });

  it("reshape wants an array; activation slopes must be finite numbers", () => {
    expect(() => dh.zeros([2, 3]).reshape(6 as unknown as number[])).toThrow(/^reshape: shape must be an array of integers \(one may be -1\), got 6; write \[6\]$/);
    expect(() => dh.leakyRelu(dh.zeros([2]), "a" as unknown as number)).toThrow(/^leakyRelu: alpha must be a finite number, got string$/);
    expect(() => dh.elu(dh.zeros([2]), NaN)).toThrow(/^elu: alpha must be a finite number, got NaN$/);
  });
});

describe("tensor() input forms and how a tensor prints", () => {
  it("takes rows as typed arrays, and refuses typed data that is not numbers", () => {
    expect(dh.tensor([new Float32Array([1, 2]), new Uint8Array([3, 4])]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(dh.tensor([new Float32Array([1, 2]), [3, 4]]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(() => dh.tensor([new Float32Array([1, 2]), new Float32Array([3])])).toThrow(/^tensor: ragged nested array at depth 1 \(expected length 2\)$/);
    expect(() => dh.tensor(new DataView(new ArrayBuffer(8)) as never)).toThrow(/^tensor: data must hold numbers; got a DataView$/);
    expect(() => dh.tensor(new BigInt64Array(2) as never)).toThrow(/^tensor: data must hold numbers; got a BigInt64Array$/);
  });

  it("console.log / util.inspect show dtype, shape and values, rows on lines, large tensors summarized", () => {
    expect(inspect(dh.tensor([0.1, -4.5]))).toBe("Tensor(float32, [2]) [0.1, -4.5]");
    expect(inspect(dh.tensor([1 / 3, NaN, -Infinity], { dtype: "float64" }))).toBe("Tensor(float64, [3]) [0.3333333333, NaN, -Infinity]");
    expect(inspect(dh.tensor([[1, 2], [3, 4]]))).toBe("Tensor(float32, [2, 2])\n[[1, 2],\n [3, 4]]");
    const big = inspect(dh.arange(2000).reshape([40, 50]));
    expect(big.split("\n")).toHaveLength(8); // header, 3 rows, "...", 3 rows
    expect(big.split("\n")[1]).toBe("[[0, 1, 2, ..., 47, 48, 49],");
    expect(big.split("\n")[4]).toBe(" ...,");
  });

  it("String(t) and template strings show the values as console.log does (one convention); a traced value shows its dtype and shape", () => {
    const t = dh.tensor([[1, 2], [3, 4]]);
    expect(String(t)).toBe(inspect(t));
    expect(`${dh.zeros([2])}`).toBe("Tensor(float32, [2]) [0, 0]");
    expect(String(dh.scalar(2.5, "float64"))).toBe("Tensor(float64, []) 2.5");
    expect(String(dh.arange(2000).reshape([40, 50])).split("\n")).toHaveLength(8); // summarized too
    let traced = "";
    dh.jit((x: dh.Tensor) => { const y = x.mul(2); traced = String(y); return y; })(dh.tensor([1, 2]));
    expect(traced).toBe("Tensor(float32, [2])");
  });
});

describe("toArray", () => {
  it("nests as deep as the rank; given the rank it checks it (the typed form, number[][] for 2)", () => {
    expect(dh.scalar(3).toArray(0)).toBe(3);
    // { dtype } as every creator takes it; the dtype string (TensorFlow.js's spelling) too
    expect(dh.scalar(2, { dtype: "float64" }).dtype).toBe("float64");
    expect(dh.scalar(2, "float64").dtype).toBe("float64");
    expect(dh.scalar(2).dtype).toBe("float32");
    expect(() => dh.scalar(2, { dtyp: "float64" } as never)).toThrow(/scalar: unknown option "dtyp"/);
    expect(() => dh.scalar(2, "int32" as never)).toThrow(/scalar: dtype must be "float32" or "float64"/);
    expect(() => dh.scalar(2, 64 as never)).toThrow(/scalar: options must be \{ dtype \}/);
    expect(dh.tensor([1, 2]).toArray(1)).toEqual([1, 2]);
    const rows: number[][] = dh.eye(2).toArray(2);
    expect(rows[1][1]).toBe(1);
    expect(dh.zeros([1, 2, 1]).toArray(3)).toEqual([[[0], [0]]]);
    expect(dh.zeros([0, 2]).toArray(2)).toEqual([]);
    expect(() => dh.eye(2).toArray(1)).toThrow(dh.ShapeError);
    expect(() => dh.eye(2).toArray(3)).toThrow(/^toArray\(3\): tensor of shape \[2, 2\] has rank 2$/);
  });
});
