// The published request schemas' verdicts through ajv 8 (tests/other_languages/
// test_published_verdicts.py runs it): reads {"schemas": DIR, "requests": {"seed": [...],
// "current": [...]}} on stdin and prints {"setup": {"seed": [verdicts], "current": [...]}} for
// two set-ups, each as docs/other-languages.md writes it: ajv-formats with
// ajv-formats-draft2019's idn-hostname and an iri on Node's WHATWG URL (the documented one), and
// ajv-formats-draft2019 for both formats (the common plugin alone). ajv from tools/ajv.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const ROOT = path.resolve(__dirname, "..", "..");
const requireTool = createRequire(path.join(ROOT, "tools", "ajv", "package.json"));
const Ajv2020 = requireTool("ajv/dist/2020");
const addFormats = requireTool("ajv-formats");
const draft2019 = requireTool("ajv-formats-draft2019/formats");

const BASE = "https://create-sites.conformance.example/schemas/";
const REQUEST = { seed: `${BASE}request.schema.json`, current: `${BASE}current/request.schema.json` };

// docs/other-languages.md's iri: an absolute URL that WHATWG's parser takes, no white space
function iri(value) {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) || /[\u0000-\u0020\u007f]/.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

const SETUPS = {
  "ajv-formats, draft2019 idn-hostname, WHATWG iri": { "idn-hostname": draft2019["idn-hostname"], iri },
  "ajv-formats, draft2019 idn-hostname and iri": draft2019,
};

function validators(schemas, formats) {
  const ajv = new Ajv2020({ allowUnionTypes: true, strictTypes: false });
  addFormats(ajv);
  ajv.addKeyword("x-labels");
  ajv.addKeyword("x-decisions");
  ajv.addFormat("idn-hostname", formats["idn-hostname"]);
  ajv.addFormat("iri", formats.iri);
  const files = [
    ...fs.readdirSync(schemas).map((name) => path.join(schemas, name)),
    ...fs.readdirSync(path.join(schemas, "current")).map((name) => path.join(schemas, "current", name)),
  ].filter((file) => file.endsWith(".schema.json"));
  for (const file of files) ajv.addSchema(JSON.parse(fs.readFileSync(file, "utf8")));
  return Object.fromEntries(Object.entries(REQUEST).map(([rev, id]) => [rev, ajv.getSchema(id)]));
}

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const { schemas, requests } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const found = {};
  for (const [setup, formats] of Object.entries(SETUPS)) {
    const byRevision = validators(schemas, formats);
    found[setup] = {};
    for (const [revision, list] of Object.entries(requests)) {
      found[setup][revision] = list.map((request) => byRevision[revision](request));
    }
  }
  process.stdout.write(JSON.stringify(found));
});
