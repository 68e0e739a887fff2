/**
 * Poster placeholders: the shop has no images (MovieLens ships none), so each film gets a
 * poster drawn in CSS from its genres: its main genre as the badge, a two-colour gradient from
 * the main genre to the next listed one, its title set large, its year. Deterministic, so a film
 * looks the same everywhere.
 */
import { h } from './dom.js';
import type { Movie } from '../catalog.js';

const GENRE_COLOURS: Readonly<Record<string, string>> = {
  Action: '#d9480f',
  Adventure: '#e67700',
  Animation: '#f59f00',
  Children: '#94d82d',
  Comedy: '#fab005',
  Crime: '#495057',
  Documentary: '#0ca678',
  Drama: '#5f3dc4',
  Fantasy: '#ae3ec9',
  'Film-Noir': '#212529',
  Horror: '#a61e4d',
  IMAX: '#1c7ed6',
  Musical: '#e64980',
  Mystery: '#364fc7',
  Romance: '#f06595',
  'Sci-Fi': '#1098ad',
  Thriller: '#862e9c',
  War: '#5c940d',
  Western: '#a0522d',
};

export function genreColour(genre: string | undefined): string {
  return (genre && GENRE_COLOURS[genre]) || '#868e96';
}

export function poster(movie: Movie, size: 'card' | 'large' = 'card'): HTMLElement {
  const main = movie.mainGenre ?? undefined;
  const other = movie.categories.find((g) => g !== main);
  const from = genreColour(main);
  const to = genreColour(other ?? main);
  return h(
    'div',
    {
      class: `poster poster--${size}`,
      style: `--poster-from:${from};--poster-to:${to}`,
      'aria-hidden': 'true',
    },
    h('span', { class: 'poster__genre', 'data-testid': 'main-genre' }, main ?? 'Film'),
    h('span', { class: 'poster__title' }, movie.title),
    h('span', { class: 'poster__year' }, movie.year ?? ''),
  );
}
