/**
 * The words some flags take, in a module of their own with no imports, so the command-line
 * parser (and `ad --help`) can list them without loading the toolkit.
 */
export const DATASETS = ['mnist', 'iris', 'xor', 'moons', 'spirals'] as const;
export type DatasetName = (typeof DATASETS)[number];

export const MODELS = ['mlp', 'cnn'] as const;
export type ModelKind = (typeof MODELS)[number];

export const ACTIVATIONS = ['relu', 'tanh'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const LOSSES = ['ce', 'bce'] as const;
export type LossName = (typeof LOSSES)[number];

export const OPTIMIZERS = ['adam', 'adamw', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const SCHEDULES = ['cosine', 'constant'] as const;
export type Schedule = (typeof SCHEDULES)[number];

export const SPLITS = ['test', 'train', 'all'] as const;
export type Split = (typeof SPLITS)[number];

export const FORMATS = ['svg', 'dot'] as const;
export type Format = (typeof FORMATS)[number];

export const MODES = ['reverse', 'forward'] as const;
export type Mode = (typeof MODES)[number];
