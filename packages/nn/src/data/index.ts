/**
 * Data for @ad/nn: real data sets (Iris; the MNIST digits, read from disk, are in `@ad/nn/node`),
 * small synthetic ones (XOR, moons, spirals), seeded train/test splits, one-hot labels, standardisation and a mini-batch loader.
 * Everything random draws from core's seeded `Generator`: the same seed gives the same data.
 */
export { takeRows, type Dataset, type SeedOptions } from './dataset.js';
export { iris } from './iris.js';
export { xor, moons, spirals, type XorOptions, type MoonsOptions, type SpiralsOptions } from './synthetic.js';
export { trainTestSplit, type SplitOptions } from './split.js';
export { oneHot, Standardizer, type StandardizerOptions } from './transforms.js';
export { DataLoader, type Batch, type DataLoaderOptions } from './loader.js';
