import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/context.js';
import { errorMessage, LadderError } from '../core/errors.js';
import type { RateBudget, RateTake, SharedRateWindows } from '../models/resilience/rate-window.js';
import { displayUrl } from './queue.js';

/**
 * RateWindow's rule over Redis, for every process of a distributed run at once: a unit counts from dispatch until
 * one window after its call ended, so no window on the provider's clock sees more than `limit` arrivals from the
 * whole run. One clock for all (Redis TIME), one script per step (atomic). Keys per window:
 *   :f  sorted set, calls in flight, scored by when they end at the latest (dispatch + one attempt's timeout): a
 *       process killed mid-call leaves its entry counted that long plus a window, never forever
 *   :e  sorted set, calls ended, scored by when they ended
 *   :a  hash, entry → amount;  :t  the sum of the amounts
 *   :p  set while the provider asked for a pause (a 429's Retry-After to any process), expiring with it
 * The first four expire once nothing has touched them for a window plus an attempt.
 */
const PRELUDE = `
local f, e, a, t, p = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function touch(ttl)
  for _, k in ipairs({f, e, a, t}) do redis.call('PEXPIRE', k, ttl) end
end
`;

/** ARGV: limit, amount, windowMs, maxCallMs, id, pollMs → {1, id} spent, or {0, waitMs}. */
const TAKE = `${PRELUDE}
local limit, amount, window, maxCall, id, poll = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local paused = redis.call('PTTL', p)
if paused > 0 then return {0, paused} end
for _, k in ipairs({f, e}) do
  local old = redis.call('ZRANGEBYSCORE', k, '-inf', now - window)
  for _, m in ipairs(old) do
    redis.call('DECRBY', t, tonumber(redis.call('HGET', a, m) or '0'))
    redis.call('HDEL', a, m)
  end
  if #old > 0 then redis.call('ZREMRANGEBYSCORE', k, '-inf', now - window) end
end
local total = tonumber(redis.call('GET', t) or '0')
-- A lone call larger than the limit goes through on an empty window, so it cannot wait forever.
if total + amount <= limit or redis.call('ZCARD', f) + redis.call('ZCARD', e) == 0 then
  redis.call('ZADD', f, now + maxCall, id)
  redis.call('HSET', a, id, amount)
  redis.call('INCRBY', t, amount)
  touch(window + maxCall)
  return {1, id}
end
-- The earliest moment enough ended calls have left the window; with only calls in flight to wait for, ask again soon.
local freed = 0
local ended = redis.call('ZRANGE', e, 0, 999, 'WITHSCORES')
for i = 1, #ended, 2 do
  freed = freed + tonumber(redis.call('HGET', a, ended[i]) or '0')
  if total - freed + amount <= limit then return {0, math.max(1, tonumber(ended[i + 1]) + window - now)} end
end
return {0, poll}
`;

/** ARGV: id, amount (or '' to keep the estimate), windowMs, maxCallMs. An entry already gone is left gone. */
const SETTLE = `${PRELUDE}
local id = ARGV[1]
local old = redis.call('HGET', a, id)
if not old then return 0 end
if ARGV[2] ~= '' then
  redis.call('INCRBY', t, tonumber(ARGV[2]) - tonumber(old))
  redis.call('HSET', a, id, ARGV[2])
end
redis.call('ZREM', f, id)
redis.call('ZADD', e, now, id)
touch(tonumber(ARGV[3]) + tonumber(ARGV[4]))
return 1
`;

/** ARGV: pause ms. Extends the pause, never shortens it. */
const PAUSE = `${PRELUDE}
local ms = tonumber(ARGV[1])
if redis.call('PTTL', p) < ms then redis.call('SET', p, '1', 'PX', ms) end
return 1
`;

/** ARGV: id. */
const CANCEL = `${PRELUDE}
local old = redis.call('HGET', a, ARGV[1])
if not old then return 0 end
redis.call('DECRBY', t, tonumber(old))
redis.call('HDEL', a, ARGV[1])
redis.call('ZREM', f, ARGV[1])
redis.call('ZREM', e, ARGV[1])
return 1
`;

