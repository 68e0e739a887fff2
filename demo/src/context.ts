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
}

export type View = (context: ShopContext) => HTMLElement | Promise<HTMLElement>;
