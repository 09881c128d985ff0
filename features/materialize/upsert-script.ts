/**
 * The atomic "write only if newer" of Feast's layout, as one Lua script over a batch of entities
 * of one view. Feast's own writer reads `_ts:<view>` and then writes, which races; here the read,
 * the comparison, the HSET and the expiry happen in one step inside Redis, so reruns and
 * concurrent workers cannot go backwards. Batching amortizes the script call, which otherwise
 * costs Redis more than the writes themselves (measured: ~9 µs per single-entity call).
 *
 * KEYS: entity keys. ARGV, per key in order: `_ts:<view>` field, event time (ms), TTL (ms, 0 for
 * none), the serialized Timestamp, the number of features n, then n field/value pairs.
 * Returns how many entities were written; the others were not newer. The expiry only ever grows:
 * views sharing an entity key (user-features 30d, behavioral 24h) keep the longest TTL, and a key
 * someone made persistent stays persistent. Keys of one call must live on one node (no cluster).
 */
import { createHash } from 'node:crypto';

/** The script's source. */
export const UPSERT_IF_NEWER_LUA = `
local function millis(ts)
  local seconds, nanos, i, n = 0, 0, 1, #ts
  while i <= n do
    local tag = string.byte(ts, i)
    i = i + 1
    local value, scale, byte = 0, 1, 128
    while byte >= 128 do
      byte = string.byte(ts, i)
      i = i + 1
      value = value + (byte % 128) * scale
      scale = scale * 128
    end
    if tag == 8 then seconds = value elseif tag == 16 then nanos = value end
  end
  return seconds * 1000 + math.floor(nanos / 1000000)
end
local written, a = 0, 1
for k = 1, #KEYS do
  local key, field, eventMs, ttl, n = KEYS[k], ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 4])
  local tsBytes, first = ARGV[a + 3], a + 5
  a = first + 2 * n
  local previous = redis.call('HGET', key, field)
  if not previous or millis(previous) < eventMs then
    local pttl = redis.call('PTTL', key)
    redis.call('HSET', key, field, tsBytes, unpack(ARGV, first, a - 1))
    if ttl > 0 and (pttl == -2 or (pttl >= 0 and pttl < ttl)) then redis.call('PEXPIRE', key, ttl) end
    written = written + 1
  end
end
return written
`;

/** SHA-1 of the script, for EVALSHA. */
export const UPSERT_IF_NEWER_SHA = createHash('sha1').update(UPSERT_IF_NEWER_LUA).digest('hex');

/** Entities per script call: large enough to amortize the call, small enough not to stall Redis. */
export const UPSERT_BATCH = 200;

/** The Redis key holding a view's materialization watermark (epoch ms of the last run's end). */
export function watermarkKey(project: string, view: string): string {
  return `slipway:materialize:watermark:${project}:${view}`;
}