type Keys = readonly [string, string, string, string, string];
type RateRedis = Redis & {
  ladderRateTake(...keysThenArgv: [...Keys, ...(string | number)[]]): Promise<[number, string | number]>;
  ladderRateSettle(...keysThenArgv: [...Keys, ...(string | number)[]]): Promise<number>;
  ladderRateCancel(...keysThenArgv: [...Keys, ...(string | number)[]]): Promise<number>;
  ladderRatePause(...keysThenArgv: [...Keys, ...(string | number)[]]): Promise<number>;
};

export interface RedisRateWindowsOptions {
  url: string;
  /** Keys start with this (the queue's name): the driver and the workers of a project meet on the same windows. */
  namespace: string;
  log: Logger;
  /** How soon a call waiting only on calls in flight asks again (ms, default 50). */
  pollMs?: number;
}

/**
 * The run's rpm/tpm shared through the queue's Redis. The connection opens on the first call that needs it (a
 * spec without rpm/tpm never opens it). Redis unreachable: a take fails after a few retries as QUEUE_UNREACHABLE,
 * retryable, so the call backs off and tries again as for any retryable error.
 */
export class RedisRateWindows implements SharedRateWindows {
  private redis?: Promise<RateRedis>;

  constructor(private readonly options: RedisRateWindowsOptions) {}

  window(key: string, limit: number, windowMs: number, maxCallMs: number): RateBudget<string> {
    // One hash slot for the four keys (a Redis Cluster runs a script only over keys of one slot).
    const base = `${this.options.namespace}:rate:{${createHash('sha256').update(key).digest('hex').slice(0, 16)}}`;
    const keys: Keys = [`${base}:f`, `${base}:e`, `${base}:a`, `${base}:t`, `${base}:p`];
    const poll = this.options.pollMs ?? 50;
    const warn = (what: string) => (error: unknown) => this.options.log.warn(`rate window ${key}: ${what} failed: ${errorMessage(error)}`);
    return {
      take: async (_now, amount): Promise<RateTake<string>> => {
        const id = randomBytes(8).toString('hex');
        try {
          const [spent, value] = await (await this.connection()).ladderRateTake(...keys, limit, Math.ceil(amount), windowMs, maxCallMs, id, poll);
          return spent === 1 ? { entry: String(value) } : { waitMs: Number(value) };
        } catch (error) {
          // Retryable: withResilience backs off and asks again, within the example's deadline.
          throw new LadderError('QUEUE_UNREACHABLE', `rate window ${key}: Redis at ${displayUrl(this.options.url)} did not answer (${errorMessage(error)})`, { isRetryable: true, cause: error });
        }
      },
      // Fire and forget: the call's answer does not wait on bookkeeping; an entry never settled still ends by itself.
      settle: (id, _now, amount) => {
        void this.connection()
          .then((r) => r.ladderRateSettle(...keys, id, amount === undefined ? '' : Math.ceil(amount), windowMs, maxCallMs))
          .catch(warn('settle'));
      },
      cancel: (id) => {
        void this.connection()
          .then((r) => r.ladderRateCancel(...keys, id))
          .catch(warn('cancel'));
      },
      pause: (ms) => {
        void this.connection()
          .then((r) => r.ladderRatePause(...keys, Math.ceil(ms)))
          .catch(warn('pause'));
      },
    };
  }

  async close(): Promise<void> {
    const redis = await this.redis?.catch(() => undefined);
    this.redis = undefined;
    await redis?.quit().catch(() => redis.disconnect());
  }

  private connection(): Promise<RateRedis> {
    this.redis ??= (async () => {
      const { Redis } = await import('ioredis');
      // A few retries, then the command fails (the queue's connection waits forever instead): a call must not
      // hang on its rate window past its deadline.
      const redis = new Redis(this.options.url, { maxRetriesPerRequest: 2, lazyConnect: false }) as RateRedis;
      redis.on('error', () => {}); // reported by the commands that fail
      redis.defineCommand('ladderRateTake', { numberOfKeys: 5, lua: TAKE });
      redis.defineCommand('ladderRateSettle', { numberOfKeys: 5, lua: SETTLE });
      redis.defineCommand('ladderRateCancel', { numberOfKeys: 5, lua: CANCEL });
      redis.defineCommand('ladderRatePause', { numberOfKeys: 5, lua: PAUSE });
      return redis;
    })();
    return this.redis;
  }
}
