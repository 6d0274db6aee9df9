/**
 * Heals an entry in its own format without ever overwriting a newer write: replaces the value only
 * if it is still exactly what was observed, and keeps the key's TTL.
 * The observed content is named by a digest (see contentDigest): sha1 of a string value, sha1 of a
 * hash's fields and values sorted by field and joined with NUL, '' for no key.
 *
 * KEYS[1] key; ARGV[1] observed digest; ARGV[2] 'string' or 'hash'; ARGV[3] the string value, or
 * ARGV[3..] the hash's field, value pairs. Returns 1 when replaced, 0 when the entry changed since.
 */
export const REPLACE_IF_UNCHANGED_LUA = `
local kind = redis.call('TYPE', KEYS[1])['ok']
local digest
if kind == 'string' then
  digest = redis.sha1hex(redis.call('GET', KEYS[1]))
elseif kind == 'hash' then
  local flat = redis.call('HGETALL', KEYS[1])
  local pairs = {}
  for i = 1, #flat, 2 do pairs[#pairs + 1] = {flat[i], flat[i + 1]} end
  table.sort(pairs, function(a, b) return a[1] < b[1] end)
  local parts = {}
  for _, p in ipairs(pairs) do parts[#parts + 1] = p[1]; parts[#parts + 1] = p[2] end
  digest = redis.sha1hex(table.concat(parts, '\\0'))
elseif kind == 'none' then
  digest = ''
else
  return 0
end
if digest ~= ARGV[1] then return 0 end
if ARGV[2] == 'string' then
  if kind == 'none' then return 0 end
  redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL')
else
  local ttl = redis.call('PTTL', KEYS[1])
  redis.call('DEL', KEYS[1])
  if #ARGV > 2 then redis.call('HSET', KEYS[1], unpack(ARGV, 3)) end
  if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
return 1
`;
