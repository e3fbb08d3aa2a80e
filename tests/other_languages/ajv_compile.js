// What ajv 8 needs to compile the published schemas (docs/other-languages.md): each set-up
// below adds every schema file of both revisions to an Ajv2020 and compiles each of them;
// prints one JSON line per set-up, {"setup", "compiled", "error", "warnings"}. ajv and its
// plugins come from tools/ajv (make ajv-tools). Run by test_validators_compile.py.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const [schemas, tools] = process.argv.slice(2);
const requireTool = createRequire(path.resolve(tools, "package.json"));
const Ajv2020 = requireTool("ajv/dist/2020");
const addFormats = requireTool("ajv-formats");
const draft2019 = requireTool("ajv-formats-draft2019/formats");

const files = [
  ...fs.readdirSync(schemas).map((name) => path.join(schemas, name)),
  ...fs.readdirSync(path.join(schemas, "current")).map((name) => path.join(schemas, "current", name)),
].filter((file) => file.endsWith(".schema.json"));
const documents = files.map((file) => JSON.parse(fs.readFileSync(file, "utf8")));

function iri(value) {
  try {
    new URL(value);
    return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) && !/[\u0000-\u0020\u007f]/.test(value);
  } catch {
    return false;
  }
}

const SETUPS = {
  "bare": [{}, () => {}],
  "ajv-formats": [{}, (ajv) => addFormats(ajv)],
  "ajv-formats, x-labels, x-decisions": [{}, (ajv) => { addFormats(ajv); ajv.addKeyword("x-labels"); ajv.addKeyword("x-decisions"); }],
  "ajv-formats, x-labels, x-decisions, the two formats": [{}, (ajv) => {
    addFormats(ajv);
    ajv.addKeyword("x-labels");
    ajv.addKeyword("x-decisions");
    ajv.addFormat("idn-hostname", draft2019["idn-hostname"]);
    ajv.addFormat("iri", iri);
  }],
  "ajv-formats, x-labels, x-decisions, the two formats, allowUnionTypes": [{ allowUnionTypes: true }, (ajv) => {
    addFormats(ajv);
    ajv.addKeyword("x-labels");
    ajv.addKeyword("x-decisions");
    ajv.addFormat("idn-hostname", draft2019["idn-hostname"]);
    ajv.addFormat("iri", iri);
  }],
  "x-labels, x-decisions, the two formats, allowUnionTypes (no ajv-formats)": [{ allowUnionTypes: true }, (ajv) => {
    ajv.addKeyword("x-labels");
    ajv.addKeyword("x-decisions");
    ajv.addFormat("idn-hostname", draft2019["idn-hostname"]);
    ajv.addFormat("iri", iri);
  }],
  "strict: false": [{ strict: false }, () => {}],
};

for (const [setup, [options, prepare]] of Object.entries(SETUPS)) {
  const warnings = [];
  const logger = { log() {}, warn: (...a) => warnings.push(a.join(" ")), error: (...a) => warnings.push(a.join(" ")) };
  const ajv = new Ajv2020({ ...options, logger });
  let compiled = 0;
  let error = null;
  try {
    prepare(ajv);
    for (const document of documents) ajv.addSchema(document);
    for (const document of documents) {
      if (ajv.getSchema(document.$id)) compiled += 1;
    }
  } catch (caught) {
    error = caught.message.split("\n")[0];
  }
  console.log(JSON.stringify({ setup, compiled, total: documents.length, error, warnings: [...new Set(warnings)] }));
}

// the plugin's own iri, measured: why the proof server writes its own
const samples = ["https://example.com/#top", "https://example.com:65536/", "https://[0]/"];
console.log(JSON.stringify({ plugin_iri: Object.fromEntries(samples.map((s) => [s, draft2019.iri(s)])),
                             url_iri: Object.fromEntries(samples.map((s) => [s, iri(s)])) }));
