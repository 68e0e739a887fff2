/**
 * The shop's consent banner. The visitor's choice is the shop's to remember (its own
 * localStorage, like any consent-management platform); on every page load it is handed to
 * Inkling, which persists nothing until it hears "granted".
 *
 * The banner sits in the page's flow (main.ts puts it between the header and the page), not
 * fixed over it: a bar pinned to the bottom of the window covered the first row of films on a
 * first visit, the very films a newcomer should see.
 */
import { h } from './ui/dom.js';
import { inkling } from './inkling.js';

const KEY = 'demo-shop.consent';

export type Choice = 'granted' | 'denied' | null;

export function consentChoice(): Choice {
  const stored = localStorage.getItem(KEY);
  return stored === 'granted' || stored === 'denied' ? stored : null;
}

export function setConsent(choice: 'granted' | 'denied'): void {
  localStorage.setItem(KEY, choice);
  inkling()?.consent(choice);
  document.querySelector('[data-testid="consent-banner"]')?.remove();
}

/** Tells Inkling the stored choice, or shows the banner, placed by `place`, if there is none. */
export function initConsent(place: (banner: HTMLElement) => void): void {
  const choice = consentChoice();
  if (choice) {
    inkling()?.consent(choice);
    return;
  }
  const banner = h('section', { class: 'consent', role: 'region', 'aria-label': 'Personalisation consent', 'data-testid': 'consent-banner' },
    h('div', { class: 'consent__text' },
      h('strong', {}, 'Personal picks, kept on your device'),
      h('p', {}, 'May we remember what you browse, in this browser only, to recommend films? Nothing about you is sent to us. You can see, export or erase it any time under “Your data”.'),
    ),
    h('div', { class: 'consent__actions' },
      h('button', { class: 'button button--ghost', type: 'button', 'data-testid': 'consent-deny', onclick: () => setConsent('denied') }, 'No thanks'),
      h('button', { class: 'button', type: 'button', 'data-testid': 'consent-accept', onclick: () => setConsent('granted') }, 'Allow'),
    ),
  );
  place(banner);
}
