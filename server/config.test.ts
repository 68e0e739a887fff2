import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('has safe defaults: loopback, SQLite under ./data, same-host origins only', () => {
    const config = parseConfig([], {});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8787, dbPath: './data/inkling.sqlite', epsilonBudget: 8, delta: 1e-6, seed: false, adminToken: null });
    expect(config.allowedOrigins).toEqual(['http://127.0.0.1:8787', 'http://localhost:8787']);
  });

  it('reads flags (both spellings) over the environment', () => {
    const config = parseConfig(['--port', '9000', '--epsilon=4', '--seed', '--allowed-origins', 'https://a.example, https://B.example:8443'], { PORT: '1', INKLING_DELTA: '1e-7' });
    expect(config).toMatchObject({ port: 9000, epsilonBudget: 4, delta: 1e-7, seed: true });
    expect(config.allowedOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
    expect(parseConfig(['--epsilon', '1e6', '--central-noise', '0'], {})).toMatchObject({ epsilonBudget: 1e6, centralNoiseMultiplier: 0 });
    expect(() => parseConfig(['--epsilon', 'inf'], {})).toThrow(/--epsilon/);
  });

  it.each([
    [['--port', '70000'], /--port \(PORT\) must be an integer in \[0, 65535\]/],
    [['--port', '12.5'], /--port/],
    [['--epsilon', '-1'], /--epsilon \(INKLING_EPSILON\)/],
    [['--delta', '0.5'], /--delta \(INKLING_DELTA\) must be a number in \(0, 0.01\]/],
    [['--min-contributions', '10', '--max-contributions', '5'], /--max-contributions \(5\) must be ≥ --min-contributions \(10\)/],
    [['--allowed-origins', '*'], /'\*' is not allowed/],
    [['--allowed-origins', 'https://shop.example/path'], /no path/],
    [['--admin-token', 'short'], /at least 16 characters/],
    [['--durability', 'eventually'], /'process' or 'power'/],
    [['--round-seconds', 'soon'], /--round-seconds/],
    [['--db', ''], /--db \(INKLING_DB\) must not be empty/],
    [['--no-such-flag', '1'], /unknown flag --no-such-flag/],
    [['positional'], /unexpected argument/],
  ])('refuses %j naming the flag and the rule', (argv, message) => {
    expect(() => parseConfig(argv, {})).toThrow(ConfigError);
    expect(() => parseConfig(argv, {})).toThrow(message);
  });

  it('names the environment variable for a bad environment value', () => {
    expect(() => parseConfig([], { INKLING_MAX_CONTRIBUTIONS: 'many' })).toThrow(/INKLING_MAX_CONTRIBUTIONS/);
  });
});
