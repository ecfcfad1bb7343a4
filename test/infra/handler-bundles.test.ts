import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { allFunctions } from '../../shared/manifest';

/**
 * Every manifest handler bundles the way infra/constructs/kefu-function.ts bundles it for Lambda (ESM,
 * node22, the AWS SDK included): an import that only resolves in the repo, or a module that does not
 * export `handler`, fails here instead of at deploy time. One esbuild run for all entry points, not one
 * per function, with shared chunks, so it takes seconds; the app-stack test synthesizes without bundling.
 */
describe('handler bundles', () => {
  const handlers = [...new Set(allFunctions().map((fn) => fn.handler))];

  it('bundles every handler for nodejs22.x and each exports `handler`', async () => {
    const result = await build({
      entryPoints: handlers,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      outdir: 'out',
      // Shared modules become shared chunks: the same resolution and exports, without building every
      // shared module once per handler (130 handlers took 18 s idle and over 120 s on a loaded machine).
      splitting: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const outputs = Object.values(result.metafile.outputs).filter((output) => output.entryPoint && handlers.includes(output.entryPoint));
    expect(outputs.map((output) => output.entryPoint).sort()).toEqual([...handlers].sort());
    for (const output of outputs) expect(output.exports, output.entryPoint).toContain('handler');
  }, 180_000);
});
