/**
 * The one way Polaris writes a versioned entry (a JSON payload with a `version` field) into the
 * cache: an atomic compare-and-set.
 * Writes when the key is absent, unreadable, or holds a version <= the incoming one,
 * so a slow read-through fill can never put an old version over a newer one.
 *
 * KEYS[1] cache key; ARGV[1] incoming version; ARGV[2] JSON payload; ARGV[3] TTL seconds (0 = none).
 * Returns 1 when written, 0 when a newer version is already cached.
 */
export const WRITE_IF_NOT_OLDER_LUA = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, entry = pcall(cjson.decode, current)
  if ok and type(entry) == 'table' then
    local cached = tonumber(entry['version'])
    if cached and cached > tonumber(ARGV[1]) then
      return 0
    end
  end
end
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1
`;
