/**
 * Append-only files holding the int32 vectors of a round's not-yet-folded contributions, one file
 * per open round in a folder beside the database. A vector is written here (one write() of 4n
 * bytes) BEFORE the SQLite transaction that records its id and its offset commits, so a committed
 * row always points at complete bytes; bytes no committed row points at (a refused or rolled-back
 * contribution, a crash between the write and the commit) are ignored and dropped at the next
 * fold. Why not a BLOB in SQLite: a 600 KB BLOB costs ~37 WAL frames plus the checkpoint's second
 * copy; measured 0.7 ms against 0.24 ms of CPU per 150k-float contribution.
 */
import { closeSync, existsSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class VectorSpool {
  private readonly files = new Map<string, { fd: number; end: number }>();

  /** `syncEachWrite`: fdatasync after every append ('power' durability). */
  constructor(private readonly dir: string, private readonly syncEachWrite: boolean) {
    mkdirSync(dir, { recursive: true });
  }

  /** Appends the bytes to the round's file; returns their offset. Durable against kill -9 on return. */
  append(roundId: string, bytes: Uint8Array): number {
    const file = this.open(roundId);
    const offset = file.end;
    let written = 0;
    while (written < bytes.length) written += writeSync(file.fd, bytes, written, bytes.length - written, offset + written);
    if (this.syncEachWrite) fdatasyncSync(file.fd);
    file.end += bytes.length;
    return offset;
  }

  read(roundId: string, offset: number, length: number): Uint8Array {
    const file = this.open(roundId);
    if (offset + length > file.end) throw new RangeError(`spool of round ${roundId} has ${file.end} bytes; a committed vector ends at ${offset + length}`);
    const bytes = new Uint8Array(length);
    let read = 0;
    while (read < length) {
      const n = readSync(file.fd, bytes, read, length - read, offset + read);
      if (n === 0) throw new RangeError(`spool of round ${roundId} ended early`);
      read += n;
    }
    return bytes;
  }

  /** Empties the round's file (after its vectors were folded into the durable sum). */
  reset(roundId: string): void {
    const file = this.open(roundId);
    ftruncateSync(file.fd, 0);
    file.end = 0;
  }

  /** Deletes the round's file (round closed). */
  remove(roundId: string): void {
    const file = this.files.get(roundId);
    if (file !== undefined) closeSync(file.fd);
    this.files.delete(roundId);
    rmSync(this.pathOf(roundId), { force: true });
  }

  close(): void {
    for (const file of this.files.values()) closeSync(file.fd);
    this.files.clear();
  }

  private open(roundId: string): { fd: number; end: number } {
    let file = this.files.get(roundId);
    if (file === undefined) {
      const path = this.pathOf(roundId);
      const fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
      file = { fd, end: fstatSync(fd).size };
      this.files.set(roundId, file);
    }
    return file;
  }

  private pathOf(roundId: string): string {
    // Round ids are [a-z0-9-]; anything else is replaced so no id can name a path outside `dir`.
    return join(this.dir, `${roundId.replace(/[^A-Za-z0-9_-]/g, '_')}.vectors`);
  }
}
