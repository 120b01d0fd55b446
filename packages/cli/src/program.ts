/**
 * The command line of `ad`, declared with commander: the subcommands, their flags, their help.
 * Each action loads its module only when it runs, so `ad --help` does not pay for Vega, mathjs
 * or the MNIST files. Flag values are checked by the parsers of args.ts as they are read.
 */
import { Command, Option } from 'commander';
import { choiceFlag, numberFlag, parseNumber, parseNumberList, parseSizes } from './args.js';
import { ACTIVATIONS, DATASETS, FORMATS, LOSSES, MODELS, MODES, OPTIMIZERS, SCHEDULES, SPLITS } from './choices.js';
import { UsageError } from './errors.js';
import type { Streams } from './streams.js';
import { CNN_PRESET, PRESETS } from './presets.js';

export const SUBCOMMANDS = ['train', 'eval', 'summary', 'compare', 'graph', 'compile'] as const;

/** MNIST's preset, quoted in the help so it cannot drift from what runs. */
const MNIST = PRESETS.mnist;

const positiveInt = { integer: true, min: 0, exclusiveMin: true } as const;
const positive = { min: 0, exclusiveMin: true } as const;

/** `--test 2000` (a count) or `--test 0.2` (a fraction). */
function parseTest(value: string): number {
  const x = parseNumber('--test', value, positive);
  if (x >= 1 && !Number.isInteger(x)) throw new UsageError(`--test must be a fraction in (0, 1) or a whole number of rows, got ${JSON.stringify(value)}`);
  return x;
}

/**
 * `--model` names an architecture in `ad train` (mlp, cnn); the file `ad eval` and `ad summary`
 * read is `--checkpoint`. The old spelling is refused with the new one rather than kept: one flag
 * must not mean two things.
 */
function movedToCheckpoint(command: string): (value: string) => never {
  return (value) => {
    throw new UsageError(`ad ${command} reads a checkpoint with --checkpoint ${value} (--model names an architecture in ad train)`);
  };
}

