'use strict';
/**
 * The opending DingTalk emulator from Node: start it (the binary or the container image), point
 * DingTalk's SDKs at it, and drive its control API (`/_opending/`) from Jest, Vitest or
 * node:test. Every method is one call of the control API (docs/emulator.md); none reimplements
 * a rule of the server. No dependencies: Node's own fetch and child_process.
 */
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const LISTENING = /opending listening on (http:\/\/\S+)/;

/** The control API answered an error, or the emulator could not be started. */
class EmulatorError extends Error {
  constructor(message, status = 0, body = undefined) {
    super(message);
    this.name = 'EmulatorError';
    /** HTTP status (0 when none). */
    this.status = status;
    /** The decoded answer, when it was JSON. */
    this.body = body;
  }
}

/** A running opending emulator. */
class Emulator {
  /**
   * Attaches to an emulator at `baseUrl` (use {@link Emulator.start} to run one).
   * @param {string} baseUrl e.g. http://127.0.0.1:8080
   */
  constructor(baseUrl, internal = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this._child = internal.child || null;
    this._container = internal.container || null;
    this._tmpdir = internal.tmpdir || null;
    /** What the binary printed (stdout and stderr), for failures. */
    this.output = internal.output || [];
  }

  /**
   * Starts an emulator on a free loopback port, everything in memory.
   * @param {object} [opts]
   * @param {string} [opts.binary] the opending binary (default $OPENDING_BINARY, else `opending` on PATH)
   * @param {string} [opts.image] run this container image instead (default $OPENDING_IMAGE when no binary)
   * @param {string} [opts.runtime] docker or podman (default $OPENDING_CONTAINER_RUNTIME, else docker)
   * @param {string|object} [opts.seed] a seed document: a file path, YAML/JSON text, or an object;
   *   applied at start and restored by reset()
   * @param {number} [opts.deterministic] derive every id, secret and token from this seed; freeze the clock
   * @param {boolean} [opts.demo] also create the demo world
   * @param {string[]} [opts.args] more flags for `opending serve`
   * @param {number} [opts.timeoutMs] how long to wait for the first answer (default 30000)
   * @returns {Promise<Emulator>}
   */
  static async start(opts = {}) {
    const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'opending-emulator-'));
    try {
      const seedPath = opts.seed !== undefined ? writeSeed(opts.seed, tmpdir) : null;
      const flags = ['--emulator', '--memory'];
      if (opts.deterministic !== undefined) flags.push('--deterministic', String(opts.deterministic));
      if (opts.demo) flags.push('--demo');
      flags.push(...(opts.args || []));
      const binary = opts.binary || process.env.OPENDING_BINARY;
      const image = opts.image || (binary ? undefined : process.env.OPENDING_IMAGE);
      const timeoutMs = opts.timeoutMs || 30000;
      if (image) return await startImage(image, opts.runtime, seedPath, flags, tmpdir, timeoutMs);
      return await startBinary(binary || 'opending', seedPath, flags, tmpdir, timeoutMs);
    } catch (e) {
      fs.rmSync(tmpdir, { recursive: true, force: true });
      throw e;
    }
  }

  /** `host:port`, what DingTalk's official SDKs take as `endpoint` (with protocol 'http'). */
  get endpoint() {
    return new URL(this.baseUrl).host;
  }

  /** Stops the emulator this object started (SIGTERM; the container is removed). */
  async stop() {
    if (this._child) {
      const child = this._child;
      this._child = null;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
        await exited;
        clearTimeout(timer);
      }
    }
    if (this._container) {
      const { runtime, id } = this._container;
      this._container = null;
      try { execFileSync(runtime, ['stop', '-t', '10', id], { stdio: 'ignore' }); } catch { /* gone */ }
      try { execFileSync(runtime, ['rm', '-f', id], { stdio: 'ignore' }); } catch { /* gone */ }
    }
    if (this._tmpdir) {
      fs.rmSync(this._tmpdir, { recursive: true, force: true });
      this._tmpdir = null;
    }
  }

  /** Wipes everything and re-applies the start seed; resets clock, journal and faults. */
  reset() { return this._call('POST', '/_opending/reset'); }

  /** Applies a seed document now (idempotent): a file path, YAML/JSON text, or an object. */
  applySeed(seed) {
    return this._call('POST', '/_opending/seed', { raw: seedText(seed), type: 'application/yaml' });
  }

  /**
   * An authorization code as if the user had consented.
   * @returns {Promise<string>} the code
   */
  async mintCode({ clientId, unionId, scopes, corpId, redirectUri }) {
    const r = await this._call('POST', '/_opending/codes', { json: { clientId, unionId, scopes, corpId, redirectUri } });
    return r.authCode;
  }

  /** An in-app login (免登) code, as dd.requestAuthCode would give the app's page. */
  async loginCode({ clientId, corpId, unionId, userid }) {
    const r = await this._call('POST', '/_opending/login-codes', { json: { clientId, corpId, unionId, userid } });
    return r.code;
  }

  /** An SSO code for an org admin opening the app's admin backend: {url, code}. */
  ssoCode({ clientId, corpId, unionId }) {
    return this._call('POST', '/_opending/sso-codes', { json: { clientId, corpId, unionId } });
  }

  /** Every app token, user token and code the server holds. */
  tokens() { return this._call('GET', '/_opending/tokens'); }

  /** Makes a token or code (its id from tokens()) expire now. */
  expireToken(id) { return this._call('POST', `/_opending/tokens/${encodeURIComponent(id)}/expire`); }

  /** The request journal; filters: method, pathPrefix, route, status, clientId, since, limit. */
  requests(filters = {}) { return this._call('GET', '/_opending/requests' + query(filters)); }

  /** Requests per (method, route) since start or the last clearRequests(). */
  requestCounts() { return this._call('GET', '/_opending/requests/counts'); }

  /** Clears the journal and its counters. */
  clearRequests() { return this._call('DELETE', '/_opending/requests'); }

  /** {now, offsetSeconds}. */
  clock() { return this._call('GET', '/_opending/clock'); }

  /** Moves the server's clock forward (tokens and codes expire by it). */
  advanceClock(seconds) { return this._call('POST', '/_opending/clock', { json: { advanceSeconds: seconds } }); }

  /** Raises an event to every app that receives it (docs/events.md). */
  raiseEvent({ eventType, corpId, clientId, data }) {
    return this._call('POST', '/_opending/events', { json: { eventType, corpId, clientId, data } });
  }

  /** Events with their delivery attempts; filters: clientId, eventType, state, since, limit. */
  events(filters = {}) { return this._call('GET', '/_opending/events' + query(filters)); }

  /** Adds a fault-injection rule (docs/emulator.md); answers it with its id. */
  addFault(rule) { return this._call('POST', '/_opending/faults', { json: rule }); }

  /** Removes every fault rule. */
  clearFaults() { return this._call('DELETE', '/_opending/faults'); }

  async _call(method, p, { json, raw, type } = {}) {
    const init = { method, headers: {} };
    if (json !== undefined) {
      init.body = JSON.stringify(json);
      init.headers['content-type'] = 'application/json';
    } else if (raw !== undefined) {
      init.body = raw;
      init.headers['content-type'] = type;
    }
    const res = await fetch(this.baseUrl + p, init);
    const text = await res.text();
    let body;
    try { body = text ? JSON.parse(text) : undefined; } catch { body = text; }
    if (!res.ok) throw new EmulatorError(`${method} ${p}: HTTP ${res.status}: ${text.slice(0, 500)}`, res.status, body);
    return body;
  }
}

