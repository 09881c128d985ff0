/**
 * The atomic "write only if newer" of Feast's layout, as one Lua script: Feast's own writer reads
 * `_ts:<view>` and then writes, which races; here the read, the comparison, the HSET and the
 * expiry happen in one step inside Redis, so reruns and concurrent workers cannot go backwards.
 *
 * KEYS[1] entity key. ARGV: `_ts:<view>` field, event time (ms), TTL (ms, 0 for none), the
 * serialized Timestamp, then feature field/value pairs. Returns 1 when written, 0 when not newer.
 * The expiry only ever grows: views sharing an entity key (user-features 30d, behavioral 24h)
 * keep the longest TTL, and a key someone made persistent stays persistent.
 */
import { createHash } from 'node:crypto';

/** The script's source. */
export const UPSERT_IF_NEWER_LUA = `
local previous = redis.call('HGET', KEYS[1], ARGV[1])
if previous then
  local seconds, nanos, i, n = 0, 0, 1, #previous
  while i <= n do
    local tag = string.byte(previous, i)
    i = i + 1
    local value, scale, byte = 0, 1, 128
    while byte >= 128 do
      byte = string.byte(previous, i)
      i = i + 1
      value = value + (byte % 128) * scale
      scale = scale * 128
    end
    if tag == 8 then seconds = value elseif tag == 16 then nanos = value end
  end
  if seconds * 1000 + math.floor(nanos / 1000000) >= tonumber(ARGV[2]) then return 0 end
end
local pttl = redis.call('PTTL', KEYS[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4], unpack(ARGV, 5))
local ttl = tonumber(ARGV[3])
if ttl > 0 and (pttl == -2 or (pttl >= 0 and pttl < ttl)) then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`;

/** SHA-1 of the script, for EVALSHA. */
export const UPSERT_IF_NEWER_SHA = createHash('sha1').update(UPSERT_IF_NEWER_LUA).digest('hex');

/** The Redis key holding a view's materialization watermark (epoch ms of the last run's end). */
export function watermarkKey(project: string, view: string): string {
  return `slipway:materialize:watermark:${project}:${view}`;
}
