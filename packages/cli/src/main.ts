/// <reference types="node" preserve="true" />
// (The reference carries into main.d.ts, so a consumer's compiler finds NodeJS.WritableStream
// through the @types/node this package depends on, whatever its own `types` setting.)
/**
 * Runs one `ad` command line: parses it with commander, runs the subcommand, and turns any
 * failure into one line on stderr and a non-zero exit code (2 for bad usage, 1 otherwise).
 */
import { CommanderError } from 'commander';
import { EXIT_USAGE, errorLine, exitCodeOf } from './errors.js';
import { buildProgram, SUBCOMMANDS } from './program.js';
import type { Streams } from './streams.js';

export type { Streams } from './streams.js';

/** Runs `ad` with the given arguments (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], streams: Streams = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const sub = SUBCOMMANDS.find((s) => s === argv[0]);
  const command = sub === undefined ? 'ad' : `ad ${sub}`;
  const program = buildProgram(streams);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" under exitOverride; their text is already printed.
      if (err.exitCode === 0) return 0;
      if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync') return err.exitCode;
      streams.stderr.write(`${errorLine(command, err.message.replace(/^error: /, ''))}\n`);
      return EXIT_USAGE;
    }
    streams.stderr.write(`${errorLine(command, err)}\n`);
    return exitCodeOf(err);
  }
}
