/**
 * Checkpoint files under stress: unique temporary names (concurrent saves from worker threads
 * to one path), temporary files removed on failure and, when killed processes or terminated
 * worker threads left them, on the next save (one held open by a writer is kept); bad arguments and sane-looking files with insane shapes refused by name.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DTypeError } from '@ad/core';
import { CheckpointError, Linear, Sequential, relu, saveBytes } from '../src/index.js';
import { load, restore, save } from '../src/node-only.js';

const dir = mkdtempSync(join(tmpdir(), 'ad-ckpt-'));
const net = () => new Sequential([new Linear(3, 4, { seed: 1 }), relu, new Linear(4, 2, { seed: 2 })]);
const leftovers = (d: string) => readdirSync(d).filter((n) => n.includes('.tmp-'));

test('a killed writer’s or terminated thread’s temporary file is removed by the next save to that path; one held open is kept', () => {
  const path = join(dir, 'stale.safetensors');
  const dead = `${path}.tmp-999999999-deadbeef`; // no such process
  const ended = `${path}.tmp-${process.pid}-0123456789ab`; // this process, but no thread holds it: a terminated worker's
  const live = `${path}.tmp-${process.pid}-ba9876543210`; // this process, held open: a save in flight in another thread
  writeFileSync(dead, 'half a checkpoint');
  writeFileSync(ended, 'half a checkpoint');
  const fd = openSync(live, 'w');
  try {
    save(net(), path);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(ended)).toBe(false);
    expect(existsSync(live)).toBe(true);
  } finally {
    closeSync(fd);
    unlinkSync(live);
  }
  expect(Object.keys(load(path).model)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
});

test('a failed rename (the target is a directory) is a CheckpointError, and leaves no temporary file', () => {
  const d = mkdtempSync(join(tmpdir(), 'ad-ckpt-fail-'));
  const path = join(d, 'model.safetensors');
  mkdirSync(join(path, 'inside'), { recursive: true }); // a non-empty directory where the file should go
  expect(() => save(net(), path)).toThrow(CheckpointError);
  expect(() => save(net(), path)).toThrow(/^save: cannot write .*model\.safetensors: .*the previous checkpoint, if any, is unchanged/);
  expect(leftovers(d)).toEqual([]);
});

test('bad arguments are refused by name before anything is written', () => {
  expect(() => save(net(), null as unknown as string)).toThrow(DTypeError);
  expect(() => save(net(), null as unknown as string)).toThrow('save: path must be a non-empty string, got null');
  expect(() => save(net(), '')).toThrow('save: path must be a non-empty string, got an empty string');
  expect(() => save({} as never, join(dir, 'x.safetensors'))).toThrow('save: model must be a Module, got object');
  const path = join(dir, 'ok.safetensors');
  save(net(), path);
  expect(() => restore(path, 'x' as never)).toThrow('restore: model must be a Module, got string');
  expect(() => load(42 as unknown as string)).toThrow('load: path must be a non-empty string, got number');
  expect(readdirSync(process.cwd()).filter((n) => n.startsWith('null.tmp-'))).toEqual([]);
});

test('a checksummed JSON checkpoint whose shapes are not sizes ([2.5, 3.2], [−8, −1]) is refused', () => {
  const good = new TextDecoder().decode(saveBytes(net(), { format: 'json' }));
  for (const shape of [
    [2.5, 3.2],
    [-8, -1],
  ]) {
    // Re-sign the payload so the checksum is valid: only the shape is wrong.
    const outer = JSON.parse(good) as { payload: string; sha256: string };
    const payload = JSON.parse(outer.payload) as { model: Record<string, { shape: number[] }> };
    payload.model['0.weight'].shape = shape;
    const body = JSON.stringify(payload);
    const text = JSON.stringify({ ...outer, payload: body, sha256: createHash('sha256').update(body).digest('hex') });
    const path = join(dir, `bad-shape-${shape.join('_')}.json`);
    writeFileSync(path, text);
    expect(() => load(path)).toThrow(CheckpointError);
    expect(() => load(path)).toThrow(/0\.weight has shape \[.*\], not a list of non-negative integer sizes/);
  }
});

test('600 concurrent saves from 4 worker threads to one path: none fails, the last file loads, no temporary file is left', async () => {
  const path = join(dir, 'shared.safetensors');
  const node = join(__dirname, '..', 'dist', 'node-only.js');
  const main = join(__dirname, '..', 'dist', 'index.js');
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    (async () => {
      const { save } = await import(${JSON.stringify(node)});
      const { Linear } = await import(${JSON.stringify(main)});
      const model = new Linear(64, 32, { seed: workerData.seed });
      let failures = 0;
      for (let i = 0; i < 150; i++) {
        try { save(model, workerData.path); } catch (e) { failures++; }
      }
      parentPort.postMessage(failures);
    })().catch((e) => parentPort.postMessage(String(e)));
  `;
  const runs = [1, 2, 3, 4].map(
    (seed) =>
      new Promise<unknown>((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { path, seed } });
        w.once('message', resolve);
        w.once('error', reject);
      }),
  );
  expect(await Promise.all(runs)).toEqual([0, 0, 0, 0]);
  expect(Object.keys(load(path).model)).toEqual(['weight', 'bias']);
  expect(leftovers(dir).filter((n) => n.startsWith('shared'))).toEqual([]);
});

/** The temporary files beside `path`. */
const temporaries = (path: string) => readdirSync(join(path, '..')).filter((n) => n.startsWith(`${basename(path)}.tmp-`));

test('a worker thread terminated inside a save leaves its temporary file, and the next save in this process removes it', async () => {
  const path = join(dir, 'terminated.safetensors');
  const node = join(__dirname, '..', 'dist', 'node-only.js');
  const main = join(__dirname, '..', 'dist', 'index.js');
  // The worker's save stops just before its rename, the file complete and open, and says so.
  const code = `
    const fs = require('node:fs');
    const { syncBuiltinESMExports } = require('node:module');
    const { workerData, parentPort } = require('node:worker_threads');
    fs.renameSync = () => { parentPort.postMessage('in-write'); for (;;); };
    syncBuiltinESMExports();
    (async () => {
      const { save } = await import(${JSON.stringify(node)});
      const { Linear } = await import(${JSON.stringify(main)});
      save(new Linear(64, 32, { seed: 1 }), workerData.path);
    })().catch((e) => parentPort.postMessage(String(e)));
  `;
  const w = new Worker(code, { eval: true, workerData: { path } });
  expect(await new Promise((resolve, reject) => w.once('message', resolve).once('error', reject))).toBe('in-write');
  expect(temporaries(path)).toHaveLength(1);
  // While the worker holds it, a save here keeps it (it may be about to be renamed)...
  save(net(), path);
  expect(temporaries(path)).toHaveLength(1);
  await w.terminate();
  // ...once the worker is gone, nothing holds it, and the next save removes it.
  save(net(), path);
  expect(temporaries(path)).toEqual([]);
  expect(Object.keys(load(path).model)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
});

test('a process killed inside a save leaves its temporary file, and the next save removes it', async () => {
  const path = join(dir, 'killed.safetensors');
  const fixtures = join(__dirname, 'fixtures');
  // The writer's second save prints `in-write` and hangs before its rename (hang-before-rename.cjs).
  const child = spawn(process.execPath, ['--require', join(fixtures, 'hang-before-rename.cjs'), join(fixtures, 'checkpoint-writer.mjs'), path], {
    cwd: join(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('in-write\n')) child.kill('SIGKILL');
    });
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
  expect(temporaries(path)).toHaveLength(1);
  save(net(), path);
  expect(temporaries(path)).toEqual([]);
});
