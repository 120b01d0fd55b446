/**
 * registerOp's machinery: a new entry joins the table, every algebra built so far (so anyOps,
 * tensorOps and each mode's algebra have its function) and every method host.
 */
import type { Entry } from '../ops/signature.js';
import { table } from '../ops/table.js';
import { addToHosts } from './hosts.js';
import { addToAlgebras } from './make-algebra.js';

/** Adds a checked entry to the table, to every algebra and to every class with the table's methods. */
export function addEntry(entry: Entry): void {
  table[entry.name] = entry;
  addToAlgebras(entry);
  addToHosts(entry);
}
