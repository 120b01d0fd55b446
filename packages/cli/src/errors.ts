/**
 * How the command fails: one line on stderr and a non-zero exit, never a stack trace.
 * Errors of @ad (AdError and its kinds) already read `op: what went wrong`; the CLI adds which
 * subcommand was running. Exit codes: 2 for bad usage (flags, values), 1 for anything else.
 * (This module imports nothing of the toolkit, so a bad flag is reported before it loads.)
 */

/** A flag or value the user gave that cannot be used. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Something the command could not do with valid flags (a missing file, a failed render). Exit code 1. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The one line to print for an error, prefixed with the command that was running (`ad train`). */
export function errorLine(command: string, err: unknown): string {
  const text = messageOf(err)
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  return `${command}: ${text}`;
}

export function exitCodeOf(err: unknown): number {
  return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    // A Node system error keeps its code for the reader (ENOENT, EACCES), not its stack.
    return code !== undefined && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
