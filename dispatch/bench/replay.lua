-- wrk script of `dispatch bench intake` / `dispatch bench sms`: replays prepared POST requests,
-- one a line (path TAB form body TAB X-Twilio-Signature or empty), each thread taking every
-- n-th line from its own offset; prints one line "BENCH {json}" with the figures at the end.

local counter = 0

function setup(thread)
   thread:set("offset", counter)
   counter = counter + 1
end

local prepared = {}
local position = 0
local stride = 1

function init(args)
   local file = assert(io.open(args[1], "r"))
   for line in file:lines() do
      local path, body, signature = line:match("^([^\t]*)\t([^\t]*)\t?([^\t]*)$")
      if path then
         local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
         if signature ~= "" then headers["X-Twilio-Signature"] = signature end
         prepared[#prepared + 1] = wrk.format("POST", path, headers, body)
      end
   end
   file:close()
   position = offset or 0
   stride = tonumber(args[2]) or 1
end

function request()
   local r = prepared[(position % #prepared) + 1]
   position = position + stride
   return r
end

function done(summary, latency, requests)
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.status + e.timeout
   io.write(string.format(
      'BENCH {"requests": %d, "errors": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d}\n',
      summary.requests, errors, summary.duration, latency:percentile(50), latency:percentile(99)))
end
