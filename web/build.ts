import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Builds the web clients (agent workbench, buyer widget, supervisor wall: one bundle, one page) with
 * esbuild into memory, so the local stack can serve them without a build folder that two stacks (tests
 * running in parallel) would fight over. `npm run build:web` writes the same files to web/dist for the
 * cloud's bucket. The CJK font (Noto Sans SC, weight 400, split by unicode-range so a page loads only the
 * slices its text uses) is bundled from @fontsource through the CSS.
 */
export interface WebAsset {
  contentType: string;
  body: Uint8Array;
}
export type WebAssets = Map<string, WebAsset>;

const webDir = dirname(fileURLToPath(import.meta.url));
const outdir = join(webDir, 'dist');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Paths are relative to the app's root (`index.html`, `app.js`, `files/…woff2`). */
export async function buildWebApp(options: { minify?: boolean } = {}): Promise<WebAssets> {
  const result = await build({
    entryPoints: { app: join(webDir, 'src/main.tsx') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: options.minify ?? true,
    sourcemap: false,
    outdir,
    write: false,
    // woff is the fallback for browsers without woff2 (none we support): leave it out of the bundle.
    loader: { '.woff2': 'file', '.woff': 'empty' },
    assetNames: 'files/[name]-[hash]',
    logLevel: 'silent',
    legalComments: 'none',
  });
  const assets: WebAssets = new Map();
  for (const file of result.outputFiles) {
    const path = relative(outdir, file.path).split('\\').join('/');
    assets.set(path, { contentType: contentTypes[extname(path)] ?? 'application/octet-stream', body: file.contents });
  }
  assets.set('index.html', { contentType: contentTypes['.html']!, body: new TextEncoder().encode(indexHtml) });
  return assets;
}

/** No inline script or style: the page works under a strict Content-Security-Policy. */
const indexHtml = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kefu 客服</title>
<link rel="stylesheet" href="./app.css">
</head>
<body>
<div id="root"></div>
<script type="module" src="./app.js"></script>
</body>
</html>
`;

/**
 * `npm run build:web`: the same assets on disk, for the cloud's static bucket; `-- --out DIR` writes them
 * elsewhere (the CDK asset bundling of infra/constructs/web-hosting.ts builds into its staging folder).
 */
export async function writeWebApp(dir: string): Promise<{ files: number; bytes: number }> {
  const assets = await buildWebApp();
  rmSync(dir, { recursive: true, force: true });
  let bytes = 0;
  for (const [path, asset] of assets) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), asset.body);
    bytes += asset.body.length;
  }
  return { files: assets.size, bytes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  const outFlag = process.argv.indexOf('--out');
  const dir = outFlag > 0 && process.argv[outFlag + 1] ? process.argv[outFlag + 1]! : outdir;
  const { files, bytes } = await writeWebApp(dir);
  console.log(`${relative(process.cwd(), dir) || dir}: ${files} files, ${(bytes / 1024 / 1024).toFixed(1)} MB in ${Math.round(performance.now() - started)} ms`);
}
