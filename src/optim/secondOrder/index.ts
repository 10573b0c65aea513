/** Second-order training optimizers: they read loss closures, curvature products and layer captures from `update`'s extra channel. */
export { sam, type SamOptions, type SamState } from "./sam.js";
export { shampoo, type ShampooOptions, type ShampooState, type ShampooLeafState, type ShampooBlockState, type ShampooGraftingConfig } from "./shampoo.js";
export { soap, type SoapOptions, type SoapState, type SoapLeafState } from "./soap.js";
export { sophia, type SophiaOptions, type SophiaState, type SophiaEstimator, type SophiaRngState } from "./sophia.js";
export { kfac, type KfacOptions, type KfacState, type KfacLayerState } from "./kfac.js";
export { naturalGradient, type NaturalGradientOptions, type NaturalGradientState } from "./naturalGradient.js";
