/**
 * Terminal progress bars for the load scenarios (cli-progress), on stderr and only on a TTY: when
 * stderr is a pipe or a file (CI, tests) nothing is drawn.
 */
import cliProgress from 'cli-progress';

/** A bar the scenarios update; a no-op when progress is off. */
export interface Progress {
  /** Starts (or restarts) the bar for a stage of `total` units. */
  start(stage: string, total: number, unit: string): void;
  /** Sets the current value and the status text shown after the bar. */
  update(value: number, status: string): void;
  stop(): void;
}

const OFF: Progress = { start() {}, update() {}, stop() {} };

/**
 * A progress bar when `enabled` and stderr is a TTY, else a no-op.
 * @param enabled the caller's `progress` option.
 */
export function progressBar(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled || !stream.isTTY) return OFF;
  const bar = new cliProgress.SingleBar(
    { stream, format: '{stage} [{bar}] {value}/{total} {unit} | {status}', hideCursor: true, barsize: 30, clearOnComplete: false, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    start(stage, total, unit) {
      if (running) bar.stop();
      bar.start(total, 0, { stage: stage.padEnd(10), unit, status: '' });
      running = true;
    },
    update(value, status) {
      if (running) bar.update(value, { status });
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
