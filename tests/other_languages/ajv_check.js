// The ajv set-up docs/other-languages.md shows, run on a revision's schema folder: prints one
// JSON line per payload file given, {"file", "schema", "valid"}. Run by test_generated_types.py.
"use strict";
const fs = require("fs");
const path = require("path");
const Ajv2020 = require("ajv/dist/2020");

const [folder, ...pairs] = process.argv.slice(2);
const ajv = new Ajv2020();
ajv.addKeyword("x-labels"); // the industries' labels: an annotation
ajv.addKeyword("x-decisions"); // the kit's decisions, with their reasons: an annotation
ajv.addFormat("idn-hostname", true);
ajv.addFormat("iri", true);
const read = (file) => JSON.parse(fs.readFileSync(file, "utf8"));
// shared.schema.json sits in schemas/, one level up for the current revision
const shared = [path.join(folder, "shared.schema.json"), path.join(folder, "..", "shared.schema.json")];
ajv.addSchema(read(shared.find((file) => fs.existsSync(file))));
const names = fs.readdirSync(folder).filter((name) => name.endsWith(".schema.json") && name !== "shared.schema.json");
for (const name of names) ajv.addSchema(read(path.join(folder, name)));
for (const pair of pairs) {
  const [schema, file] = pair.split("=");
  const validate = ajv.getSchema(read(path.join(folder, schema)).$id);
  console.log(JSON.stringify({ file, schema, valid: validate(read(file)) }));
}
