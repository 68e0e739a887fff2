/**
 * A progress bar on stderr (stdout stays clean for the result table). On a terminal it redraws
 * one line; in a log (CI, `npm start`'s background seeding) it prints a plain line every 10 %.
 */
export interface Progress {
  /** Advance by `n` (default 1) and optionally change the trailing note. */
  tick(n?: number, note?: string): void;
  done(note?: string): void;
}

export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  readonly stream?: NodeJS.WriteStream;
  /** Print nothing (tests). */
  readonly silent?: boolean;
}

const WIDTH = 28;

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const total = Math.max(1, options.total);
  const started = Date.now();
  let current = 0;
  let lastDecile = -1;
  let lastDraw = 0;
  let note = '';
  let noteChanged = false;

  const render = (): string => {
    const share = Math.min(1, current / total);
    const filled = Math.round(share * WIDTH);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    return `${options.label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${current}/${total} ${seconds}s${note ? ' ' + note : ''}`;
  };
  const draw = (final: boolean): void => {
    if (options.silent) return;
    if (stream.isTTY) {
      const now = Date.now();
      if (!final && now - lastDraw < 100) return;
      lastDraw = now;
      stream.write(`\r\x1b[2K${render()}${final ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor((current / total) * 10);
    if ((final && decile === lastDecile && !noteChanged) || (!final && decile <= lastDecile)) return;
    {
      lastDecile = decile;
      stream.write(render() + '\n');
    }
  };

  return {
    tick(n = 1, newNote) {
      current += n;
      if (newNote !== undefined) note = newNote;
      draw(false);
    },
    done(newNote) {
      noteChanged = newNote !== undefined && newNote !== note;
      if (newNote !== undefined) note = newNote;
      current = Math.max(current, total);
      draw(true);
    },
  };
}
