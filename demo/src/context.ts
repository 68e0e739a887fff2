/** What every page view gets: the catalogue, the route, and the shop's actions. */
import type { Catalog, Movie } from './catalog.js';
import type { Route } from './router.js';

export interface ShopContext {
  readonly catalog: Catalog;
  readonly route: Route;
  navigate(url: string): void;
  addToCart(movie: Movie): void;
  /** Shows a short message at the bottom of the screen. */
  toast(message: string): void;
  /**
   * A part of the page that needs an answer first (Inkling's picks, the profile): an empty slot
   * now, replaced by `content` when it arrives (removed if it is null). The page counts as busy
   * (`aria-busy` on the outlet) until every deferred part has arrived.
   */
  defer(content: Promise<Node | null>): HTMLElement;
}

/**
 * A page renders its main content synchronously: the router draws it BEFORE it changes the URL,
 * so anything that reacts to the navigation (Inkling's autocapture of product pages and lists)
 * already sees the new page, as on a server-rendered site.
 */
export type View = (context: ShopContext) => HTMLElement;
