/**
 * The Adam-family optimizers the chapter discusses but tfjs lacks: Yogi, AMSGrad, AdamW, on the
 * update rules of rules.ts, with fused in-place steps for large parameters (fused.ts); and Adadelta
 * as its paper defines it (tf.train.adadelta takes SGD's steps).
 */
export * from './rules';
export { SlotOptimizer } from './slot-optimizer';
export type { SlotStep } from './slot-optimizer';
export { Yogi, yogi } from './yogi';
export { AMSGrad, amsgrad } from './amsgrad';
export { AdamW, adamw } from './adamw';
export { fusedAdamStep, fusedAmsgradStep, fusedKernelsAvailable, fusedYogiStep, setFusedKernels } from './fused';
export { Adadelta } from './adadelta';
