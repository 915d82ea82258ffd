// A minimal, real Better Auth server for the Tasks API end-to-end tests.
//
// Why it exists: the Python API verifies JWTs minted by Better Auth's `jwt` plugin.
// Hand-made tokens only prove we agree with ourselves; this server proves we agree
// with the real thing (key formats, `kid`s, claims, rotation, the `set-auth-jwt` header).
//
// Everything lives in memory (the built-in memory adapter), so each start is a fresh
// world: no users, no sessions and a brand-new signing key pair. Nothing native is
// compiled, so `npm ci` works anywhere Node does.
//
// Configuration (all optional, from the environment):
//   PORT                    port on 127.0.0.1; 0 or unset = any free port
//   BETTER_AUTH_URL         base URL (default http://127.0.0.1:<port>). Give an origin:
//                           its origin (no trailing slash) is the default JWT `iss` and
//                           `aud`, and a path in it would move the routes off /api/auth
//   BETTER_AUTH_SECRET      secret (default: a fixed development secret)
//   JWT_ALG                 EdDSA (default) | ES256 | ES512 | RS256 | PS256
//   JWT_EXPIRATION          jwt.expirationTime (default "15m"; e.g. "2s" for expiry tests)
//   JWKS_ROTATION_INTERVAL  seconds -> jwks.rotationInterval (default: no rotation)
//   JWKS_GRACE_PERIOD       seconds -> jwks.gracePeriod (Better Auth's default: 30 days)
//   JWT_ISSUER              overrides the `iss` claim
//   JWT_AUDIENCE            overrides the `aud` claim (comma-separated = several audiences)
//   EXIT_ON_STDIN_EOF       "1" = exit when stdin closes (set by the Python fixture)
//   BETTER_AUTH_LOG_LEVEL   Better Auth's log level (default "warn"; logs go to stderr)
//
// Protocol with the test fixture: exactly one line `READY <port>` is printed on stdout
// once the server accepts connections. Everything else (Better Auth's own logging)
// goes to stderr so stdout stays machine-readable. Routes: /api/auth/* (Better Auth)
// and GET /health.
//
// The same code serves e2e/better-auth-prev/ (the previous Better Auth minor): `main()`
// takes the directory whose node_modules must provide `better-auth`, because a plain
// `import "better-auth"` here would always resolve to this directory's copy.

import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const DEV_SECRET = "tasks-api-e2e-development-secret-not-for-production-0123456789";
const SUPPORTED_ALGS = ["EdDSA", "ES256", "ES512", "RS256", "PS256"];

/** Import a `better-auth` subpath from `modulesDir`'s own node_modules. */
async function importFrom(modulesDir, specifier) {
  const require = createRequire(path.join(modulesDir, "package.json"));
  return import(pathToFileURL(require.resolve(specifier)).href);
}

/** The installed better-auth version (its package.json is not in its `exports`). */
function betterAuthVersion(modulesDir) {
  try {
    const require = createRequire(path.join(modulesDir, "package.json"));
    let dir = path.dirname(require.resolve("better-auth"));
    while (dir !== path.dirname(dir)) {
      const file = path.join(dir, "package.json");
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
        if (pkg.name === "better-auth") return pkg.version;
      }
      dir = path.dirname(dir);
    }
  } catch {
    // Only used for a log line.
  }
  return "unknown";
}

function optionalSeconds(name) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number of seconds, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function keyPairConfig(alg) {
  if (!SUPPORTED_ALGS.includes(alg)) {
    throw new Error(`JWT_ALG must be one of ${SUPPORTED_ALGS.join(", ")}, got ${JSON.stringify(alg)}`);
  }
  if (alg === "EdDSA") return { alg, crv: "Ed25519" };
  if (alg === "RS256" || alg === "PS256") return { alg, modulusLength: 2048 };
  return { alg };
}

/** Read and validate the environment before binding a port, so bad config fails fast. */
function readSettings() {
  const audience = process.env.JWT_AUDIENCE
    ? process.env.JWT_AUDIENCE.split(",").map((a) => a.trim()).filter(Boolean)
    : [];
  return {
    keyPairConfig: keyPairConfig(process.env.JWT_ALG || "EdDSA"),
    rotationInterval: optionalSeconds("JWKS_ROTATION_INTERVAL"),
    gracePeriod: optionalSeconds("JWKS_GRACE_PERIOD"),
    expirationTime: process.env.JWT_EXPIRATION || "15m",
    issuer: process.env.JWT_ISSUER || undefined,
    audience: audience.length === 0 ? undefined : audience.length === 1 ? audience[0] : audience,
    secret: process.env.BETTER_AUTH_SECRET || DEV_SECRET,
    logLevel: process.env.BETTER_AUTH_LOG_LEVEL || "warn",
  };
}

