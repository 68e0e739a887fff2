/**
 * The shopping cart: the shop's own state, in the shop's own localStorage (not Inkling's).
 * Listeners re-render the header badge.
 */

export interface CartLine {
  readonly id: string;
  readonly quantity: number;
}

const KEY = 'demo-shop.cart';
const listeners = new Set<() => void>();

function read(): CartLine[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (line): line is CartLine => typeof line?.id === 'string' && Number.isInteger(line?.quantity) && line.quantity > 0,
    );
  } catch {
    return [];
  }
}

function write(lines: readonly CartLine[]): void {
  localStorage.setItem(KEY, JSON.stringify(lines));
  for (const listener of listeners) listener();
}

export const cart = {
  lines: read,
  count: () => read().reduce((n, line) => n + line.quantity, 0),
  add(id: string): void {
    const lines = read();
    const existing = lines.find((l) => l.id === id);
    write(existing ? lines.map((l) => (l.id === id ? { id, quantity: l.quantity + 1 } : l)) : [...lines, { id, quantity: 1 }]);
  },
  remove(id: string): void {
    write(read().filter((l) => l.id !== id));
  },
  clear(): void {
    write([]);
  },
  onChange(listener: () => void): void {
    listeners.add(listener);
  },
};
