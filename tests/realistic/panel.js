// The panel's Node checkers, in one process for every value (tests/realistic/panel.py runs it):
// reads {"idn-hostname": [names], "iri": [urls]} on stdin, prints {"checker": [verdicts]} with
// one boolean a value, in order. ajv's format plugin comes from tools/ajv (make ajv-tools).
//
// Each checker is called as a server calls it to decide whether to take the value:
// - url.domainToASCII (WHATWG domain to ASCII): taken when the result is not empty (Node's
//   documentation: "if domain is an invalid domain, the empty string is returned");
// - punycode.toASCII (Node's built-in punycode): an encoder, taken when it does not throw;
// - new URL (WHATWG URL parser): taken when it parses, as an http: or https: URL;
// - ajv-formats-draft2019's idn-hostname and iri (the common plugin for the formats ajv-formats
//   lacks), the functions ajv calls for "format"; an iri's scheme is the schema pattern's
//   business, so an iri is taken when the function says so and the scheme is http or https.
"use strict";
const path = require("path");
const url = require("url");
const { createRequire } = require("module");

const ROOT = path.resolve(__dirname, "..", "..");
const requireTool = createRequire(path.join(ROOT, "tools", "ajv", "package.json"));
const draft2019 = requireTool("ajv-formats-draft2019/formats");
// the built-in module, not an npm package of the same name: node prefers its own
const punycode = require("node:punycode");

const HTTP_SCHEME = /^https?:/i;

function taken(check) {
  return (value) => {
    try {
      return Boolean(check(value));
    } catch {
      return false;
    }
  };
}

const NAMES = {
  "Node url.domainToASCII": taken((value) => url.domainToASCII(value) !== ""),
  "Node punycode.toASCII": taken((value) => typeof punycode.toASCII(value) === "string"),
  "ajv-formats-draft2019 idn-hostname": taken((value) => draft2019["idn-hostname"](value)),
};

const URLS = {
  "Node URL": taken((value) => ["http:", "https:"].includes(new URL(value).protocol)),
  "ajv-formats-draft2019 iri": taken((value) => draft2019.iri(value) && HTTP_SCHEME.test(value)),
};

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const values = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const verdicts = {};
  for (const [name, check] of Object.entries(NAMES)) verdicts[name] = values["idn-hostname"].map(check);
  for (const [name, check] of Object.entries(URLS)) verdicts[name] = values.iri.map(check);
  process.stdout.write(JSON.stringify(verdicts));
});
