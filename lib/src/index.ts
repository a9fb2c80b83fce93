/**
 * d2l — helpers for the TypeScript port of the "Adam" chapter of Dive into Deep Learning.
 * Map of the modules (each answers one question):
 *   backend     which TensorFlow.js backend runs the tensors
 *   hub         where data sets come from, verified by sha1 and cached
 *   data        minibatch iteration and the chapter's airfoil data (getDataCh11)
 *   model       linear regression, squared loss, whole-data evaluation
 *   train       the training loops (trainCh11, trainConciseCh11)
 *   figure      plotly figures and the live Animator
 *   optimizers  Yogi, AMSGrad, AdamW (and a correct Adadelta) as tf.Optimizer classes, on one
 *               file of update rules, with fused in-place steps for large tensors
 *   display     rich output through the tslab kernel
 *   claims      claim/claimClose: a notebook stops when a number its prose states no longer holds
 *   compare     the ill-scaled regression and result tables of the optimizer comparison (notebook 02)
 *   toys        2D test functions with gradients and optimizer trajectories on them (notebook 04)
 *   contour     contour plots of those functions with static or animated paths (notebook 04)
 *   online      Reddi et al.'s online counterexamples to Adam and a runner for them (notebook 05)
 *   decay       weight decay against an L2 penalty: data, ridge solution, full-batch fits (notebook 05)
 *   panels      line plots as small multiples; log axes with readable ticks (notebooks 04–06)
 *   timer, accumulator, random   small utilities from the book
 */
import * as tf from '@tensorflow/tfjs';

// Our own line (see backend.ts) says which backend runs; prod mode drops tfjs's banner and debug checks.
tf.enableProdMode();

export { tf };
export * from './accumulator';
export * from './backend';
export * from './compare';
export * from './data';
export * from './display';
export * from './figure';
export * from './hub';
export * from './model';
export * from './optimizers';
export * from './random';
export * from './timer';
export * from './train';
export * from './claims';
export * from './contour';
export * from './toys';
export * from './online';
export * from './panels';
export * from './decay';
