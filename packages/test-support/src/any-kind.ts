/** Any @ad kind through one door: the programs call functions by name on numbers, tensors, duals and graph nodes alike. */
import type { Algebra } from '@ad/core';
import { anyOps } from '@ad/core/engine';

/** anyOps, callable by a function's name (the programs hold op names as data). */
export const O = anyOps as unknown as Record<string, (...args: unknown[]) => unknown> & Algebra<unknown>;

/** An object whose methods can be called by name (a dual, a graph node, a tensor). */
export const isObj = (x: unknown): x is Record<string, (...a: unknown[]) => unknown> => typeof x === 'object' && x !== null;
