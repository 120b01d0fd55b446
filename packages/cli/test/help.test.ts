/** `--help` for the command and each subcommand: usage on stdout, exit 0. */
import { ad, ensureBuilt, scratch } from './run.js';

beforeAll(ensureBuilt);

const HELP: [string[], string, string[]][] = [
  [
    ['--help'],
    'Usage: ad [options] [command]',
    ['train [options]', 'eval [options]', 'summary [options]', 'compare [options]', 'graph [options]', 'compile [options]'],
  ],
  [
    ['train', '--help'],
    'Usage: ad train [options]',
    [
      '--data <name>',
      'mnist',
      '--hidden <sizes>',
      '--activation <fn>',
      '--loss <name>',
      '--optimizer <name>',
      '--lr <rate>',
      '--epochs <n>',
      '--batch <n>',
      '--seed <n>',
      '--out <file>',
      '--plot <file>',
      '--resume <file>',
      '--model <kind>',
      '--channels <sizes>',
    ],
  ],
  [['eval', '--help'], 'Usage: ad eval [options]', ['--checkpoint <file>', '--data <name>', '--split <part>']],
  [['summary', '--help'], 'Usage: ad summary [options]', ['--checkpoint <file>', '--input <shape>']],
  [
    ['compare', '--help'],
    'Usage: ad compare [options]',
    ['--fn <expr>', '--at <point>', '--family <name>', '--n <sizes>', '--m <sizes>', '--chunk <sizes>', '--mlp <sizes>'],
  ],
  [['graph', '--help'], 'Usage: ad graph [options]', ['--fn <expr>', '--at <point>', '--tangent <seed>', '--out <file>', '--format <kind>']],
  [['compile', '--help'], 'Usage: ad compile [options]', ['--fn <expr>', '--at <point>', '--mode <mode>']],
  [['help', 'train'], 'Usage: ad train [options]', ['--resume <file>']],
];

test.concurrent.each(HELP)('ad %p', async (args, usage, mentions) => {
  const r = await ad(args, scratch());
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout.split('\n')[0]).toBe(usage);
  for (const m of mentions) expect(r.stdout).toContain(m);
});

test('ad --version', async () => {
  const r = await ad(['--version'], scratch());
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('0.1.0\n');
});
