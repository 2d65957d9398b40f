/**
 * @module Where the data files the code reads at run time (report templates, control catalog,
 * rules) are. From the repository they sit at fixed places relative to this file; in a bundled
 * Lambda the bundle's folder holds copies at the same relative paths and `TRAILPROOF_ASSET_ROOT`
 * names that folder, because a bundle's `import.meta.url` no longer points into the repository.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Absolute path of `relative` (a repository-relative path such as `templates/`). */
function assetPath(relative: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = env.TRAILPROOF_ASSET_ROOT || REPOSITORY_ROOT;
  const resolved = path.join(root, relative);
  return relative.endsWith('/') && !resolved.endsWith(path.sep) ? `${resolved}${path.sep}` : resolved;
}

/** The repository-relative folders a bundle must carry (see the deployment's afterBundling hook). */
const BUNDLED_ASSET_FOLDERS = [
  'templates/',
  'functions/core/controls/catalog/',
  'functions/core/controls/rules/',
];

export { assetPath, BUNDLED_ASSET_FOLDERS };
