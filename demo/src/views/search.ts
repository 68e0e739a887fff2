/**
 * Search results for `?q=`. Inkling autocapture reads the query parameter (Products Searched);
 * the shop only filters its catalogue.
 */
import { h } from '../ui/dom.js';
import { movieGrid } from '../ui/card.js';
import type { ShopContext } from '../context.js';

const LIMIT = 48;

export function searchView(context: ShopContext): HTMLElement {
  const query = (context.route.query.get('q') ?? '').trim();
  const results = context.catalog.search(query);
  return h('div', { class: 'page page--search' },
    h('header', { class: 'page__header' },
      h('h1', {}, query ? `Results for “${query}”` : 'Search'),
      h('p', { 'data-testid': 'result-count' }, query ? `${results.length} film${results.length === 1 ? '' : 's'}` : 'Type a title, a year or a genre.'),
    ),
    results.length > 0
      ? movieGrid(results.slice(0, LIMIT), { onAdd: context.addToCart, testId: 'search-results' })
      : query ? h('p', { class: 'empty' }, 'Nothing matched. Try a shorter word.') : null,
  );
}
