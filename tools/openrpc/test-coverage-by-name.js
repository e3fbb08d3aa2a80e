// Runs @open-rpc/test-coverage's command line (bin/cli.js, same options) with one change: an
// example pairing of a by-name method is sent with each param under its own name. test-coverage
// 2.2.4 keys the i-th example value by the i-th content descriptor's name (utils/params-to-obj),
// so an example that leaves out an optional param sends the next ones under the wrong names;
// OpenRPC's example pairing names every param it sets and asks no such order.
// Usage: node test-coverage-by-name.js -s DOCUMENT -t http -r json
"use strict";
const ExamplesRule = require("@open-rpc/test-coverage/build/rules/examples-rule").default;

const getCalls = ExamplesRule.prototype.getCalls;
ExamplesRule.prototype.getCalls = function (openrpcDocument, method) {
  if (method.paramStructure !== "by-name") return getCalls.call(this, openrpcDocument, method);
  // the values as test-coverage lists them, one call an example in order, then keyed by name
  const calls = getCalls.call(this, openrpcDocument, { ...method, paramStructure: "by-position" });
  calls.forEach((call, i) => {
    call.params = Object.fromEntries(method.examples[i].params.map((p) => [p.name, p.value]));
  });
  return calls;
};

require("@open-rpc/test-coverage/bin/cli.js");
