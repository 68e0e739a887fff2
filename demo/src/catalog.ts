/** The shop's catalogue (dist/demo/catalog.json, generated at build time from MovieLens). */

export interface Movie {
  readonly id: string;
  readonly title: string;
  /** Other titles of the film (original language, "a.k.a."), when it has any. */
  readonly alsoKnownAs?: readonly string[];
  readonly year: number | null;
  /** All its genres: what Inkling is told (product attributes, tracked events) and genre pages list. */
  readonly categories: readonly string[];
  /** The genre the shop shows as the film's (poster badge, breadcrumb): demo/build/main-genre.ts. */
  readonly mainGenre: string | null;
  readonly price: number;
  readonly popularity: number;
  readonly ratings: number;
  readonly meanRating: number;
}

export interface Catalog {
  readonly movies: readonly Movie[];
  readonly byId: ReadonlyMap<string, Movie>;
  /** Genres, most stocked first. */
  readonly genres: readonly string[];
  inGenre(genre: string): Movie[];
  search(query: string): Movie[];
}

let loading: Promise<Catalog> | null = null;

export function loadCatalog(): Promise<Catalog> {
  loading ??= fetch('/catalog.json')
    .then((response) => {
      if (!response.ok) throw new Error(`catalog.json: HTTP ${response.status}`);
      return response.json() as Promise<{ items: Movie[] }>;
    })
    .then(({ items }) => indexCatalog(items));
  return loading;
}

function normalise(text: string): string {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

export function indexCatalog(movies: readonly Movie[]): Catalog {
  const byId = new Map(movies.map((m) => [m.id, m]));
  const genreCounts = new Map<string, number>();
  for (const movie of movies) for (const g of movie.categories) genreCounts.set(g, (genreCounts.get(g) ?? 0) + 1);
  const genres = [...genreCounts.entries()].sort((a, b) => b[1] - a[1]).map(([g]) => g);
  const searchable = movies.map((m) => ({ movie: m, text: normalise(`${m.title} ${m.alsoKnownAs?.join(' ') ?? ''} ${m.year ?? ''} ${m.categories.join(' ')}`) }));
  return {
    movies,
    byId,
    genres,
    inGenre: (genre) => movies.filter((m) => m.categories.includes(genre)),
    search(query) {
      const terms = normalise(query).split(/\s+/).filter(Boolean);
      if (terms.length === 0) return [];
      return searchable.filter(({ text }) => terms.every((t) => text.includes(t))).map(({ movie }) => movie);
    },
  };
}
