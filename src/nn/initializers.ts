/**
 * The `nn.init` namespace: every weight initializer in one place (`nn.init.heNormal()`,
 * `nn.init.zeros`), apart from the tensor constructors (`dh.zeros` makes a tensor; `nn.init.zeros`
 * fills a weight). Layers also take them by name: `nn.linear(784, 256, { init: "heNormal" })`.
 */
export {
  computeFans, glorotUniform, glorotNormal, heUniform, heNormal, zerosInit as zeros, resolveInitializer,
  glorotUniform as xavierUniform, glorotNormal as xavierNormal, heUniform as kaimingUniform, heNormal as kaimingNormal,
  type Initializer, type InitializerName,
} from "./init.js";
