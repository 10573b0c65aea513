export * from "./elementwise.js";
export * from "./reduce.js";
export * from "./shape.js";
export * from "./matmul.js";
export * from "./activation.js";
export * from "./logisticLoss.js";
export * from "./topk.js";
