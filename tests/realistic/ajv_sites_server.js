// A create.sites server whose team validates every request with the kit's published schemas
// through ajv (issue 18's third proof server): Node's http module, ajv 8's draft 2020-12 build
// with ajv-formats, the request schema of the seed revision (schemas/request.schema.json, every
// file of schemas/ added first). Nothing of the kit is used but the schema files.
//
// What ajv needed to compile the schemas (measured; docs/other-languages.md says the same):
// - a keyword for "x-labels" (strict mode refuses an unknown keyword): addKeyword("x-labels");
// - validators for the formats "idn-hostname" and "iri" (strict mode refuses an unknown format;
//   ajv-formats has neither): idn-hostname from the ajv-formats-draft2019 plugin; iri is this
//   team's own, built on Node's WHATWG URL, because the plugin's iri refuses every URL with a
//   fragment (https://example.com/#top), which RFC 3987 allows;
// - allowUnionTypes: true, else strict mode logs a warning for the id's ["string", "integer"].
//
// How a validation error becomes a reply (the vendor's Data API page): under /params, -32602
// with data.field the dotted path (for a missing or unexpected member, the member's name) and
// data.mnemonic by the keyword (required: required_parameter_missed, additionalProperties:
// unexpected_parameters, type: data_type_error, else invalid_parameter_value); a method that is
// a string but not create.sites: -32601; params neither an object nor an array: -32600; any
// other envelope error: -32600. Before the schema: a body that is not UTF-8 JSON, -32700; an
// array, -32099 batch_operations_not_supported; no id, -32099 notifications_not_supported.
// After it: the token (-32001), the scenario (1, 2, 3 exist; else entity_not_found), the
// domain name not yet taken (duplicate_entity).
//
// Usage: node ajv_sites_server.js TOKEN   (prints "listening <port>", serves 127.0.0.1)
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");
const { createRequire } = require("module");

const ROOT = path.resolve(__dirname, "..", "..");
const requireTool = createRequire(path.join(ROOT, "tools", "ajv", "package.json"));
const Ajv2020 = requireTool("ajv/dist/2020");
const addFormats = requireTool("ajv-formats");
const draft2019Formats = requireTool("ajv-formats-draft2019/formats");

const TOKEN = process.argv[2];
const SCHEMAS = path.join(ROOT, "schemas");
const REQUEST = "https://create-sites.conformance.example/schemas/request.schema.json";
const SCENARIOS = new Set([1, 2, 3]);

// An IRI as the widget's link needs it: what WHATWG's URL parser takes, with its scheme.
function isIri(value) {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) || /[\u0000-\u0020\u007f]/.test(value)) {
    return false;
  }
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

function validator() {
  const ajv = new Ajv2020({ allowUnionTypes: true });
  addFormats(ajv);
  ajv.addKeyword("x-labels"); // the industries' names: an annotation
  ajv.addKeyword("x-decisions"); // the kit's decisions: an annotation
  ajv.addFormat("idn-hostname", draft2019Formats["idn-hostname"]);
  ajv.addFormat("iri", isIri);
  for (const name of fs.readdirSync(SCHEMAS).filter((n) => n.endsWith(".schema.json")).sort()) {
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(SCHEMAS, name), "utf8")));
  }
  return ajv.getSchema(REQUEST);
}

const validate = validator();

const ERRORS = {
  parse_error: [-32700, "Invalid JSON was received by the server"],
  invalid_request: [-32600, "The JSON sent is not a valid Request object"],
  method_not_found: [-32601, "The method does not exist / is not available"],
  access_token_invalid: [-32001, "Access token is invalid"],
  batch_operations_not_supported: [-32099, "Batch operations not supported"],
  notifications_not_supported: [-32099, "Notifications not supported"],
  required_parameter_missed: [-32602, "The required parameter has been missed"],
  unexpected_parameters: [-32602, "Unexpected method parameter(s)"],
  data_type_error: [-32602, "Data supplied is of wrong type"],
  invalid_parameter_value: [-32602, "Invalid parameter value"],
  entity_not_found: [-32602, "Entity not found"],
  duplicate_entity: [-32602, "Entity already exists"],
};
const MNEMONICS = {
  required: "required_parameter_missed",
  additionalProperties: "unexpected_parameters",
  type: "data_type_error",
};

class Refused extends Error {
  constructor(mnemonic, field) {
    super(mnemonic);
    this.mnemonic = mnemonic;
    this.field = field;
  }
}

function refusal(error, request) {
  const names = error.instancePath.split("/").slice(1).map((part) =>
    part.replace(/~1/g, "/").replace(/~0/g, "~"),
  );
  if (names[0] !== "params") {
    if (names.length === 1 && names[0] === "method" && typeof request.method === "string") {
      return new Refused("method_not_found");
    }
    return new Refused("invalid_request");
  }
  if (names.length === 1 && error.keyword === "type" && !Array.isArray(request.params)) {
    return new Refused("invalid_request"); // JSON-RPC 2.0: params is an object or an array
  }
  if (error.keyword === "required") names.push(error.params.missingProperty);
  if (error.keyword === "additionalProperties") names.push(error.params.additionalProperty);
  const field = names.slice(1).join(".");
  return new Refused(MNEMONICS[error.keyword] || "invalid_parameter_value", field || undefined);
}

const domains = new Set();
let lastId = 0;

function create(params) {
  if (params.access_token !== TOKEN) throw new Refused("access_token_invalid");
  const scenario = params.default_scenario_id;
  if (scenario !== undefined && !SCENARIOS.has(scenario)) {
    throw new Refused("entity_not_found", "default_scenario_id");
  }
  const name = params.domain_name.toLowerCase();
  if (domains.has(name)) throw new Refused("duplicate_entity", "domain_name");
  domains.add(name);
  lastId += 1;
  return { id: lastId, success: true };
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function handle(body) {
  let id = null;
  try {
    let request;
    try {
      request = JSON.parse(decoder.decode(body));
    } catch {
      throw new Refused("parse_error");
    }
    if (Array.isArray(request)) throw new Refused("batch_operations_not_supported");
    if (request !== null && typeof request === "object") {
      if (!("id" in request)) throw new Refused("notifications_not_supported");
      if (typeof request.id === "string" || Number.isInteger(request.id)) id = request.id;
    }
    if (!validate(request)) throw refusal(validate.errors[0], request);
    return { jsonrpc: "2.0", id, result: create(request.params) };
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    const [code, message] = ERRORS[error.mnemonic];
    const data = { mnemonic: error.mnemonic };
    if (error.field) data.field = error.field;
    // the request's id wherever it could be read (JSON-RPC 2.0, section 5)
    return { jsonrpc: "2.0", id, error: { code, message, data } };
  }
}

const server = http.createServer((request, response) => {
  if (request.method !== "POST") {
    response.writeHead(405, { Allow: "POST" }).end();
    return;
  }
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    let reply;
    try {
      reply = JSON.stringify(handle(Buffer.concat(chunks)));
    } catch (error) {
      const [code, message] = [-32603, "Internal error, contact the support service"];
      const data = { mnemonic: "internal_error" };
      reply = JSON.stringify({ jsonrpc: "2.0", id: null, error: { code, message, data } });
    }
    response.writeHead(200, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(reply),
    });
    response.end(reply);
  });
});
server.keepAliveTimeout = 10000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
