/**
 * The storefront's entry: header (search, genres, cart, "Your data"), the routed page, the
 * consent banner and toasts. Inkling is not imported: the page's inline snippet and
 * `<script async src="/inkling.js">` provide `window.inkling`, as on any third-party site.
 */
import './styles.css';
import { loadCatalog, type Catalog, type Movie } from './catalog.js';
import { startRouter, type Route, type RouteName } from './router.js';
import { cart } from './cart.js';
import { initConsent } from './consent.js';
import { inkling } from './inkling.js';
import { h } from './ui/dom.js';
import { icon } from './ui/icons.js';
import { homeView } from './views/home.js';
import { genreView } from './views/genre.js';
import { movieView } from './views/movie.js';
import { searchView } from './views/search.js';
import { cartView } from './views/cart.js';
import { checkoutView, orderView } from './views/checkout.js';
import { yourDataView } from './views/your-data.js';
import type { ShopContext, View } from './context.js';

const VIEWS: Readonly<Record<RouteName, View>> = {
  home: homeView,
  genre: genreView,
  movie: movieView,
  search: searchView,
  cart: cartView,
  checkout: checkoutView,
  order: orderView,
  'your-data': yourDataView,
  'not-found': () => h('div', { class: 'page' }, h('h1', {}, 'Page not found'), h('a', { href: '/', 'data-link': true }, 'Back to the shop')),
};

const TITLES: Readonly<Record<RouteName, string>> = {
  home: 'Films worth an evening',
  genre: 'Genre',
  movie: 'Film',
  search: 'Search',
  cart: 'Cart',
  checkout: 'Checkout',
  order: 'Order complete',
  'your-data': 'Your data',
  'not-found': 'Not found',
};

function toast(message: string): void {
  const note = h('div', { class: 'toast', role: 'status' }, message);
  document.body.append(note);
  setTimeout(() => note.remove(), 2600);
}

/** The header's search box shows the query on the results page and is empty elsewhere. */
let searchBox: HTMLInputElement | null = null;

function header(catalog: Catalog, navigate: (url: string) => void): HTMLElement {
  const badge = h('span', { class: 'badge', 'data-testid': 'cart-count' }, cart.count() || '');
  cart.onChange(() => (badge.textContent = String(cart.count() || '')));
  const input = h('input', { type: 'search', name: 'q', placeholder: 'Search films, years, genres…', 'aria-label': 'Search', 'data-testid': 'search-input', autocomplete: 'off' });
  searchBox = input;
  const form = h('form', { class: 'search', action: '/search', role: 'search' }, input);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (q) navigate(`/search?q=${encodeURIComponent(q)}`);
  });
  return h('header', { class: 'topbar' },
    h('div', { class: 'topbar__inner' },
      h('a', { href: '/', class: 'logo', 'data-link': true }, h('span', { class: 'logo__mark' }, icon('play')), 'Reelhouse'),
      form,
      h('nav', { class: 'topbar__nav' },
        h('a', { href: '/your-data', 'data-link': true, class: 'navlink', 'data-testid': 'nav-your-data' }, icon('lock'), 'Your data'),
        h('a', { href: '/cart', 'data-link': true, class: 'navlink navlink--cart', 'data-testid': 'nav-cart' }, icon('cart'), 'Cart', badge),
      ),
    ),
    h('nav', { class: 'genres' },
      h('div', { class: 'genres__inner' },
        catalog.genres.slice(0, 14).map((g) => h('a', { href: `/genre/${encodeURIComponent(g)}`, 'data-link': true }, g)),
      ),
    ),
  );
}

async function main(): Promise<void> {
  const app = document.getElementById('app');
  if (!app) throw new Error('index.html has no #app');
  const catalog = await loadCatalog();
  const outlet = h('main', { class: 'outlet', id: 'main' });
  let renderCount = 0;
  let navigate: (url: string) => void = () => undefined;

  const addToCart = (movie: Movie): void => {
    cart.add(movie.id);
    inkling()?.track('Product Added', { product_id: movie.id, name: movie.title, category: movie.categories.join(','), price: movie.price, quantity: 1 });
    toast(`${movie.title} is in your cart`);
  };

  const render = (route: Route): void => {
    const ticket = ++renderCount;
    let waiting = 0;
    const settle = (): void => {
      if (ticket === renderCount && waiting === 0) outlet.removeAttribute('aria-busy');
    };
    const defer = (content: Promise<Node | null>): HTMLElement => {
      const slot = h('div', { class: 'deferred', 'aria-hidden': 'true' });
      waiting++;
      void content
        .catch((error: unknown) => {
          console.warn('[shop] a part of the page failed', error);
          return null;
        })
        .then((node) => {
          if (node) slot.replaceWith(node);
          else slot.remove();
          waiting--;
          settle();
        });
      return slot;
    };
    const context: ShopContext = { catalog, route, navigate: (url) => navigate(url), addToCart, toast, defer };
    document.title = `${route.name === 'genre' ? route.params.genre : TITLES[route.name]} · Reelhouse`;
    if (searchBox) searchBox.value = route.name === 'search' ? (route.query.get('q') ?? '') : '';
    outlet.setAttribute('aria-busy', 'true');
    outlet.replaceChildren(VIEWS[route.name](context));
    outlet.dataset.route = route.name;
    settle();
  };

  app.replaceChildren(
    header(catalog, (url) => navigate(url)),
    outlet,
    h('footer', { class: 'footer' },
      h('p', {}, 'Reelhouse is a demonstration shop for Inkling. Personalisation runs entirely in your browser.'),
      h('p', {}, 'Film data: MovieLens ml-latest-small, F. Maxwell Harper and Joseph A. Konstan, 2015. The MovieLens Datasets: History and Context. ACM TiiS 5, 4. Used under the GroupLens research licence.'),
      h('p', {}, h('a', { href: '/dashboard.html' }, 'Site owner dashboard')),
    ),
  );
  navigate = startRouter(render);
  initConsent((banner) => outlet.before(banner));
}

void main();
