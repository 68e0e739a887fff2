/** A search from the URL (`/search?q=alien`) or a form field, normalised only as far as trimming. */
export const MAX_QUERY_LENGTH = 200;

export function searchQueryFromUrl(url: URL, parameter: string): string | null {
  return cleanQuery(url.searchParams.get(parameter));
}

export function cleanQuery(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  const query = raw.trim().replace(/\s+/g, ' ').slice(0, MAX_QUERY_LENGTH);
  return query === '' ? null : query;
}

/**
 * The same query twice within this window is one search (a form submit followed by the SPA
 * route change it causes, a double submit).
 */
export const SEARCH_DEDUPE_MS = 10_000;

export class SearchDeduper {
  private last: { query: string; at: number } | null = null;

  isNew(query: string, now: number): boolean {
    const key = query.toLowerCase();
    if (this.last && this.last.query === key && now - this.last.at < SEARCH_DEDUPE_MS) return false;
    this.last = { query: key, at: now };
    return true;
  }
}
