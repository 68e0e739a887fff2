/**
 * A loopback port nothing listens on right now, for a server a test or bench starts itself
 * (listen on port 0, read the port, close). Another process could take it in between; on a test
 * machine that is rare enough, and the server's listen error names the port if it happens.
 */
import { createServer, type AddressInfo } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
