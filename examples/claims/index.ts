/** The gallery, in the order of the page: optimisation claims first, then the generalisation ones. */
import type { Claim } from "./claim.js";
import { claim as learningRate } from "./learning-rate.js";
import { claim as momentumRavine } from "./momentum-ravine.js";
import { claim as nesterovPolyak } from "./nesterov-polyak.js";
import { claim as newtonOrder } from "./newton-order.js";
import { claim as saddleEscape } from "./saddle-escape.js";
import { claim as tanhInit } from "./tanh-init.js";
import { claim as dyingRelu } from "./dying-relu.js";
import { claim as adamWarmup } from "./adam-warmup.js";
import { claim as sgdAdamFlat } from "./sgd-adam-flat.js";
import { claim as largeBatch } from "./large-batch.js";
import { claim as grokking } from "./grokking.js";

export const claims: readonly Claim[] = [learningRate, momentumRavine, nesterovPolyak, newtonOrder, saddleEscape, tanhInit, dyingRelu, adamWarmup, sgdAdamFlat, largeBatch, grokking];
