// Loads a pinned npm package from interop/node_modules (or NODE_PATH) as an
// ES module: Node's ESM resolution ignores NODE_PATH, and web/ has no
// node_modules of its own (the page loads the same files through its web root).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const NODE_MODULES = process.env.NODE_PATH || path.join(REPO, 'interop', 'node_modules');

// `entry` is the package's ES module file, relative to the package folder.
export function importInterop(pkg, entry) {
  return import(pathToFileURL(path.join(NODE_MODULES, pkg, entry)).href);
}
