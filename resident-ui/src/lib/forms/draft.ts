/**
 * Resumable drafts (issue 5): the answers are saved to the server a moment after the resident stops
 * typing, and at once when the page is hidden (LINE closed, another app opened), so opening the
 * form again brings them back — on this phone or another. One save at a time; a change made while
 * saving is saved next; the same answers are never sent twice.
 */

export type DraftSaveResult =
  /** Saved; the server's time of saving. */
  | { kind: 'saved'; savedAt: string }
  /** Try again with the next change (network, server error). */
  | { kind: 'failed' }
  /** Drafts cannot be kept here (no session): stop trying. */
  | { kind: 'off' };

export type DraftStatus =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; savedAt: string }
  | { kind: 'failed' }
  | { kind: 'off' };

export interface DraftSaverOptions {
  /** Quiet time after the last change before saving. */
  delayMs: number;
  save: (answers: Record<string, unknown>, opts: { keepalive: boolean }) => Promise<DraftSaveResult>;
  onStatus: (status: DraftStatus) => void;
}

export class DraftSaver {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private latest: Record<string, unknown> | null = null;
  private lastSent: string;
  private inFlight: Promise<void> | null = null;
  private keepalive = false;
  private stopped = false;

  /** `initial`: the answers the page started from (restored), which need no saving. */
  constructor(
    private readonly opts: DraftSaverOptions,
    initial: Record<string, unknown>,
  ) {
    this.lastSent = JSON.stringify(initial);
  }

  /** The answers changed: save them after the quiet time. */
  schedule(answers: Record<string, unknown>): void {
    if (this.stopped) return;
    this.latest = answers;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.opts.delayMs);
  }

  /** Saves now what is waiting (the page is being hidden: `keepalive`). */
  flush(opts: { keepalive?: boolean } = {}): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (opts.keepalive) this.keepalive = true;
    // A save under way sends what is waiting when it is done.
    this.inFlight ??= this.run().finally(() => {
      this.inFlight = null;
      this.keepalive = false;
    });
    return this.inFlight;
  }

  private async run(): Promise<void> {
    // Changes made during a save go out after it, unless more typing is still being waited for.
    while (this.latest && !this.timer && !this.stopped) {
      const answers = this.latest;
      this.latest = null;
      const json = JSON.stringify(answers);
      if (json === this.lastSent) continue;
      this.opts.onStatus({ kind: 'saving' });
      const r = await this.opts
        .save(answers, { keepalive: this.keepalive })
        .catch((): DraftSaveResult => ({ kind: 'failed' }));
      if (r.kind === 'saved') this.lastSent = json;
      if (r.kind === 'off') this.stop();
      this.opts.onStatus(r.kind === 'saved' ? { kind: 'saved', savedAt: r.savedAt } : { kind: r.kind });
    }
  }

  /** No more saving (the form was sent, or drafts are not possible). */
  stop(): void {
    this.stopped = true;
    this.latest = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Starts again from these answers (after a version change or a reset). */
  restart(answers: Record<string, unknown>, sentAlready: boolean): void {
    this.stopped = false;
    if (sentAlready) this.lastSent = JSON.stringify(answers);
    this.latest = null;
  }
}
