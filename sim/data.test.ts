import { describe, expect, it } from 'vitest';
import { heldOutCount, loadDataset, splitHistory } from './data.js';
import { parseCsv } from './csv.js';
import { writeTinyDataset } from './fixtures.js';

describe('parseCsv', () => {
  it('keeps quoted commas and doubled quotes inside one field', () => {
    expect(parseCsv('a,b\n1,"x, ""y"""\n')).toEqual([['a', 'b'], ['1', 'x, "y"']]);
  });
});

describe('heldOutCount', () => {
  it('holds out 20 %, at least one, never the whole history', () => {
    expect(heldOutCount(1)).toBe(0);
    expect(heldOutCount(2)).toBe(1);
    expect(heldOutCount(20)).toBe(4);
    expect(heldOutCount(23)).toBe(5);
  });
});

describe('splitHistory', () => {
  it('sorts by time (stable on ties) and holds out the most recent interactions', () => {
    const events = [
      { itemId: 'c', rating: 1, timestamp: 30 },
      { itemId: 'a', rating: 1, timestamp: 10 },
      { itemId: 'b', rating: 1, timestamp: 20 },
      { itemId: 'e', rating: 1, timestamp: 40 },
      { itemId: 'd', rating: 1, timestamp: 40 },
    ];
    const split = splitHistory(7, events, () => true);
    expect(split.train.map((t) => t.itemId)).toEqual(['a', 'b', 'c', 'e']);
    expect(split.heldOut.map((t) => t.itemId)).toEqual(['d']);
  });

  it('drops held-out items outside the catalogue', () => {
    const events = [1, 2, 3, 4, 5].map((t) => ({ itemId: String(t), rating: 3, timestamp: t }));
    expect(splitHistory(1, events, (id) => id !== '5').heldOut).toEqual([]);
  });
});

describe('loadDataset', () => {
  it('reads the MovieLens files into a catalogue of rated movies and time-ordered splits', () => {
    const { catalogue, users } = loadDataset({ dataDir: writeTinyDataset() });
    expect(catalogue.ids).toEqual(['1', '2', '3', '4']);
    expect(catalogue.movies.get('2')?.title).toBe('Shawshank Redemption, The (1994)');
    expect(catalogue.movies.get('5')?.genres).toEqual([]);
    // What the storefront sends about each rated film (storefront-products.ts): every genre, the shop's title.
    expect(catalogue.products.get('1')).toMatchObject({ product_id: '1', category: 'Adventure,Animation,Children', name: 'Toy Story' });
    expect(catalogue.products.get('2')).toMatchObject({ category: 'Crime,Drama', name: 'The Shawshank Redemption' });
    expect(catalogue.products.has('5')).toBe(false); // never rated
    expect(users.map((u) => u.userId)).toEqual([1, 2, 3]);
    const [u1, u2, u3] = users;
    expect(u1?.train.map((t) => t.itemId)).toEqual(['1', '2', '3', '1']);
    expect(u1?.heldOut.map((t) => t.itemId)).toEqual(['4']);
    expect(u1?.train[0]?.timestamp).toBe(100_000);
    expect(u2?.train.map((t) => t.itemId)).toEqual(['2', '4', '1', '3']);
    expect(u2?.heldOut).toEqual([]);
    expect(u3?.train.length).toBe(1);
  });

  it('uses the model\u2019s own item list when given and rejects duplicates', () => {
    const dir = writeTinyDataset();
    expect(loadDataset({ dataDir: dir, catalogueIds: ['3', '1'] }).catalogue.indexOf.get('1')).toBe(1);
    expect(() => loadDataset({ dataDir: dir, catalogueIds: ['3', '3'] })).toThrow(/appears twice/);
    // Ratings per movie over the whole file: 1 ×3, 2 ×3, 3 ×2, 4 ×3.
    expect(loadDataset({ dataDir: dir, minRatings: 3 }).catalogue.ids).toEqual(['1', '2', '4']);
  });
});
