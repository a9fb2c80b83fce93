/**
 * SlotOptimizer: the tf.Optimizer machinery shared by Yogi, AMSGrad and AdamW (per-variable state
 * "slots", applyGradients, getWeights/setWeights, dispose), so each of those classes only names its
 * slots and calls its rule from rules.ts.
 */
import * as tf from '@tensorflow/tfjs';

/** A tensor with a name, as tf.Optimizer's getWeights/setWeights and applyGradients use them. */
export type NamedTensor = Parameters<tf.Optimizer['setWeights']>[0][number];

/** The two argument forms tf.Optimizer.applyGradients accepts: a name→gradient map or a list. */
export type VariableGradients = Parameters<tf.Optimizer['applyGradients']>[0];

/** One step of a subclass's rule: the change to add to the parameter and the new slot values. */
export interface SlotStep {
  update: tf.Tensor;
  slots: tf.Tensor[];
}

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

interface Target {
  name: string;
  variable: tf.Variable;
  grad: tf.Tensor | undefined;
}

/**
 * Base class for optimizers whose state is a fixed list of tensors per variable (m, v, …).
 *
 * Before changing anything, applyGradients checks that every named variable exists, that gradient
 * and state shapes match it, and that every gradient is finite; a NaN or ±Infinity gradient throws an
 * Error naming the variable(s) and leaves parameters, state and the iteration count untouched. The
 * finiteness check costs one extra pass over the gradients and one device read per step.
 *
 * State is kept by position (the i-th variable of each applyGradients call), as tf.train.adam does,
 * so optimizer weights saved with a model restore into a reloaded copy whose variable names differ.
 * getWeights() returns [iter, all variables' first slot, all variables' second slot, …] (for Adam-like
 * slots that is tfjs's [iter, …m, …v]); the state tensors are the optimizer's own variables: read or
 * copy them, do not dispose them. Only the `iter` scalar is new and belongs to the caller.
 */
export abstract class SlotOptimizer extends tf.Optimizer {
  // slots[k][i]: state slotNames[k] of the i-th variable.
  private slots: Slot[][];

  protected constructor(private readonly slotNames: readonly string[]) {
    super();
    this.slots = slotNames.map(() => []);
  }

  /** The update rule for one variable: `slots` are in slotNames order; t is the 1-based step. */
  protected abstract step(param: tf.Tensor, grad: tf.Tensor, slots: tf.Tensor[], t: number): SlotStep;

  /** Starting value of slot `k` for a parameter; zeros unless a subclass says otherwise. */
  protected initialSlot(_k: number, param: tf.Tensor): tf.Tensor {
    return tf.zerosLike(param);
  }

  override applyGradients(variableGradients: VariableGradients): void {
    const targets = resolveTargets(variableGradients);
    this.checkSlotShapes(targets);
    checkFinite(targets);
    this.createMissingSlots(targets);
    const t = this.iterations + 1;
    tf.tidy(() => {
      targets.forEach(({ variable, grad }, i) => {
        if (grad === undefined) return; // tfjs convention: a variable without gradient stays put
        const slots = this.slots.map(column => column[i].variable);
        const next = this.step(variable, grad, slots, t);
        slots.forEach((slot, k) => slot.assign(next.slots[k]));
        variable.assign(variable.add(next.update));
      });
    });
    this.incrementIterations();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const state = this.slots.flatMap(column =>
      column.map(slot => ({ name: slot.originalName, tensor: slot.variable })));
    return [await this.saveIterations(), ...state];
  }

