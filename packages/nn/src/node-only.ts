/**
 * @ad/nn/node (this file is its entry) — the Node-only parts of @ad/nn: checkpoints to and from files, and the MNIST
 * digits read from the installed `mnist` package. Everything else (including checkpoints as
 * bytes: `saveBytes`, `loadBytes`, `restoreBytes`) is in the browser-clean main entry `@ad/nn`.
 */
export { save, load, restore } from './checkpoint-file.js';
export { mnist, type MnistOptions } from './data/mnist.js';
