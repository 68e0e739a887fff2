import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';
import { DEFAULT_HTTP_LIMITS } from './http/node-server.js';

describe('parseConfig', () => {
  it('has safe defaults: loopback, SQLite under ./data, same-host origins only', () => {
    const config = parseConfig([], {});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8787, dbPath: './data/inkling.sqlite', epsilonBudget: 8, delta: 1e-6, seed: false, adminToken: null });
    expect(config.allowedOrigins).toEqual(['http://127.0.0.1:8787', 'http://localhost:8787']);
  });

  it('reads --tasks (INKLING_TASKS): distinct task names, all tasks when absent', () => {
    expect(parseConfig([], {}).tasks).toBeUndefined();
    expect(parseConfig(['--tasks', 'item-popularity, als-items'], {}).tasks).toEqual(['item-popularity', 'als-items']);
    expect(parseConfig([], { INKLING_TASKS: 'segments' }).tasks).toEqual(['segments']);
    for (const bad of ['', 'a,a', 'Has Space', 'segments,']) {
      expect(() => parseConfig(['--tasks', bad], {})).toThrow(/--tasks \(INKLING_TASKS\) must be distinct task names/);
    }
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

  it("reads the segments task's k and categories, refusing k out of range and bad category lists by flag", () => {
    expect(parseConfig([], {}).segments).toEqual({ k: 4, categories: ['Drama', 'Comedy', 'Action', 'Thriller', 'Adventure', 'Romance'], schedules: 1 });
    expect(parseConfig(['--segments-k', '6', '--segments-categories', 'Drama, Sci-Fi,Horror', '--segments-schedules', '3'], {}).segments).toEqual({ k: 6, categories: ['Drama', 'Sci-Fi', 'Horror'], schedules: 3 });
    expect(parseConfig([], { INKLING_SEGMENTS_SCHEDULES: '2' }).segments?.schedules).toBe(2);
    expect(() => parseConfig(['--segments-schedules', '0'], {})).toThrow('--segments-schedules (INKLING_SEGMENTS_SCHEDULES) must be an integer in [1, 10]; got "0"');
    expect(() => parseConfig(['--segments-schedules', '11'], {})).toThrow(/--segments-schedules/);
    expect(parseConfig([], { INKLING_SEGMENTS_K: '2' }).segments?.k).toBe(2);
    expect(() => parseConfig(['--segments-k', '1'], {})).toThrow('--segments-k (INKLING_SEGMENTS_K) must be an integer in [2, 16]; got "1"');
    expect(() => parseConfig(['--segments-k', '17'], {})).toThrow(/--segments-k/);
    expect(() => parseConfig(['--segments-categories', 'Drama,,Horror'], {})).toThrow(/--segments-categories \(INKLING_SEGMENTS_CATEGORIES\) must be 1 to 16 distinct, non-empty category names/);
    expect(() => parseConfig(['--segments-categories', 'Drama,Drama'], {})).toThrow(/--segments-categories/);
  });

  it('reads the store: a SQLite path or a postgres:// URL, --store over its older name --db, flags over the environment', () => {
    expect(parseConfig(['--store', 'postgres://inkling:secret@db.internal:5432/leader'], {}).dbPath).toBe('postgres://inkling:secret@db.internal:5432/leader');
    expect(parseConfig([], { INKLING_STORE: 'postgresql://db/helper' }).dbPath).toBe('postgresql://db/helper');
    expect(parseConfig(['--db', 'a.sqlite', '--store', 'b.sqlite'], {}).dbPath).toBe('b.sqlite');
    expect(parseConfig(['--db', 'a.sqlite'], { INKLING_STORE: 'postgres://db/x' }).dbPath).toBe('a.sqlite');
    expect(parseConfig([], { INKLING_DB: 'old.sqlite' }).dbPath).toBe('old.sqlite');
  });

  it.each([
    [['--store', 'postgres://user:secret@db.internal'], /--store \(INKLING_STORE\) must name a database.*user:\*\*\*@db.internal/],
    [['--store', 'postgres://user:secret@/leader'], /--store \(INKLING_STORE\) must be a valid URL/],
    [['--store', 'mysql://db/x'], /--store \(INKLING_STORE\) must be a SQLite file path or a postgres:\/\/ URL; got "mysql:\/\/db\/x"/],
  ])('refuses the store %j naming the flag, without echoing a password', (argv, message) => {
    expect(() => parseConfig(argv, {})).toThrow(message);
    expect(() => parseConfig(argv, {})).not.toThrow(/secret/);
  });

  it('reads the role and the flags each role needs', () => {
    expect(parseConfig([], {}).role).toEqual({ kind: 'single' });
    expect(parseConfig([], {}).plannedRounds).toBe(5);
    const token = 'peer-token-0123456789';
    expect(parseConfig(['--role', 'leader', '--helper', 'http://127.0.0.1:8788/', '--peer-token', token], {}).role)
      .toEqual({ kind: 'leader', helperUrl: 'http://127.0.0.1:8788', helperPublicUrl: 'http://127.0.0.1:8788', peerToken: token });
    expect(parseConfig(['--helper-public-url', 'https://helper.example'], { INKLING_ROLE: 'leader', INKLING_HELPER_URL: 'http://10.0.0.2:8788', INKLING_PEER_TOKEN: token }).role)
      .toMatchObject({ kind: 'leader', helperUrl: 'http://10.0.0.2:8788', helperPublicUrl: 'https://helper.example' });
    expect(parseConfig(['--role', 'helper', '--rotate-key'], { INKLING_PEER_TOKEN: token }).role).toEqual({ kind: 'helper', peerToken: token, rotateKey: true });
    expect(parseConfig(['--planned-rounds', '20'], {}).plannedRounds).toBe(20);
  });

  it.each([
    [['--role', 'boss'], /--role \(INKLING_ROLE\) must be one of single, leader, helper/],
    [['--role', 'leader', '--peer-token', 'peer-token-0123456789'], /--helper \(INKLING_HELPER_URL\) is required with --role leader/],
    [['--role', 'leader', '--helper', 'http://h.example:1'], /--peer-token \(INKLING_PEER_TOKEN\) is required with --role leader/],
    [['--role', 'helper', '--peer-token', 'short'], /--peer-token \(INKLING_PEER_TOKEN\) must be at least 16 characters/],
    [['--role', 'leader', '--helper', 'http://h.example/path', '--peer-token', 'peer-token-0123456789'], /--helper \(INKLING_HELPER_URL\) must be an origin/],
    [['--helper', 'http://h.example'], /--helper \(INKLING_HELPER_URL\) is only for --role leader; this is --role single/],
    [['--peer-token', 'peer-token-0123456789'], /--peer-token .* is only for --role leader or helper/],
    [['--role', 'leader', '--helper', 'http://h.example', '--peer-token', 'peer-token-0123456789', '--rotate-key'], /--rotate-key is only for --role helper/],
    [['--planned-rounds', '0'], /--planned-rounds \(INKLING_PLANNED_ROUNDS\) must be an integer in \[1, 100000\]/],
  ])('refuses the role flags %j naming the flag and the rule', (argv, message) => {
    expect(() => parseConfig(argv, {})).toThrow(message);
  });

  it('names the environment variable for a bad environment value', () => {
    expect(() => parseConfig([], { INKLING_MAX_CONTRIBUTIONS: 'many' })).toThrow(/INKLING_MAX_CONTRIBUTIONS/);
  });
  it('reads the HTTP timeouts and connection cap, refusing bad values by flag and variable', () => {
    expect(parseConfig([], {}).http).toEqual(DEFAULT_HTTP_LIMITS);
    expect(parseConfig(['--headers-timeout-ms', '2000', '--request-timeout-ms=30000', '--keep-alive-timeout-ms', '1000'], { INKLING_MAX_CONNECTIONS: '500' }).http)
      .toEqual({ headersTimeoutMs: 2000, requestTimeoutMs: 30000, keepAliveTimeoutMs: 1000, maxConnections: 500 });
    expect(() => parseConfig(['--max-connections', '0'], {})).toThrow('--max-connections (INKLING_MAX_CONNECTIONS) must be an integer in [1, 1000000]; got "0"');
    expect(() => parseConfig([], { INKLING_REQUEST_TIMEOUT_MS: '1.5' })).toThrow(/--request-timeout-ms \(INKLING_REQUEST_TIMEOUT_MS\) must be an integer/);
    expect(() => parseConfig(['--headers-timeout-ms', '20000', '--request-timeout-ms', '10000'], {})).toThrow(/--headers-timeout-ms \(INKLING_HEADERS_TIMEOUT_MS\) must be ≤ --request-timeout-ms/);
  });
});
