// Starts stock ganache (the npm package pinned here) on 127.0.0.1:PORT with a deterministic
// wallet, and prints "listening PORT" once it answers.
// Usage: node ganache-loopback.js PORT [--guard-null]
//
// --guard-null answers a body whose JSON is `null` with JSON-RPC 2.0's -32600 itself, and
// hands every other body to ganache untouched: ganache 7.9.2 reads `payload.method` of such a
// body synchronously in its HTTP handler (Connector.handle), the TypeError is uncaught, and
// node exits; every later request is refused. The kit reports that crash once
// (target-survives) and stops; the guard lets a run go on to everything else, as a team would
// put such a guard in front of it. The guard wraps uWebSockets' App (ganache calls
// it as `(0, uws.App)()`, so the wrapped one is the one it gets).
"use strict";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write("usage: node ganache-loopback.js PORT [--guard-null]\n");
  process.exit(2);
}

if (process.argv.includes("--guard-null")) {
  const uwsPath = require.resolve("@trufflesuite/uws-js-unofficial", {
    paths: [require.resolve("ganache")],
  });
  const uws = require(uwsPath);
  const App = uws.App;
  uws.App = function guardedApp(...args) {
    const app = App(...args);
    const post = app.post.bind(app);
    app.post = (pattern, handler) => post(pattern, (res, req) => guard(res, req, handler));
    return app;
  };
}

function isNull(text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return false; // ganache answers what it cannot parse itself
  }
  return body === null; // (`[null]` crashes it too, but no case of the kit sends it)
}

// Reads the whole body first, then either answers it here or replays it to ganache's
// handler as one final chunk (uWebSockets frees each chunk after its callback returns).
function guard(res, req, handler) {
  const onData = res.onData.bind(res);
  res.onData = (ganacheOnData) => {
    const chunks = [];
    onData((chunk, last) => {
      chunks.push(Buffer.from(Buffer.from(chunk))); // a copy that outlives the callback
      if (!last) return;
      const body = Buffer.concat(chunks);
      if (isNull(body.toString("utf8"))) {
        const error = { jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid Request" } };
        res.cork(() => {
          res.writeStatus("200 OK");
          res.writeHeader("Content-Type", "application/json");
          res.end(JSON.stringify(error));
        });
        return;
      }
      const copy = body.buffer.slice(body.byteOffset, body.byteOffset + body.length);
      ganacheOnData(copy, true);
    });
  };
  return handler(res, req);
}

const ganache = require("ganache");
const server = ganache.server({
  logging: { quiet: true },
  wallet: { deterministic: true },
  chain: { chainId: 1337 },
});
server
  .listen(port, "127.0.0.1")
  .then(() => process.stdout.write(`listening ${port}\n`))
  .catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  });
