/**
 * Guide 6: who should pay for a Jacobian, measured by the `ad compare --family` command on
 * f(x) = tanh(Wx + b), f: Rⁿ → Rᵐ. Times vary from run to run; the work counted does not.
 */
import { Writable } from 'node:stream';
import { main } from '@ad/cli';

/** One row of the table: the sizes, and the work of jacfwd (chunk 1) and of jacrev. */
export interface CostRow {
  n: number;
  m: number;
  forwardPasses: number;
  forwardWork: number;
  reversePasses: number;
  reverseWork: number;
}

// #region command
/** Runs `ad compare --family tanh-layer --n 1,64 --m 1,64 --chunk 1 --no-plot` in-process. */
export async function crossoverTable(): Promise<{ text: string; rows: CostRow[] }> {
  let text = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  const argv = ['compare', '--family', 'tanh-layer', '--n', '1,64', '--m', '1,64', '--chunk', '1', '--no-plot'];
  const code = await main(argv, { stdout: sink, stderr: sink });
  if (code !== 0) throw new Error(`ad ${argv.join(' ')} exited with ${code}:\n${text}`);
  // Table rows start with the two sizes; columns are separated by two or more spaces.
  const rows = text
    .split('\n')
    .filter((line) => /^\s+\d+\s+\d+\s/.test(line))
    .map((line) => {
      const cell = line.trim().split(/\s{2,}/);
      const int = (s: string) => Number(s.replace(/,/g, ''));
      return {
        n: int(cell[0]),
        m: int(cell[1]),
        forwardPasses: int(cell[2]),
        forwardWork: int(cell[4]),
        reversePasses: int(cell[5]),
        reverseWork: int(cell[7]),
      };
    });
  return { text, rows };
}
// #endregion command
