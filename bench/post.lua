-- wrk script: POST the body in env BENCH_BODY_FILE to every request, with the token header.
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "r"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
