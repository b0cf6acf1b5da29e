"""The presence store's Lua scripts: each transition is atomic in Redis.

Presence is one sorted set per user (that user's open sockets, scored by their expiry
time) and one global sorted set of every socket; room viewers are one sorted set per
conversation. Every transition runs as one script, so exactly one caller sees a user's
last socket go and emits `user_offline`. Times come from Redis's own clock (`TIME`), so
server processes with skewed clocks agree.
"""

NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000\n"

# KEYS: user set, all set. ARGV: socket id, "uid|socket id", ttl. -> how many live sockets
# the user had before this one (0: came online).
LUA_CONNECT = (
    NOW
    + """
local ttl = tonumber(ARGV[3])
local live = redis.call('ZCOUNT', KEYS[1], now, '+inf')
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('ZADD', KEYS[2], now + ttl, ARGV[2])
return live
"""
)

# KEYS: user set, all set. ARGV: socket id, "uid|socket id", uid. -> 1 if this call removed
# the user's last socket (went offline). With no live socket left, a dead process's
# expired leftovers of that user are removed too, so the answer is final.
LUA_DISCONNECT = (
    NOW
    + """
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
if redis.call('ZCOUNT', KEYS[1], now, '+inf') == 0 then
  for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    redis.call('ZREM', KEYS[2], ARGV[3] .. '|' .. sid)
    removed = removed + redis.call('ZREM', KEYS[1], sid)
  end
end
if removed > 0 and redis.call('ZCARD', KEYS[1]) == 0 then return 1 end
return 0
"""
)

# KEYS: user set, all set. ARGV: socket id, "uid|socket id", grace. -> 1 if the socket was
# there. A socket closed by a server restart (close code 1012) stays counted as live for
# at most `grace` more seconds (never longer than its own expiry): its user reconnects to
# another process meanwhile and is not seen going offline and online again; if they do
# not, the sweeper removes the entry and sends `user_offline` as for a dead process.
LUA_LINGER = (
    NOW
    + """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
local expiry = math.min(tonumber(score), now + tonumber(ARGV[3]))
redis.call('ZADD', KEYS[1], 'XX', expiry, ARGV[1])
redis.call('ZADD', KEYS[2], 'XX', expiry, ARGV[2])
return 1
"""
)

# KEYS: all set, then one user set per socket. ARGV: ttl, then uid, socket id per socket.
# -> uids whose socket had been swept (process stalled past the TTL) and who had no other
# live socket: they are online again.
LUA_REFRESH = (
    NOW
    + """
local ttl = tonumber(ARGV[1])
local revived = {}
for i = 2, #KEYS do
  local uid = ARGV[2 * i - 2]
  local sid = ARGV[2 * i - 1]
  local live = redis.call('ZCOUNT', KEYS[i], now, '+inf')
  local added = redis.call('ZADD', KEYS[i], now + ttl, sid)
  redis.call('ZADD', KEYS[1], now + ttl, uid .. '|' .. sid)
  if added == 1 and live == 0 then table.insert(revived, uid) end
end
return revived
"""
)

# KEYS: all set. ARGV: user-set key prefix, max entries. -> uids whose last socket this
# sweep removed (went offline). ZREM decides: of racing sweepers only one removes an entry.
LUA_SWEEP = (
    NOW
    + """
local offline = {}
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(expired) do
  if redis.call('ZREM', KEYS[1], member) == 1 then
    local sep = string.find(member, '|', 1, true)
    local uid = string.sub(member, 1, sep - 1)
    local sid = string.sub(member, sep + 1)
    local ukey = ARGV[1] .. uid
    local score = redis.call('ZSCORE', ukey, sid)
    if score and tonumber(score) <= now then
      redis.call('ZREM', ukey, sid)
      if redis.call('ZCARD', ukey) == 0 then table.insert(offline, uid) end
    end
  end
end
return offline
"""
)

# KEYS: user sets. -> live socket count of each.
LUA_LIVE_COUNTS = (
    NOW
    + """
local counts = {}
for i = 1, #KEYS do counts[i] = redis.call('ZCOUNT', KEYS[i], now, '+inf') end
return counts
"""
)

LUA_COUNT_ALL = NOW + "return redis.call('ZCOUNT', KEYS[1], now, '+inf')\n"

# KEYS: viewers set. ARGV: uid, socket id, ttl. -> {1 if no other socket of the user was
# viewing, members}.
LUA_VIEWER_JOIN = (
    NOW
    + """
local ttl = tonumber(ARGV[3])
local prefix = ARGV[1] .. '|'
local mine = prefix .. ARGV[2]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local first = 1
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if m ~= mine and string.sub(m, 1, #prefix) == prefix then first = 0 end
end
redis.call('ZADD', KEYS[1], now + ttl, mine)
redis.call('EXPIRE', KEYS[1], math.ceil(ttl * 2))
return {first, redis.call('ZRANGE', KEYS[1], 0, -1)}
"""
)

# KEYS: viewers set. ARGV: uid, socket id. -> 1 if the user's last viewing socket left.
LUA_VIEWER_LEAVE = (
    NOW
    + """
local prefix = ARGV[1] .. '|'
if redis.call('ZREM', KEYS[1], prefix .. ARGV[2]) == 0 then return 0 end
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
  if string.sub(m, 1, #prefix) == prefix then return 0 end
end
return 1
"""
)

# KEYS: viewers sets. ARGV: ttl, then one member per key.
LUA_VIEWER_REFRESH = (
    NOW
    + """
local ttl = tonumber(ARGV[1])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now + ttl, ARGV[i + 1])
  redis.call('EXPIRE', KEYS[i], math.ceil(ttl * 2))
end
return #KEYS
"""
)
