import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, parseArgs } from './args.js';

describe('parseArgs', () => {
  it('reads every flag, in both --flag value and --flag=value form', () => {
    const options = parseArgs(['--clients', '20', '--rounds=3', '--epsilon', '4.5', '--server', 'http://127.0.0.1:9000/x', '--quiet'], { INKLING_ADMIN_TOKEN: 'tok' });
    expect(options).toEqual({ ...DEFAULT_OPTIONS, clients: 20, rounds: 3, epsilon: 4.5, server: 'http://127.0.0.1:9000', adminToken: 'tok', quiet: true });
  });

  it('names the flag and the rule on a bad value', () => {
    expect(() => parseArgs(['--clients', '0'])).toThrow(/--clients must be an integer from 1 to 671; got 0/);
    expect(() => parseArgs(['--clients', '1000'])).toThrow(/--clients/);
    expect(() => parseArgs(['--epsilon', '-1'])).toThrow(/--epsilon must be a positive number/);
    expect(() => parseArgs(['--seed-server', 'ftp://x'])).toThrow(/--seed-server must be an http\(s\) URL/);
    expect(() => parseArgs(['--rounds'])).toThrow(/got nothing/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown option "--bogus"/);
    expect(() => parseArgs(['--json'])).toThrow(/--json needs a file path/);
  });

  it('reads INKLING_SIM_CLIENTS / INKLING_SIM_ROUNDS (what npm start\'s seeder gets), the flags winning, bad values named', () => {
    expect(parseArgs(['--seed-server', 'http://127.0.0.1:9000'], { INKLING_SIM_CLIENTS: '120', INKLING_SIM_ROUNDS: '2' })).toMatchObject({ clients: 120, rounds: 2 });
    expect(parseArgs(['--clients', '30'], { INKLING_SIM_CLIENTS: '120' }).clients).toBe(30);
    expect(() => parseArgs([], { INKLING_SIM_CLIENTS: '0' })).toThrow(/INKLING_SIM_CLIENTS must be an integer from 1 to 671; got 0/);
  });

  it('reads --json FILE', () => {
    expect(parseArgs(['--json', 'out.json']).json).toBe('out.json');
    expect(DEFAULT_OPTIONS.json).toBeNull();
  });

  it('reads --dataset, naming the choices, and refuses the flags that do not apply to the in-process population run', () => {
    expect(DEFAULT_OPTIONS.dataset).toBe('ml-latest-small');
    expect(parseArgs(['--dataset', 'movietweetings', '--json', 'mt.json'])).toMatchObject({ dataset: 'movietweetings', json: 'mt.json' });
    expect(() => parseArgs(['--dataset', 'netflix'])).toThrow(/--dataset must be one of ml-latest-small, movietweetings; got netflix/);
    expect(() => parseArgs(['--dataset=movietweetings', '--clients', '20'])).toThrow(/--clients does not apply/);
    expect(() => parseArgs(['--server=http://127.0.0.1:1', '--dataset', 'movietweetings'])).toThrow(/--server does not apply/);
  });
});