/**
 * Wires an emulator into a test framework's hooks: started before all tests, reset to its seed
 * before each, stopped after all. Works with Jest and Vitest globals, or pass node:test's hooks.
 *
 *   const { before, after, beforeEach } = require('node:test');
 *   const emu = useEmulator({ seed: 'world.yaml' }, { beforeAll: before, afterAll: after, beforeEach });
 *   test('...', async () => { emu.current.endpoint; await emu.current.mintCode({...}); });
 *
 * @returns {{current: Emulator}} filled once the `beforeAll` hook ran
 */
function useEmulator(opts = {}, hooks = {}) {
  const g = globalThis;
  const beforeAll = hooks.beforeAll || g.beforeAll || g.before;
  const afterAll = hooks.afterAll || g.afterAll || g.after;
  const beforeEach = hooks.beforeEach || g.beforeEach;
  if (!beforeAll || !afterAll || !beforeEach) {
    throw new EmulatorError('useEmulator: no beforeAll/afterAll/beforeEach hooks (pass them as the second argument)');
  }
  const holder = { current: null };
  beforeAll(async () => {
    holder.current = opts.url ? new Emulator(opts.url) : await Emulator.start(opts);
  });
  beforeEach(async () => { await holder.current.reset(); });
  afterAll(async () => { if (holder.current) await holder.current.stop(); });
  return holder;
}

