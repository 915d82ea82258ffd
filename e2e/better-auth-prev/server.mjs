// The e2e Better Auth server, run against the previous Better Auth minor.
//
// The code is shared with ../better-auth/server.mjs; only `better-auth` itself must come
// from this directory's node_modules, so pass this directory to `main()`.
import path from "node:path";
import { fileURLToPath } from "node:url";

import { main } from "../better-auth/server.mjs";

main(path.dirname(fileURLToPath(import.meta.url))).catch((error) => {
  console.error("[server] failed to start:", error);
  process.exit(1);
});
