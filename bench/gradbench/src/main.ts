/**
 * The tool's process: one JSON message per line on stdin, one JSON response per line on stdout
 * (written synchronously: stdout to a pipe is synchronous in Node on Linux and macOS, so each
 * line leaves before the next message is read). Stdout carries nothing else: anything a library
 * would print with console.log goes to stderr.
 */
import { createInterface } from 'node:readline';
import { type Message, respond } from './protocol.js';

console.log = console.error;
console.info = console.error;

for await (const line of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
  if (line.trim() === '') continue;
  process.stdout.write(`${JSON.stringify(respond(JSON.parse(line) as Message))}\n`);
}
