-- The room's summary; after lib/summary. KEYS: meta pre line out; ARGV: now
return summary(KEYS[1], KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[1]))
