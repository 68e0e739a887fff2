import { describe, expect, it } from 'vitest';
import { pointStorefrontAtThisAggregator } from './storefront-shell.js';

describe('pointStorefrontAtThisAggregator', () => {
  it('points an empty data-endpoint on the SDK tag at this origin and leaves everything else alone', () => {
    const tag = '<script async src="/inkling.js" data-site="demo-shop" data-catalog="/catalog.json" data-endpoint="" data-allow-automation></script>';
    expect(pointStorefrontAtThisAggregator(`<head>${tag}</head>`)).toBe(`<head>${tag.replace('data-endpoint=""', 'data-endpoint="/"')}</head>`);
    const named = tag.replace('data-endpoint=""', 'data-endpoint="https://agg.example"');
    expect(pointStorefrontAtThisAggregator(named)).toBe(named);
    // Not the SDK's tag (no data-site): untouched.
    expect(pointStorefrontAtThisAggregator('<div data-endpoint=""></div>')).toBe('<div data-endpoint=""></div>');
  });
});
