/**
 * Which items the MF model has, in row order: the storefront's public catalogue. The aggregator
 * sizes 'mf-items' from dist/demo/catalog.json (row i = items[i]) and devices map product ids to
 * rows with the same list, so the simulator must use it too. When the storefront is not built,
 * the list is generated the way the build generates it (demo/build/catalog.ts, deterministic).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCatalog } from '../demo/build/catalog.js';
import { DEFAULT_DATA_DIR } from './data.js';

const BUILT_CATALOG = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'demo', 'catalog.json');

export interface CatalogueSource {
  readonly ids: readonly string[];
  /** Where the list came from, for the log. */
  readonly from: string;
}

export function storefrontCatalogueIds(dataDir: string = DEFAULT_DATA_DIR, builtCatalog: string = BUILT_CATALOG): CatalogueSource {
  if (existsSync(builtCatalog)) {
    const parsed: unknown = JSON.parse(readFileSync(builtCatalog, 'utf8'));
    const items = typeof parsed === 'object' && parsed !== null ? (parsed as { items?: unknown }).items : undefined;
    if (!Array.isArray(items) || !items.every((i): i is { id: string } => typeof i === 'object' && i !== null && typeof (i as { id?: unknown }).id === 'string')) {
      throw new RangeError(`${builtCatalog}: expected { items: [{ id: string, ... }] }`);
    }
    return { ids: items.map((i) => i.id), from: builtCatalog };
  }
  return { ids: buildCatalog(dataDir).map((m) => m.id), from: 'demo/build/catalog.ts (storefront not built)' };
}
