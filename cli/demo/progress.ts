/**
 * The demo's output: one line per step on stdout, and on a terminal a progress bar under a long
 * step that is erased when the step ends. Without a terminal (CI, a test) only the lines appear.
 */

/** Prints the story. */
export class Progress {
  private readonly started = performance.now();
  private barShown = false;
  private step = 0;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly tty = Boolean(process.stdout.isTTY),
  ) {}

  /** A heading between acts of the story. */
  section(title: string): void {
    this.clearBar();
    this.out.write(`\n== ${title}\n`);
  }

  /** Runs one step: prints `✓ title — summary (time)` when it ends, or `✗ title` when it throws. */
  async run<T>(title: string, work: (bar: Bar) => Promise<T>, summary: (value: T) => string = () => ''): Promise<T> {
    this.step += 1;
    const number = String(this.step).padStart(2);
    const began = performance.now();
    const bar: Bar = { update: (fraction, detail) => this.drawBar(title, fraction, detail, began) };
    try {
      const value = await work(bar);
      this.clearBar();
      const text = summary(value);
      this.out.write(`${number}. ✓ ${title}${text === '' ? '' : ` — ${text}`} (${seconds(performance.now() - began)})\n`);
      return value;
    } catch (error) {
      this.clearBar();
      this.out.write(`${number}. ✗ ${title} (${seconds(performance.now() - began)})\n`);
      throw error;
    }
  }

  /** A line of its own inside the story (a PR opened, a command to try). */
  note(text: string): void {
    this.clearBar();
    this.out.write(`      ${text}\n`);
  }

  /** Plain text, e.g. the final table. */
  write(text: string): void {
    this.clearBar();
    this.out.write(text);
  }

  /** Time since the demo began. */
  elapsed(): string {
    return seconds(performance.now() - this.started);
  }

  private drawBar(title: string, fraction: number | null, detail: string, began: number): void {
    if (!this.tty) return;
    const width = 24;
    const filled = fraction === null ? 0 : Math.round(Math.min(1, Math.max(0, fraction)) * width);
    const gauge = fraction === null ? '' : `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)} % `;
    const columns = this.out.columns ?? 100;
    const line = `    … ${title}: ${gauge}${detail} (${seconds(performance.now() - began)})`;
    this.out.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
    this.barShown = true;
  }

  private clearBar(): void {
    if (!this.barShown) return;
    this.out.write('\r\x1b[2K');
    this.barShown = false;
  }
}

/** What a long step reports while it runs: a fraction done (or `null` when unknown) and a detail. */
export interface Bar {
  update(fraction: number | null, detail: string): void;
}

/** `12.3 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
