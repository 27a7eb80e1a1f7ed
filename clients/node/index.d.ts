/** Options of {@link Emulator.start}. */
export interface StartOptions {
  /** The opending binary (default $OPENDING_BINARY, else `opending` on PATH). */
  binary?: string;
  /** Run this container image instead (default $OPENDING_IMAGE when no binary is given). */
  image?: string;
  /** docker or podman (default $OPENDING_CONTAINER_RUNTIME, else docker). */
  runtime?: string;
  /** A seed document: a file path, YAML/JSON text, or an object; restored by reset(). */
  seed?: string | object;
  /** Derive every id, secret and token from this number; freeze the clock. */
  deterministic?: number;
  /** Also create the demo world. */
  demo?: boolean;
  /** More flags for `opending serve`. */
  args?: string[];
  /** How long to wait for the first answer (default 30000). */
  timeoutMs?: number;
  /** useEmulator only: attach to an emulator already running at this URL. */
  url?: string;
}

/** The control API answered an error, or the emulator could not be started. */
export class EmulatorError extends Error {
  status: number;
  body: unknown;
}

/** A running opending emulator. */
export class Emulator {
  constructor(baseUrl: string);
  static start(opts?: StartOptions): Promise<Emulator>;
  readonly baseUrl: string;
  /** `host:port`, for DingTalk's official SDKs (`new Config({protocol: 'http', endpoint})`). */
  readonly endpoint: string;
  output: string[];
  stop(): Promise<void>;
  reset(): Promise<unknown>;
  applySeed(seed: string | object): Promise<unknown>;
  mintCode(a: { clientId: string; unionId: string; scopes: string[]; corpId?: string; redirectUri?: string }): Promise<string>;
  loginCode(a: { clientId: string; corpId: string; unionId?: string; userid?: string }): Promise<string>;
  ssoCode(a: { clientId: string; corpId: string; unionId: string }): Promise<{ url: string; code: string }>;
  tokens(): Promise<Array<Record<string, unknown>>>;
  expireToken(id: string): Promise<unknown>;
  requests(filters?: Record<string, string | number>): Promise<Array<Record<string, unknown>>>;
  requestCounts(): Promise<unknown>;
  clearRequests(): Promise<unknown>;
  clock(): Promise<{ now: number; offsetSeconds: number }>;
  advanceClock(seconds: number): Promise<{ now: number; offsetSeconds: number }>;
  raiseEvent(a: { eventType: string; corpId?: string; clientId?: string; data?: object }): Promise<{ events: unknown[] }>;
  events(filters?: Record<string, string | number>): Promise<Array<Record<string, unknown>>>;
  addFault(rule: object): Promise<Record<string, unknown>>;
  clearFaults(): Promise<unknown>;
}

/** Hooks of a test framework; Jest's and Vitest's globals are found by themselves. */
export interface Hooks {
  beforeAll?: (fn: () => Promise<void>) => void;
  afterAll?: (fn: () => Promise<void>) => void;
  beforeEach?: (fn: () => Promise<void>) => void;
}

/** Started before all tests, reset before each, stopped after all. */
export function useEmulator(opts?: StartOptions, hooks?: Hooks): { current: Emulator };
