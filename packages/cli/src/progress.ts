/**
 * The per-epoch progress bar (cli-progress), drawn on stderr so stdout keeps only the epoch
 * lines. It draws only on a terminal; piped or in CI the epoch lines alone are printed.
 * Training runs synchronously, so the bar redraws from `tick` (cli-progress's synchronous
 * update), not from a timer, and it registers no signal handler: Ctrl-C stops the run at once.
 */
import cliProgress from 'cli-progress';

export interface EpochBar {
  tick(batch: number, loss: number): void;
  stop(): void;
}

export function epochBar(stream: NodeJS.WritableStream, epoch: number, epochs: number, batches: number): EpochBar {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs} {bar} {percentage}% | {value}/{total} batches | loss {loss} | {duration_formatted} elapsed, eta {eta_formatted}`,
      barsize: 30,
      hideCursor: false,
      gracefulExit: false,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(batches, 0, { loss: '—' });
  return {
    tick: (batch, loss) => bar.update(batch, { loss: loss.toFixed(4) }),
    stop: () => bar.stop(),
  };
}
