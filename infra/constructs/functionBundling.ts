/**
 * @module How the pipeline's functions are bundled: local esbuild (no Docker), ESM for Node 24,
 * the data files the code reads at run time copied beside the bundle, and for the report function
 * the Chromium build and fonts copied from the local node_modules (so synth works offline).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { BUNDLED_ASSET_FOLDERS } from '../../functions/adapters/fs/assetPaths.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Packages the report function needs as files at run time: Chromium (binary) and fonts. */
const RENDER_PACKAGES = ['@sparticuz/chromium', '@fontsource/inter', '@fontsource/jetbrains-mono'];

/** A package and every package it depends on at run time, from package-lock.json. */
function dependencyClosure(roots: readonly string[]): string[] {
  const lock = JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dependencies?: Record<string, string> }>;
  };
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const entry = lock.packages[`node_modules/${name}`];
    if (!entry) throw new Error(`${name} is not in package-lock.json; run npm ci`);
    seen.add(name);
    for (const dependency of Object.keys(entry.dependencies ?? {})) visit(dependency);
  };
  for (const root of roots) visit(root);
  return [...seen].sort();
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Shell commands that copy repository folders/packages into the bundle at the same relative paths. */
function copyCommands(outputDir: string, relativePaths: readonly string[]): string[] {
  return relativePaths.map((relative) => {
    const target = path.join(outputDir, relative);
    return `mkdir -p ${quote(path.dirname(target))} && cp -R ${quote(path.join(REPOSITORY_ROOT, relative))} ${quote(path.dirname(target))}/`;
  });
}

/**
 * Bundling options for a pipeline function.
 * @param render - ship Chromium and the report fonts (the report function)
 */
function pipelineBundling(render: boolean): nodejs.BundlingOptions {
  const packages = render ? dependencyClosure(RENDER_PACKAGES) : [];
  return {
    format: nodejs.OutputFormat.ESM,
    target: 'node24',
    minify: false,
    sourceMap: true,
    forceDockerBundling: false,
    // The Node 24 runtime carries the AWS SDK v3; Chromium must stay a package on disk.
    externalModules: ['@aws-sdk/*', ...(render ? ['@sparticuz/chromium'] : [])],
    // ESM bundles of CommonJS dependencies need require().
    banner:
      "import { createRequire as __trailproofCreateRequire } from 'node:module'; const require = __trailproofCreateRequire(import.meta.url);",
    mainFields: ['module', 'main'],
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        ...copyCommands(
          outputDir,
          BUNDLED_ASSET_FOLDERS.map((f) => f.replace(/\/$/, '')),
        ),
        ...copyCommands(
          outputDir,
          packages.map((p) => `node_modules/${p}`),
        ),
      ],
    },
  };
}

export { dependencyClosure, pipelineBundling, REPOSITORY_ROOT };
