/**
 * `npm run docs`: writes docs/openapi.json (OpenAPI 3.1) and docs/asyncapi.yaml (AsyncAPI 3.0) from the
 * manifest and the zod schemas in shared/contracts. `--check` writes nothing and exits 1 when a file is
 * out of date (CI). Manifest routes without a contract are listed, and fail the run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateContractFiles } from '../shared/contracts/documents';
import { undocumentedRoutes } from '../shared/contracts/coverage';

const root = resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');
let stale = false;

for (const [path, content] of Object.entries(generateContractFiles())) {
  const file = resolve(root, path);
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === content) {
    console.log(`${path}: up to date`);
  } else if (check) {
    stale = true;
    console.error(`${path}: out of date; run npm run docs`);
  } else {
    writeFileSync(file, content);
    console.log(`${path}: written`);
  }
}

const missing = undocumentedRoutes();
for (const route of missing) console.error(`no contract for ${route}: add it to shared/contracts/`);
if (stale || missing.length > 0) process.exitCode = 1;