  /**
   * Restores what getWeights() returned (from this class, or from a tfjs optimizer with the same
   * slot names, e.g. tf.train.adam's [iter, …m, …v] into AdamW). The tensors are copied into new
   * variables, so the caller may dispose its own afterwards.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const columns = this.splitWeights(weightValues);
    await this.extractIterations(weightValues);
    this.disposeSlots();
    this.slots = columns.map(column => column.map(w => ({
      originalName: w.name,
      variable: w.tensor.variable(false),
    })));
  }

  override dispose(): void {
    this.disposeSlots();
    super.dispose();
  }

  // Validates the layout before anything is replaced: a wrong list must not leave half a state.
  private splitWeights(weightValues: NamedTensor[]): NamedTensor[][] {
    const perSlot = (weightValues.length - 1) / this.slotNames.length;
    const layout = `[iter, then one '<variable>/<slot>' tensor per variable for each slot ${
      this.slotNames.join(', ')}]`;
    if (weightValues.length === 0 || weightValues[0].name !== 'iter' || !Number.isInteger(perSlot)) {
      throw new Error(`${this.getClassName()}.setWeights expects ${layout}, got ${
        weightValues.length} tensors starting with '${weightValues[0]?.name}'`);
    }
    return this.slotNames.map((slotName, k) => {
      const column = weightValues.slice(1 + k * perSlot, 1 + (k + 1) * perSlot);
      const wrong = column.find(w => !w.name.endsWith(`/${slotName}`));
      if (wrong !== undefined) {
        throw new Error(`${this.getClassName()}.setWeights expects ${layout}; '${
          wrong.name}' is where a '${slotName}' tensor should be`);
      }
      return column;
    });
  }

  private checkSlotShapes(targets: Target[]): void {
    targets.forEach(({ name, variable }, i) => {
      for (const column of this.slots) {
        const slot = column[i];
        if (slot !== undefined && !tf.util.arraysEqual(slot.variable.shape, variable.shape)) {
          throw new Error(`${this.getClassName()} state '${slot.originalName}' has shape [${
            slot.variable.shape}] but variable #${i} '${name}' has shape [${variable.shape}]: ` +
            'the state was made for other variables, or in another order');
        }
      }
    });
  }

  private createMissingSlots(targets: Target[]): void {
    targets.forEach(({ name, variable }, i) => {
      this.slotNames.forEach((slotName, k) => {
        if (this.slots[k][i] === undefined) {
          this.slots[k][i] = {
            originalName: `${name}/${slotName}`,
            variable: tf.tidy(() => this.initialSlot(k, variable).variable(false)),
          };
        }
      });
    });
  }

  private disposeSlots(): void {
    this.slots.forEach(column => column.forEach(slot => slot.variable.dispose()));
    this.slots = this.slotNames.map(() => []);
  }
}

function resolveTargets(variableGradients: VariableGradients): Target[] {
  // The map form is typed Tensor-valued, but tfjs callers may pass null for "no gradient".
  const pairs: Array<[string, tf.Tensor | null | undefined]> = Array.isArray(variableGradients)
    ? variableGradients.map(({ name, tensor }) => [name, tensor])
    : Object.keys(variableGradients).map(name => [name, variableGradients[name]]);
  const registered = tf.engine().registeredVariables;
  return pairs.map(([name, grad]) => {
    const variable = registered[name];
    if (variable === undefined) {
      throw new Error(`applyGradients: no tf.Variable named '${name}' is registered`);
    }
    if (grad != null && !tf.util.arraysEqual(grad.shape, variable.shape)) {
      throw new Error(`applyGradients: gradient for '${name}' has shape [${
        grad.shape}] but the variable has shape [${variable.shape}]`);
    }
    return { name, variable, grad: grad ?? undefined };
  });
}

function checkFinite(targets: Target[]): void {
  const withGrad = targets.filter(
    (target): target is Target & { grad: tf.Tensor } => target.grad !== undefined);
  if (withGrad.length === 0) return;
  // One device read for all gradients at once.
  const finite = tf.tidy(() =>
    tf.stack(withGrad.map(({ grad }) => tf.all(tf.isFinite(grad)))).dataSync());
  const bad = withGrad.filter((_, j) => !finite[j]).map(({ name }) => `'${name}'`);
  if (bad.length > 0) {
    throw new Error(`Non-finite gradient (NaN or Infinity) for variable ${bad.join(', ')}; ` +
      'parameters and optimizer state were left unchanged');
  }
}
