import { describe, expect, it } from 'vitest';
import { createEventBuffer, type QueuedEvent, type Scheduler } from './event-buffer.js';

const event = (name: string): QueuedEvent => ({ name, properties: {}, timestamp: 0, path: '/' });

describe('createEventBuffer', () => {
  it('holds events while paused, then drains them in one batch per scheduled run', () => {
    const batches: string[][] = [];
    const runs: (() => void)[] = [];
    const manual: Scheduler = (run) => runs.push(run);
    const buffer = createEventBuffer(manual, (events) => batches.push(events.map((e) => e.name)));
    buffer.push(event('a'));
    expect(runs).toHaveLength(0);
    buffer.resume();
    expect(batches).toEqual([['a']]);
    buffer.push(event('b'));
    buffer.push(event('c'));
    expect(runs).toHaveLength(1);
    runs[0]!();
    expect(batches).toEqual([['a'], ['b', 'c']]);
    buffer.push(event('d'));
    buffer.drainNow();
    runs[1]!();
    expect(batches).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('keeps only the newest events when trimmed', () => {
    const buffer = createEventBuffer(() => {}, () => {});
    for (const name of ['a', 'b', 'c', 'd']) buffer.push(event(name));
    expect(buffer.trimTo(2)).toBe(2);
    expect(buffer.size).toBe(2);
  });
});
