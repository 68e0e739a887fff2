import { describe, expect, it } from 'vitest';
import { isAutomatedBrowser } from './automation.js';

describe('isAutomatedBrowser', () => {
  it('recognises webdriver and headless or crawler user agents, and not ordinary browsers', () => {
    expect(isAutomatedBrowser({ webdriver: true, userAgent: 'Mozilla/5.0 Chrome/130' })).toBe(true);
    expect(isAutomatedBrowser({ userAgent: 'Mozilla/5.0 HeadlessChrome/130' })).toBe(true);
    expect(isAutomatedBrowser({ userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' })).toBe(true);
    expect(isAutomatedBrowser({ webdriver: false, userAgent: 'Mozilla/5.0 (Macintosh) Safari/605.1.15' })).toBe(false);
    expect(isAutomatedBrowser(undefined)).toBe(true);
  });
});
