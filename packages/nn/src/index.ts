/**
 * @ad/nn — small neural networks on @ad: modules and layers that run in both modes, losses,
 * PyTorch's optimizers, data sets and loaders, checkpoints as bytes. Browser-clean: checkpoint
 * files and the MNIST loader, which need Node, are in `@ad/nn/node`.
 */
export { Module, Sequential, withParameters, type StateDict, type LayerFunction } from './module.js';
export { Parameter } from './parameter.js';
export { Linear, ReLU, Sigmoid, Tanh, Dropout, type LinearOptions } from './layers.js';
export { relu, sigmoid, tanh, softmax, logSoftmax } from './functional.js';
export { bce, bceWithLogits, crossEntropy, mse, bceOp, bceWithLogitsOp, type Reduction, type LossOptions } from './losses.js';
export { Optimizer, SGD, Adam, AdamW, type SGDOptions, type AdamOptions, type OptimizerState } from './optim.js';
export { saveBytes, loadBytes, restoreBytes, CheckpointError, type Checkpoint, type SaveOptions } from './checkpoint.js';
export { F, primalOf, type TensorLike, type Out } from './types.js';
export * from './data/index.js';
