/**
 * d2l — helpers for the TypeScript port of the "Adam" chapter of Dive into Deep Learning.
 * Map of the modules (each answers one question):
 *   backend     which TensorFlow.js backend runs the tensors
 *   hub         where data sets come from, verified by sha1 and cached
 *   data        minibatch iteration and the chapter's airfoil data (getDataCh11)
 *   model       linear regression, squared loss, whole-data evaluation
 *   train       the training loops (trainCh11, trainConciseCh11)
 *   figure      plotly figures and the live Animator; figure-svg draws their static picture
 *   optimizers  Yogi, AMSGrad, AdamW (and a correct Adadelta) as tf.Optimizer classes, each one rule
 *               and one descriptor (catalog.ts), fused in-place steps compiled from the same rules,
 *               and the registry of every optimizer known by name
 *   display     rich output through the tslab kernel
 *   claims      claim/claimClose: a notebook stops when a number its prose states no longer holds
 *   synthetic   regression data sets that separate optimizers: ill-scaled features (notebook 02)
 *   table       result tables as HTML with a text copy
 *   linear      exact least squares and SGD's stability limit for linear regression (notebooks 01–02)
 *   panels      small multiples: a grid of small plots on shared axes (notebooks 02–06)
 *   sweep       a learning-rate sweep: final loss against η over seeds (notebook 02)
 *   adamlab     experiments on Adam's step: moments, step bounds, the efficient form (notebook 03)
 *   toys        2D test functions with gradients and plain-number trajectories on them (notebook 04)
 *   toy-runs    the same trajectories walked by real tf.Optimizers (notebook 04)
 *   contour     contour plots of those functions with static or animated paths (notebook 04)
 *   online      Reddi et al.'s online counterexamples to Adam and a plain-number runner (notebook 05)
 *   online-runs the same games played with the tensor rules (notebook 05)
 *   decay       weight decay against an L2 penalty: data, ridge solution, full-batch fits (notebook 05)
 *   playground  live widgets computed in the page by the lib's own rules (notebooks 03–06); live/ has their math
 *   timer, accumulator, random   small utilities from the book
 */
import * as tf from '@tensorflow/tfjs';

// Deliberately at import: the cpu backend prints a "Hi, looks like you are running TensorFlow.js in
// Node.js" banner on stderr at its first tensor, which tslab shows as an error-red output in whatever
// cell first touches a tensor, and tfjs has no narrower switch than PROD (which only silences its
// warnings). The lib prints its own line naming the backend (backend.ts).
tf.enableProdMode();

export { tf };
export * from './accumulator';
export * from './backend';
export * from './synthetic';
export * from './table';
export * from './linear';
export * from './panels';
export * from './sweep';
export * from './adamlab';
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
export * from './toy-runs';
export * from './online';
export * from './online-runs';
export * from './playground';
export * from './live/trajectories';
export * from './live/reddi';
export * from './live/bias';
export * from './live/noise';
export * from './decay';
