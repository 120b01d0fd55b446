/**
 * @ad/nn — small neural networks on @ad: modules and layers that run in both modes, losses,
 * PyTorch's optimizers, data sets and loaders, checkpoints as bytes. Browser-clean: checkpoint
 * files and the MNIST loader, which need Node, are in `@ad/nn/node`.
 */
export { Module, Sequential, withParameters, functionalCall, parameterValues, type StateDict, type LayerFunction } from './module.js';
export { Parameter } from './parameter.js';
export { Linear, ReLU, Sigmoid, Tanh, Dropout, LeakyReLU, ELU, GELU, Softplus, Softmax, LogSoftmax, type LinearOptions } from './layers.js';
export { Conv2d, MaxPool2d, AvgPool2d, Flatten, Unflatten, type Conv2dLayerOptions } from './conv.js';
export { LayerNorm, BatchNorm1d, type LayerNormOptions, type BatchNormOptions } from './normalization.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export {
  relu,
  sigmoid,
  tanh,
  softmax,
  logSoftmax,
  leakyRelu,
  elu,
  gelu,
  softplus,
  conv2d,
  maxPool2d,
  avgPool2d,
  type GeluApproximation,
  type Conv2dOptions,
  type Pool2dOptions,
} from './functional.js';
export { bce, bceWithLogits, crossEntropy, mse, bceOp, bceWithLogitsOp, type Reduction, type LossOptions } from './losses.js';
export { Optimizer, SGD, Adam, AdamW, type SGDOptions, type AdamOptions, type OptimizerState } from './optim.js';
export { compileStep, type CompiledStep, type LossFunction } from './compile-step.js';
export {
  LRScheduler,
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearLR,
  OneCycleLR,
  SequentialLR,
  ReduceLROnPlateau,
  type SchedulerState,
  type OneCycleOptions,
  type PlateauOptions,
} from './schedulers.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
export { summary, type ModelSummary, type SummaryRow } from './summary.js';
export { saveBytes, loadBytes, restoreBytes, CheckpointError, type Checkpoint, type SaveOptions } from './checkpoint.js';
export {
  encodeSafetensors,
  decodeSafetensors,
  toSafetensors,
  fromSafetensors,
  type SafetensorsContents,
  type SaveDtype,
  type CheckpointOptions,
} from './safetensors.js';
export { F, primalOf, type TensorLike, type Out } from './types.js';
export * from './data/index.js';
