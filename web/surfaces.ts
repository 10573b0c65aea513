/** The explorer's surfaces: each a formula in the language of formula.ts, with a start, a view and its minimum where known. */
export interface Surface {
  id: string;
  name: string;
  formula: string;
  start: number[];
  /** [xmin, xmax, ymin, ymax]; for a 1-D surface ymin, ymax are ignored (the f axis is fitted). */
  view: [number, number, number, number];
  /** The minimum value, for the loss axis (f - fStar); none: the loss axis shows |f|. */
  fStar?: number;
  /** A fixed gradient step that is stable here (about 1/L), the SGD family's default learning rate. */
  sgdLr: number;
  note: string;
}

export const SURFACES: readonly Surface[] = [
  { id: "parabola", name: "1-D parabola", formula: "x^2", start: [2.5], view: [-3, 3, 0, 0], fStar: 0, sgdLr: 0.1, note: "f = x^2, L = 2: gradient descent converges for lr < 2/L = 1 and diverges above." },
  { id: "ravine", name: "Quadratic ravine", formula: "x^2/2 + 25 y^2", start: [-8, 1.5], view: [-10, 10, -4, 4], fStar: 0, sgdLr: 0.02, note: "Hessian diag(1, 50), condition number 50: lr > 2/50 = 0.04 diverges across the ravine." },
  { id: "rosenbrock", name: "Rosenbrock", formula: "(1 - x)^2 + 100 (y - x^2)^2", start: [-1.2, 1], view: [-2, 2, -1, 3], fStar: 0, sgdLr: 1e-3, note: "The banana valley; minimum 0 at (1, 1)." },
  { id: "beale", name: "Beale", formula: "(1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2", start: [1, 1.4], view: [-4.5, 4.5, -4.5, 4.5], fStar: 0, sgdLr: 1e-3, note: "Minimum 0 at (3, 0.5), steep walls near the corners." },
  { id: "himmelblau", name: "Himmelblau", formula: "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", start: [0, 0], view: [-5, 5, -5, 5], fStar: 0, sgdLr: 0.01, note: "Four minima of value 0, e.g. (3, 2)." },
  { id: "saddle", name: "Saddle", formula: "x^2 - y^2", start: [-2.5, 0.01], view: [-3, 3, -3, 3], sgdLr: 0.05, note: "Unbounded below: every method leaves along y, Newton too (its Hessian shift turns the step downhill; a pure Newton step would jump to the saddle point)." },
];

export const CUSTOM_VIEW: [number, number, number, number] = [-4, 4, -4, 4];