function buildOptions({ settings, baseURL, port, memoryAdapter, getAuthTables, jwt, bearer }) {
  const jwtOptions = {
    jwks: {
      keyPairConfig: settings.keyPairConfig,
      ...(settings.rotationInterval !== undefined
        ? { rotationInterval: settings.rotationInterval }
        : {}),
      ...(settings.gracePeriod !== undefined ? { gracePeriod: settings.gracePeriod } : {}),
    },
    jwt: {
      expirationTime: settings.expirationTime,
      ...(settings.issuer ? { issuer: settings.issuer } : {}),
      ...(settings.audience ? { audience: settings.audience } : {}),
    },
  };

  const options = {
    baseURL,
    basePath: "/api/auth",
    secret: settings.secret,
    trustedOrigins: [
      "http://localhost:3000",
      "http://127.0.0.1:3000",
      baseURL,
      `http://127.0.0.1:${port}`,
      `http://localhost:${port}`,
    ],
    emailAndPassword: { enabled: true, requireEmailVerification: false },
    // Tests hammer sign-up/sign-in; the limiter would turn that into 429s.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: {
      level: settings.logLevel,
      disableColors: true,
      log: (level, message, ...args) => console.error(`[better-auth ${level}] ${message}`, ...args),
    },
    plugins: [jwt(jwtOptions), bearer()],
  };

  // The memory adapter needs one array per model up front; derive the model list from
  // the final options so plugin tables (jwks) are included.
  let modelNames = ["user", "session", "account", "verification", "jwks"];
  if (typeof getAuthTables === "function") {
    modelNames = [
      ...new Set([
        ...modelNames,
        ...Object.values(getAuthTables(options)).map((t) => t.modelName),
      ]),
    ];
  }
  const db = Object.fromEntries(modelNames.map((name) => [name, []]));
  return { ...options, database: memoryAdapter(db) };
}

/**
 * Start the server. `modulesDir` is the directory whose node_modules provides
 * `better-auth` (this directory, or e2e/better-auth-prev for the previous minor).
 */
export async function main(modulesDir) {
  // Logs land in files read by humans and tests, not terminals: no ANSI colours, even
  // from Better Auth's global logger (which ignores the `logger` option below).
  process.env.NO_COLOR ??= "1";
  const settings = readSettings();
  const [{ betterAuth }, { memoryAdapter }, dbModule, { jwt, bearer }, { toNodeHandler }] =
    await Promise.all([
      importFrom(modulesDir, "better-auth"),
      importFrom(modulesDir, "better-auth/adapters/memory"),
      importFrom(modulesDir, "better-auth/db").catch(() => ({})),
      importFrom(modulesDir, "better-auth/plugins"),
      importFrom(modulesDir, "better-auth/node"),
    ]);

  // Listen first: with PORT=0 the base URL (and thus iss/aud) depends on the real port.
  let handler = null;
  const server = http.createServer((req, res) => {
    if (!handler) {
      res.writeHead(503, { "content-type": "text/plain" }).end("starting");
      return;
    }
    if (req.url === "/health") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      return;
    }
    handler(req, res);
  });

  const requestedPort = Number(process.env.PORT || 0);
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(requestedPort, "127.0.0.1", resolve);
  });
  const port = server.address().port;
  const baseURL = process.env.BETTER_AUTH_URL || `http://127.0.0.1:${port}`;

  const auth = betterAuth(
    buildOptions({
      settings,
      baseURL,
      port,
      memoryAdapter,
      getAuthTables: dbModule.getAuthTables,
      jwt,
      bearer,
    }),
  );
  handler = toNodeHandler(auth);

  let closing = false;
  const shutdown = (signal) => {
    if (closing) return;
    closing = true;
    console.error(`[server] ${signal} received, closing`);
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
    // Never hang a test run on a stuck socket.
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  if (process.env.EXIT_ON_STDIN_EOF === "1") {
    // Orphan guard: the test fixture holds our stdin open and never writes to it. If
    // the Python process dies without stopping us (SIGKILL, crash), the pipe closes
    // and we exit instead of lingering on the port.
    process.stdin.on("end", () => shutdown("stdin EOF"));
    process.stdin.on("error", () => shutdown("stdin error"));
    process.stdin.resume();
  }

  const version = betterAuthVersion(modulesDir);
  console.error(
    `[server] better-auth ${version} on ${baseURL} alg=${process.env.JWT_ALG || "EdDSA"}`,
  );
  process.stdout.write(`READY ${port}\n`);
  return server;
}

const isEntryPoint =
  process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntryPoint) {
  main(path.dirname(fileURLToPath(import.meta.url))).catch((error) => {
    console.error("[server] failed to start:", error);
    process.exit(1);
  });
}
