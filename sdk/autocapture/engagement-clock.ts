/**
 * Engaged time: milliseconds counted only between `resume` (visible and focused) and `pause`.
 * Pure over the timestamps it is given, so it is tested without a page.
 */
export class EngagementClock {
  private since: number | null = null;
  private total = 0;

  get running(): boolean {
    return this.since !== null;
  }

  resume(now: number): void {
    if (this.since === null) this.since = now;
  }

  pause(now: number): void {
    if (this.since === null) return;
    // A clock that went backwards (system time change) counts nothing rather than negative time.
    this.total += Math.max(0, now - this.since);
    this.since = null;
  }

  /** The time counted so far, resetting it to zero; keeps running if it was running. */
  take(now: number): number {
    const wasRunning = this.running;
    this.pause(now);
    const total = this.total;
    this.total = 0;
    if (wasRunning) this.resume(now);
    return total;
  }
}

/** Seconds with one decimal; shorter than a second is not engagement. */
export function engagedSeconds(milliseconds: number): number | null {
  return milliseconds < 1000 ? null : Math.round(milliseconds / 100) / 10;
}
