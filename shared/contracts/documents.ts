import { readFileSync } from 'node:fs';
import { stringify as toYaml } from 'yaml';
import { httpRoutes, webSocketRoutes } from '../manifest';
import { buildAsyncApiDocument } from './asyncapi';
import { httpContracts } from './http-contracts';
import { buildOpenApiDocument } from './openapi';
import { webSocketContracts } from './websocket-contracts';

export const openApiPath = 'docs/openapi.json';
export const asyncApiPath = 'docs/asyncapi.yaml';

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * Both contract documents as the files hold them: deterministic (no dates, stable key order) so the
 * checked-in copies can be compared with a fresh generation.
 */
export function generateContractFiles(version = packageVersion()): Record<string, string> {
  return {
    [openApiPath]: `${JSON.stringify(buildOpenApiDocument(httpRoutes, httpContracts, version), null, 2)}\n`,
    // lineWidth 0: no folding, so long descriptions stay on one line and diffs stay readable.
    [asyncApiPath]: toYaml(buildAsyncApiDocument(webSocketRoutes, webSocketContracts, version), { lineWidth: 0 }),
  };
}