async function startBinary(binary, seedPath, flags, tmpdir, timeoutMs) {
  const args = ['serve', '--listen', '127.0.0.1:0', '--log-level', 'warn', ...flags];
  if (seedPath) args.push('--seed', seedPath);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  const url = await new Promise((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => fail(`opending did not answer within ${timeoutMs} ms`), timeoutMs);
    function fail(why) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new EmulatorError(`opending did not start: ${why}\n${output.slice(-40).join('\n')}`));
    }
    function onData(chunk) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        if (output.length < 10000) output.push(line);
        const m = LISTENING.exec(line);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      }
    }
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (e) => fail(e.message));
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal})`));
  });
  child.removeAllListeners('exit');
  return new Emulator(url, { child, tmpdir, output });
}

async function startImage(image, runtime, seedPath, flags, tmpdir, timeoutMs) {
  const rt = runtime || process.env.OPENDING_CONTAINER_RUNTIME || 'docker';
  const args = ['run', '-d', '--rm', '-p', '127.0.0.1::8080'];
  const serve = ['serve', ...flags];
  if (seedPath) {
    fs.chmodSync(tmpdir, 0o755);
    fs.chmodSync(seedPath, 0o644);
    args.push('-v', `${seedPath}:/seed/seed.yaml:ro`);
    serve.push('--seed', '/seed/seed.yaml');
  }
  const id = run(rt, [...args, image, ...serve]).trim().split('\n').pop();
  try {
    const port = run(rt, ['port', id, '8080/tcp']).trim().split('\n')[0].split(':').pop();
    const emu = new Emulator(`http://127.0.0.1:${port}`, { container: { runtime: rt, id }, tmpdir });
    await waitReady(emu.baseUrl, timeoutMs);
    return emu;
  } catch (e) {
    try { execFileSync(rt, ['rm', '-f', id], { stdio: 'ignore' }); } catch { /* gone */ }
    throw e;
  }
}

async function waitReady(baseUrl, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(baseUrl + '/healthz');
      if (r.ok) return;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new EmulatorError(`no answer from ${baseUrl}/healthz after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new EmulatorError(`${cmd} ${args.join(' ')}: ${String(e.stderr || e.message).slice(0, 2000)}`);
  }
}

function query(filters) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== undefined && v !== null) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

function seedText(seed) {
  if (typeof seed === 'object' && seed !== null) return JSON.stringify(seed);
  const s = String(seed);
  if (!s.includes('\n') && fs.existsSync(s) && fs.statSync(s).isFile()) return fs.readFileSync(s, 'utf8');
  return s;
}

function writeSeed(seed, tmpdir) {
  const p = path.join(tmpdir, 'seed.yaml');
  fs.writeFileSync(p, seedText(seed));
  return p;
}

module.exports = { Emulator, EmulatorError, useEmulator };
