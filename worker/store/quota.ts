/**
 * What to do when the browser says the origin is out of space (QuotaExceededError): free room by
 * evicting the oldest log rows and try again; after `attempts` tries, write without the log rows
 * so that the profile, the part the visitor cares about, still lands.
 */

export function isQuotaExceeded(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'name' in error && error.name === 'QuotaExceededError';
}

/**
 * Calls `write(true)`; on QuotaExceededError calls `evict()` and retries, up to `attempts` writes
 * with the log; then one last `write(false)` (profile only). Other errors propagate at once.
 */
export async function writeWithQuotaRetry<T>(
  write: (keepLog: boolean) => Promise<T>,
  evict: () => Promise<unknown>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await write(true);
    } catch (error) {
      if (!isQuotaExceeded(error)) throw error;
      await evict();
    }
  }
  return write(false);
}
