/**
 * What every dashboard chart shares: the colours of its series and a width that keeps text at its real size. Plot draws an SVG of the width it is given
 * and scales it down to its box (max-width: 100 %), so a 640-px chart on a 390-px phone would
 * print its 10-px labels at 5 px; drawing it at the width the page has keeps them at 10 px.
 */
export const PALETTE = ['#4263eb', '#e8590c', '#2b8a3e', '#ae3ec9', '#1098ad', '#c92a2a'];

/**
 * Horizontal space around a chart on a phone: the page's padding (1rem each side at ≤ 600 px) and
 * the panel's (1.25rem each side), 72 px at a 16-px rem.
 */
const PAGE_GUTTER = 72;
/** Below this a category axis has no room for its labels; the chart then scrolls with its panel. */
const MIN_WIDTH = 280;

/** The width to draw a chart at: `preferred` on a wide screen, what the viewport leaves on a narrow one. */
export function chartWidth(preferred: number): number {
  const viewport = document.documentElement.clientWidth || preferred + PAGE_GUTTER;
  return Math.max(MIN_WIDTH, Math.min(preferred, viewport - PAGE_GUTTER));
}

/** "12", "0.35", "1,200": ticks and tooltips in plain numbers, not Plot's SI prefixes. */
export function formatNumber(value: number): string {
  if (Math.abs(value) >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 0 });
  if (Math.abs(value) >= 1 || value === 0) return String(Math.round(value * 100) / 100);
  return value.toPrecision(2);
}
