/**
 * A small RFC 4180 reader: enough for MovieLens, whose titles contain quoted commas and doubled
 * quotes ("Shawshank Redemption, The (1994)"). Fields never span lines in these files, but the
 * reader handles it anyway so a future data set does not silently mis-split.
 */

/** Parses CSV text into rows of fields; the header row is returned like any other row. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Rows as records keyed by the header; throws naming the column when one is missing. */
export function readCsvRecords(text: string, requiredColumns: readonly string[], source: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new RangeError(`${source}: empty file (expected a header with ${requiredColumns.join(', ')})`);
  for (const column of requiredColumns) {
    if (!header.includes(column)) throw new RangeError(`${source}: missing column "${column}" (header is ${header.join(',')})`);
  }
  return rows
    .filter((r) => r.length > 1 || (r[0] ?? '') !== '')
    .map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ''])));
}
