/**
 * Hyperparameter checks shared by the optimizers (catalog.ts) and makeOptimizer (registry.ts).
 *
 * Like torch.optim, a bad value fails at construction with a RangeError naming the parameter and
 * the value, instead of surfacing later as NaN parameters.
 */

/** Throws unless `value` is a finite number > 0 (a zero learning rate is almost always a typo). */
export function checkLearningRate(value: number): void {
  checkPositive(value, 'learningRate');
}

/** Throws unless `value` is in [0, 1): β = 1 never forgets and makes 1 − βᵗ zero. */
export function checkBeta(value: number, name: string): void {
  if (!(isFiniteNumber(value) && value >= 0 && value < 1)) {
    throw invalid(name, value, 'must be in [0, 1)');
  }
}

/** Throws unless `value` is a finite number > 0, or ≥ 0 when `zeroAllowed` (weight decay, initial accumulator). */
export function checkPositive(value: number, name: string, zeroAllowed = false): void {
  if (!(isFiniteNumber(value) && (zeroAllowed ? value >= 0 : value > 0))) {
    throw invalid(name, value, `must be a finite number ${zeroAllowed ? '>= 0' : '> 0'}`);
  }
}

/**
 * The checks every Adam-family optimizer makes: lr > 0, β1 and β2 in [0, 1), ε > 0 — with ε = 0 a
 * coordinate whose gradients have all been 0 computes 0/0 = NaN.
 */
export function checkAdamHyperparams(h: { learningRate: number; beta1: number; beta2: number; epsilon: number }): void {
  checkLearningRate(h.learningRate);
  checkBeta(h.beta1, 'beta1');
  checkBeta(h.beta2, 'beta2');
  if (h.epsilon === 0) {
    throw invalid('epsilon', 0, 'must be a finite number > 0: with ε = 0 a coordinate whose gradient has been 0 becomes 0/0 = NaN; use e.g. 1e-8');
  }
  checkPositive(h.epsilon, 'epsilon');
}

/** Throws unless every key of `config` is a hyperparameter of `defaults`, listing the valid ones. */
export function checkConfigKeys(optimizer: string, config: object, defaults: object): void {
  const valid = Object.keys(defaults);
  for (const key of Object.keys(config)) {
    if (!valid.includes(key)) {
      throw new RangeError(`Unknown hyperparameter '${key}' for ${optimizer}: use ${valid.join(', ')}`);
    }
  }
}

// typeof guards values that arrive untyped through getConfig/fromConfig or plain JS callers.
function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function invalid(name: string, value: unknown, rule: string): RangeError {
  return new RangeError(`Invalid ${name}: ${show(value)} (${rule})`);
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Reads a numeric hyperparameter from a getConfig() dictionary for fromConfig: a missing or null
 * entry gives undefined (so the default applies), a non-number throws a TypeError, and a number is
 * left for the range check.
 */
export function configNumber(config: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new TypeError(`Invalid ${key} in config: ${show(value)} (must be a number)`);
  return value;
}
