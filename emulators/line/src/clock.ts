/**
 * The emulator's notion of "now". Tests move it forward (POST /_emulator/clock) to expire reply
 * tokens, retry keys and ID tokens without waiting; nothing in the emulator calls Date.now() directly.
 */
export class Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  reset(): void {
    this.offsetMs = 0;
  }

  get offset(): number {
    return this.offsetMs;
  }
}
