export { batches, Batches, takeRows, type Batch, type BatchOptions } from "./data.js";
