/**
 * `on` / `off` for the SDK's own events. A listener that throws is isolated: the others still
 * run and the page never sees the exception (it goes to the console in debug mode).
 */
import type { InklingEventName, InklingEvents, Listener } from './api.js';

export interface Emitter {
  on<E extends InklingEventName>(event: E, listener: Listener<E>): void;
  off<E extends InklingEventName>(event: E, listener: Listener<E>): void;
  /** Whether `event` is one of ours (own names only: not `toString`). */
  has(event: unknown): event is InklingEventName;
  emit<E extends InklingEventName>(event: E, payload: InklingEvents[E]): void;
  /** Calls one listener, isolated like the others. */
  emitTo<E extends InklingEventName>(listener: Listener<E>, payload: InklingEvents[E]): void;
}

export function createEmitter(onListenerError: (error: unknown) => void = () => {}): Emitter {
  const listeners: { [E in InklingEventName]: Set<Listener<E>> } = { error: new Set(), ready: new Set(), consent: new Set() };
  const emitTo = <E extends InklingEventName>(listener: Listener<E>, payload: InklingEvents[E]): void => {
    try {
      listener(payload);
    } catch (error) {
      onListenerError(error);
    }
  };
  return {
    on: (event, listener) => void listeners[event].add(listener),
    off: (event, listener) => void listeners[event].delete(listener),
    has: (event): event is InklingEventName => typeof event === 'string' && Object.hasOwn(listeners, event),
    emit(event, payload) {
      for (const listener of [...listeners[event]]) emitTo(listener, payload);
    },
    emitTo,
  };
}
