/**
 * `on` / `off` for the SDK's own events. A listener that throws is isolated: the others still
 * run and the page never sees the exception (it goes to the console in debug mode).
 */
import type { InklingEventName, InklingEvents, Listener } from './api.js';

export class Emitter {
  readonly #listeners: { [E in InklingEventName]: Set<Listener<E>> } = {
    error: new Set(),
    ready: new Set(),
    consent: new Set(),
  };

  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  on<E extends InklingEventName>(event: E, listener: Listener<E>): void {
    this.#listeners[event].add(listener);
  }

  off<E extends InklingEventName>(event: E, listener: Listener<E>): void {
    this.#listeners[event].delete(listener);
  }

  has(event: InklingEventName): boolean {
    return event in this.#listeners;
  }

  emit<E extends InklingEventName>(event: E, payload: InklingEvents[E]): void {
    for (const listener of [...this.#listeners[event]]) this.emitTo(listener, payload);
  }

  /** Calls one listener, isolated like the others. */
  emitTo<E extends InklingEventName>(listener: Listener<E>, payload: InklingEvents[E]): void {
    try {
      listener(payload);
    } catch (error) {
      this.#onListenerError(error);
    }
  }
}
