"""The Lua scripts of the shared frontier: each step that must not be split by a crash.

A worker may be killed between any two Redis commands; what a script does happens whole or not
at all, so a URL is never marked seen without being queued, and never popped without being
recorded as in flight.
"""

from __future__ import annotations

# KEYS: queue, dupefilter, sequence. ARGV: -priority, member, fingerprint ("" to skip the filter).
# Redis orders equal scores by member bytes; a sequence number as the fraction keeps first in,
# first out within one priority, as Scrapy's own queue does (priorities are integers).
PUSH = """
if ARGV[3] ~= '' and redis.call('SADD', KEYS[2], ARGV[3]) == 0 then return 0 end
local seq = redis.call('INCR', KEYS[3]) % 1000000000
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + seq / 1000000000, ARGV[2])
return 1
"""

# KEYS: queue, this worker's in-flight hash. The request moves from one to the other.
POP = """
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then return false end
redis.call('HSET', KEYS[2], popped[1], popped[2])
return popped[1]
"""

# KEYS: queue, an in-flight hash. Everything in it goes back to the queue, at its old place.
REQUEUE = """
local entries = redis.call('HGETALL', KEYS[2])
for i = 1, #entries, 2 do
  redis.call('ZADD', KEYS[1], entries[i + 1], entries[i])
end
redis.call('DEL', KEYS[2])
return #entries / 2
"""

# KEYS: seen, spent. ARGV: URL digest, max_pages (0: no limit).
# 1: go ahead (a URL already paid for is not paid again: the dupefilter has the last word);
# 0: the budget is spent.
SPEND = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
local limit = tonumber(ARGV[2])
if limit > 0 and tonumber(redis.call('GET', KEYS[2]) or '0') >= limit then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
return 1
"""

# KEYS: queue, workers, seeded, done. ARGV: key prefix, seconds the done mark is kept, then
# every key of the crawl's frontier to drop once it is done.
# Done: seeded, nothing queued, nothing in flight anywhere. Checked in one step, because a
# request moves from the queue to a worker and its links back to the queue in between two
# separate reads. The frontier of a finished crawl is dropped (the dupefilter grows only
# within one crawl); the done mark tells the crawl's other workers to stop, and a worker that
# starts later begins a new crawl.
FINISH_IF_DONE = """
if redis.call('EXISTS', KEYS[4]) == 1 then return 1 end
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
for _, worker in ipairs(redis.call('HKEYS', KEYS[2])) do
  if redis.call('HLEN', ARGV[1] .. ':inflight:' .. worker) > 0 then return 0 end
end
redis.call('SET', KEYS[4], '1', 'EX', ARGV[2])
for i = 3, #ARGV do redis.call('DEL', ARGV[i]) end
return 1
"""

# KEYS: seeded, done. ARGV: seconds the mark is kept.
# The seeding worker died: mark the crawl seeded ("abandoned"), unless it is seeded already or
# finished. In one step, because the finish drops the seeded key: a liveness check that read
# "not seeded" just before another worker finished would otherwise bring the key back, and
# leave it behind a finished crawl.
MARK_SEEDING_ABANDONED = """
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], 'abandoned', 'EX', ARGV[1])
return 1
"""

# KEYS: the per-host "next allowed request" key. ARGV: now (ms), delay (ms).
# Returns how long to wait (ms) before this request may be sent; reserves that moment, so the
# workers together keep one crawler's pace on a host.
RESERVE_HOST = """
local now = tonumber(ARGV[1])
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], at + tonumber(ARGV[2]), 'PX', at - now + tonumber(ARGV[2]) + 60000)
return at - now
"""