export function buildProgram(io: Streams): Command {
  const program = new Command('ad');
  program
    .description(
      'The @ad toolkit on the command line: train MLPs, compare forward- and reverse-mode seeds, draw the recorded graph, compile a derivative to straight-line code.',
    )
    .version('0.1.0', '-V, --version')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Errors are printed by main() as one line with the subcommand's name.
      outputError: () => undefined,
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);

  program
    .command('train')
    .description(
      `Train an MLP (MNIST by default: 784-${MNIST.hidden.join('-')}-10, ≥ 96 % test accuracy in about a minute on two cores). Flags left out take the data set's preset.`,
    )
    .addOption(new Option('--data <name>', 'data set').choices(DATASETS).argParser(choiceFlag('--data', DATASETS)))
    .addOption(
      new Option('--model <kind>', `mlp (default), or cnn: ${CNN_PRESET.channels.length} conv + pool blocks and a linear head, mnist only`)
        .choices(MODELS)
        .argParser(choiceFlag('--model', MODELS)),
    )
    .option('--channels <sizes>', `the cnn's channels per conv block (default ${CNN_PRESET.channels.join(',')})`, (v) =>
      parseNumberList('--channels', v, { ...positiveInt, max: 1024 }),
    )
    .option('--hidden <sizes>', `hidden layer sizes, comma-separated (mnist: ${MNIST.hidden.join(',')})`, (v) =>
      parseNumberList('--hidden', v, { ...positiveInt, max: 16384 }),
    )
    .addOption(new Option('--activation <fn>', 'hidden activation').choices(ACTIVATIONS).argParser(choiceFlag('--activation', ACTIVATIONS)))
    .option('--dropout <p>', `dropout after each hidden layer, in [0, 0.95] (mnist: ${MNIST.dropout})`, numberFlag('--dropout', { min: 0, max: 0.95 }))
    .addOption(new Option('--loss <name>', 'ce: cross-entropy; bce: binary cross-entropy on logits').choices(LOSSES).argParser(choiceFlag('--loss', LOSSES)))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZERS).argParser(choiceFlag('--optimizer', OPTIMIZERS)))
    .option('--lr <rate>', `learning rate (mnist: ${MNIST.lr})`, numberFlag('--lr', { ...positive, max: 10 }))
    .option('--momentum <m>', 'SGD momentum (default 0.9)', numberFlag('--momentum', { min: 0, max: 0.999 }))
    .option('--weight-decay <λ>', 'weight decay (adamw default 0.01)', numberFlag('--weight-decay', { min: 0, max: 10 }))
    .addOption(
      new Option('--schedule <kind>', `learning rate over the run (mnist: ${MNIST.schedule})`)
        .choices(SCHEDULES)
        .argParser(choiceFlag('--schedule', SCHEDULES)),
    )
    .option(
      '--epochs <n>',
      `epochs in all (with --resume: train up to this many) (mnist: ${MNIST.epochs})`,
      numberFlag('--epochs', { ...positiveInt, max: 100000 }),
    )
    .option('--batch <n>', `mini-batch size (mnist: ${MNIST.batch})`, numberFlag('--batch', { ...positiveInt, max: 100000 }))
    .option(
      '--seed <n>',
      'seed of the split, the initial weights, the batches and the dropout masks (default 0)',
      numberFlag('--seed', { integer: true, min: 0, max: 2 ** 31 - 1 }),
    )
    .option('--limit <n>', 'use only n rows of the data set (a quick run)', numberFlag('--limit', { ...positiveInt, max: 1_000_000 }))
    .option('--test <size>', 'held-out test rows: a count or a fraction (mnist: 2000 of 10000, else 0.25)', parseTest)
    .option(
      '--shift <px>',
      `random image shifts of up to px pixels (mnist only; default ${MNIST.shift}, 0 for none)`,
      numberFlag('--shift', { integer: true, min: 0, max: 8 }),
    )
    .option(
      '--out <file>',
      'checkpoint to write: safetensors (default <data>.safetensors, e.g. mnist.safetensors), or the earlier JSON format for a .json name; with --resume, the resumed file',
    )
    .option('--plot <file>', 'learning curves as SVG (default curves.svg)')
    .option('--no-plot', 'do not draw the learning curves')
    .option('--resume <file>', 'continue training a checkpoint written by ad train')
    .action(async (flags) => (await import('./train.js')).train(flags, io));

  program
    .command('eval')
    .description('Score a checkpoint: accuracy and confusion matrix, by default on the test rows its training held out.')
    .option('--checkpoint <file>', 'checkpoint written by ad train (default: the newest <data>.safetensors here)')
    .addOption(new Option('--model <file>').hideHelp().argParser(movedToCheckpoint('eval')))
    .addOption(new Option('--data <name>', 'data set (default: the one it was trained on)').choices(DATASETS).argParser(choiceFlag('--data', DATASETS)))
    .addOption(new Option('--split <part>', 'which rows (default test)').choices(SPLITS).argParser(choiceFlag('--split', SPLITS)))
    .action(async (flags) => (await import('./evaluate.js')).evaluateModel(flags, io));

  program
    .command('summary')
    .description("List a checkpoint's layers with their output shapes for an input and their parameter counts (like torchinfo).")
    .option('--checkpoint <file>', 'checkpoint written by ad train (default: the newest <data>.safetensors here)')
    .addOption(new Option('--model <file>').hideHelp().argParser(movedToCheckpoint('summary')))
    .option('--input <shape>', 'input shape, comma-separated (default 1,<features of its data set>)', (v) =>
      parseNumberList('--input', v, { ...positiveInt, max: 1_000_000 }),
    )
    .action(async (flags) => (await import('./summary.js')).summarize(flags, io));

  program
    .command('compare')
    .description(
      'Forward vs reverse mode: seeds on an expression (--fn), Jacobian costs over a family of functions (--family), compressed seeds of sparse Jacobians (--sparse), or an MLP gradient (--mlp).',
    )
    .option('--fn <expr>', 'expression(s) in the variables of --at, e.g. "(x+y)*(x-y)" or "[x*y, sin(x)]"')
    .option('--at <point>', 'the point, e.g. x=3,y=2 (its order is the order of the inputs)')
    .option('--tangent <seed>', 'an extra forward seed ẋ, e.g. 1,-1 (repeatable)', (v, prev: number[][] = []) => [...prev, parseNumberList('--tangent', v, {})])
    .option('--cotangent <seed>', 'an extra reverse seed ȳ, e.g. 1,1 (repeatable)', (v, prev: number[][] = []) => [
      ...prev,
      parseNumberList('--cotangent', v, {}),
    ])
    .option('--nan-safe', 'forward mode with a zero tangent times an infinite partial taken as 0 (ForwardDiff’s NaN-safe mode)')
    .option('--family <name>', 'a family of functions f: Rⁿ → Rᵐ (tanh-layer, tanh-mlp)')
    .option('--sparse [family]', 'compressed seeds of a sparse family (tridiagonal, pentadiagonal, arrowhead, stencil), or with --fn of the expression')
    .option('--n <sizes>', 'input sizes: 1..64 (doubling), or a list 1,8,32 (default 1..64; --sparse: 16,1000,10000)', (v) => parseSizes('--n', v, 1_000_000))
    .option('--m <sizes>', 'output sizes, as --n (default 1..64)', (v) => parseSizes('--m', v, 4096))
    .option('--chunk <sizes>', 'jacfwd chunk widths k to time, comma-separated (default 1,8)', (v) =>
      parseNumberList('--chunk', v, { ...positiveInt, max: 4096 }),
    )
    .option('--plot <file>', 'picture as SVG: the crossover for --family (default crossover.svg), the colored pattern for --sparse (default sparsity.svg)')
    .option('--no-plot', 'do not draw the picture')
    .option('--mlp <sizes>', 'an MLP by its layer sizes, e.g. 784,128,10: its loss gradient by both modes')
    .option('--subset <p>', 'parameters to differentiate by forward mode, for --mlp (default 64)', numberFlag('--subset', { ...positiveInt, max: 100000 }))
    .option('--batch <n>', 'rows in the loss, for --mlp (default 32)', numberFlag('--batch', { ...positiveInt, max: 10000 }))
    .option('--seed <n>', 'seed of the random weights and inputs (default 0)', numberFlag('--seed', { integer: true, min: 0, max: 2 ** 31 - 1 }))
    .action(async (flags) => (await import('./compare.js')).compare(flags, io));

  program
    .command('graph')
    .description("Draw the recorded reverse-mode graph of an expression with each node's value, tangent and adjoint, and print its evaluation trace.")
    .requiredOption('--fn <expr>', 'one expression, e.g. "(x+y)*(x-y)"')
    .requiredOption('--at <point>', 'the point, e.g. x=3,y=2')
    .option('--tangent <seed>', 'the forward seed ẋ whose tangents are shown (default e₁)', (v) => parseNumberList('--tangent', v, {}))
    .option('--out <file>', 'where to write the picture (default graph.svg; with --format dot, print DOT unless given)')
    .addOption(new Option('--format <kind>', 'svg (rendered with WASM Graphviz) or dot').choices(FORMATS).argParser(choiceFlag('--format', FORMATS)))
    .action(async (flags) => (await import('./graph.js')).graph(flags, io));

  program
    .command('compile')
    .description(
      'Source transformation: the Wengert list of an expression, the straight-line program jit emits for its derivative (primal and adjoint together), and what it costs against f.',
    )
    .requiredOption('--fn <expr>', 'expression(s), e.g. "(x+y)*(x-y)" or "[x*y, sin(x)]"')
    .option('--at <point>', 'the point, e.g. x=3,y=2 (default: the variables in order of appearance = 1, 2, …)')
    .addOption(
      new Option('--mode <mode>', 'reverse: jit(grad) (jit(jacrev) for several outputs); forward: jit(jacfwd)')
        .choices(MODES)
        .argParser(choiceFlag('--mode', MODES)),
    )
    .action(async (flags) => (await import('./compile.js')).compile(flags, io));

  return program;
}
