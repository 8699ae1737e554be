-- Posts pre-signed Stripe webhook events (one per line: signature TAB body), each once.
local lines = {}
for line in io.lines(os.getenv("WEBHOOKS_FILE")) do lines[#lines + 1] = line end
local counter = 0
local thread_id = 0
setup = function(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end
request = function()
  counter = counter + 1
  local index = ((counter * 2 + thread_id) % #lines) + 1
  local tab = string.find(lines[index], "\t", 1, true)
  local headers = {["Content-Type"] = "application/json",
                   ["Stripe-Signature"] = string.sub(lines[index], 1, tab - 1)}
  return wrk.format("POST", "/billing/webhook/", headers, string.sub(lines[index], tab + 1))
end
