// Starts @open-rpc/mock-server (its own server, in mock mode) for one OpenRPC document on
// 127.0.0.1 and a free port, and prints "listening <port>": the package's HTTP transport binds
// every interface on a fixed port and takes no host, so its listen call is pointed here.
// Usage: node mock-server-loopback.js DOCUMENT.json
"use strict";
const http = require("http");

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
