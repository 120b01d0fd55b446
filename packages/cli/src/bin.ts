#!/usr/bin/env node
/** The `ad` executable: runs the command line and exits with its code. */
import { main } from './main.js';

// A reader that stops early (`ad graph --format dot | head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2));
