-- wrk script for benchmarks/purchase_path.py: every request is a different registered fan
-- buying one unit, so each answer is a real purchase (201) and not a limit refusal.
local tokens = {}
local next_token = 0
created, refused = 0, 0

function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
end

function request()
  next_token = next_token + 1
  local token = tokens[next_token] or tokens[1]
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, '{"quantity":1}')
end

statuses = {}

function response(status, headers, body)
  if status == 201 then created = created + 1 else refused = refused + 1 end
  if status ~= 201 then statuses[status] = (statuses[status] or 0) + 1 end
end

local threads = {}
function setup(thread) threads[#threads + 1] = thread end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("created")
    bad = bad + thread:get("refused")
  end
  io.write(string.format("STATUS created=%d refused=%d\n", ok, bad))
  local others = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      others[status] = (others[status] or 0) + count
    end
  end
  local shown = {}
  for status, count in pairs(others) do shown[#shown + 1] = status .. "=" .. count end
  table.sort(shown)
  io.write("OTHER ANSWERS " .. table.concat(shown, " ") .. "\n")
end
