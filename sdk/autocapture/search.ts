/**
 * `Products Searched`: from the URL's search parameter on each page (`?q=alien`), and from
 * submitting a `<form data-inkling-search>` that does not itself navigate to such a URL (a GET
 * form carrying the parameter is captured on the results page instead, once).
 */
import type { CaptureSink } from '../client.js';
import { SearchDeduper, cleanQuery, searchQueryFromUrl } from './search-query.js';

export interface SearchCapture {
  onPage(url: URL): void;
  detach(): void;
}

export function attachSearch(win: Window, sink: CaptureSink, parameter: string): SearchCapture {
  const deduper = new SearchDeduper();
  const send = (query: string | null) => {
    if (query !== null && deduper.isNew(query, Date.now())) sink.track('Products Searched', { query });
  };

  const onSubmit = (event: Event) => {
    try {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-inkling-search')) return;
      const named = form.elements.namedItem(parameter);
      const field =
        (named instanceof HTMLInputElement ? named : null) ??
        form.querySelector<HTMLInputElement>('input[type="search"]') ??
        form.querySelector<HTMLInputElement>('input[type="text"], input:not([type])');
      if (!field) return;
      const navigatesWithQuery = !event.defaultPrevented && form.method.toLowerCase() === 'get' && field.name === parameter;
      if (navigatesWithQuery) return;
      send(cleanQuery(field.value));
    } catch {
      // An unusual form is not worth an exception in the site's submit handler.
    }
  };
  // Bubble phase on the document: the site's own handlers have run, so defaultPrevented is known.
  win.document.addEventListener('submit', onSubmit);
  return {
    onPage: (url) => send(searchQueryFromUrl(url, parameter)),
    detach: () => win.document.removeEventListener('submit', onSubmit),
  };
}
