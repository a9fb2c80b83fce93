/**
 * Hyperparameter checks shared by the optimizer constructors (yogi.ts, amsgrad.ts, adamw.ts).
 *
 * Like torch.optim, a bad value fails at construction with a RangeError naming the parameter and
 * the value, instead of surfacing later as NaN parameters.
 */

/** Throws unless `value` is a finite number > 0 (a zero learning rate is almost always a typo). */
export function checkLearningRate(value: number): void {
  if (!(isFiniteNumber(value) && value > 0)) {
    throw invalid('learningRate', value, 'must be a finite number > 0');
  }
}

/** Throws unless `value` is in [0, 1): β = 1 never forgets and makes 1 − βᵗ zero. */
export function checkBeta(value: number, name: string): void {
  if (!(isFiniteNumber(value) && value >= 0 && value < 1)) {
    throw invalid(name, value, 'must be in [0, 1)');
  }
}

/** Throws unless `value` is a finite number ≥ 0 (epsilon, weight decay, initial accumulator). */
export function checkNonNegative(value: number, name: string): void {
  if (!(isFiniteNumber(value) && value >= 0)) {
    throw invalid(name, value, 'must be a finite number >= 0');
  }
}

/** The checks every Adam-family constructor makes: lr > 0, β1 and β2 in [0, 1), ε ≥ 0. */
export function checkAdamHyperparams(h: { learningRate: number; beta1: number; beta2: number; epsilon: number }): void {
  checkLearningRate(h.learningRate);
  checkBeta(h.beta1, 'beta1');
  checkBeta(h.beta2, 'beta2');
  checkNonNegative(h.epsilon, 'epsilon');
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
 * entry gives undefined (so the constructor's default applies), a non-number throws a TypeError, and
 * a number is left for the constructor's range check.
 */
export function configNumber(config: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new TypeError(`Invalid ${key} in config: ${show(value)} (must be a number)`);
  return value;
}
