/**
 * The optimizers: each one's update rule and descriptor (catalog.ts), the tf.Optimizer class made from
 * it (rule-optimizer.ts), fused in-place steps compiled from the same rule (kernels.ts), and the
 * registry of every optimizer known by name (registry.ts), tf.train's included.
 */
export * from './catalog';
export * from './ops';
export * from './rule';
export * from './tensor-step';
export * from './updates';
export * from './classic';
export * from './rules';
export * from './registry';
export { defineOptimizer, RuleOptimizer } from './rule-optimizer';
export type { OptimizerClass, OptimizerDescriptor, NamedTensor } from './rule-optimizer';
export { fusedKernelsAvailable, fusedPathCounts, fusedStep, setFusedKernels } from './kernels';
export type { FusedItem } from './kernels';
export { INTERNALS, missingInternals } from './storage';
