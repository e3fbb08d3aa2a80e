// Starts @open-rpc/mock-server (its own server, in mock mode) for one OpenRPC document on
// 127.0.0.1 and a free port, and prints "listening <port>": the package's HTTP transport binds
// every interface on a fixed port and takes no host, so its listen call is pointed here.
// Usage: node mock-server-loopback.js DOCUMENT.json [--ignore-unknown-formats]
//
// --ignore-unknown-formats: the params validator (ajv 6, in @open-rpc/schema-utils-js) knows no
// `idn-hostname`, `idn-email`, `iri` or `iri-reference` (draft-07 formats), and by default throws
// on a format it lacks, on the first request, which kills the mock. With the option it gets
// ajv 6's own `unknownFormats: "ignore"`: such a format is not checked, every other keyword is.
"use strict";
const http = require("http");

if (process.argv.includes("--ignore-unknown-formats")) {
  const ajvPath = require.resolve("ajv", { paths: [require.resolve("@open-rpc/schema-utils-js")] });
  const Ajv = require(ajvPath);
  // replaced in the module cache before schema-utils-js requires it
  const Ignoring = function (options) {
    return new Ajv({ ...options, unknownFormats: "ignore" });
  };
  Object.assign(Ignoring, Ajv);
  require.cache[ajvPath].exports = Ignoring;
}

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (_port, callback) {
  const server = this;
  return listen.call(server, 0, "127.0.0.1", function () {
    process.stdout.write(`listening ${server.address().port}\n`);
    if (callback) callback();
  });
};

const { parseOpenRPCDocument } = require("@open-rpc/schema-utils-js");
const mockServer = require("@open-rpc/mock-server/build/index.js").default // no "main";

parseOpenRPCDocument(process.argv[2])
  .then((document) => mockServer(0, document).start())
  .catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  });
