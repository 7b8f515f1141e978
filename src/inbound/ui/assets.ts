import { readFileSync } from 'node:fs';

/** A file of the web admin as served: its bytes and content type. */
export interface Asset {
  body: Buffer;
  type: string;
}

const FILES: Record<string, string> = {
  '/': 'text/html; charset=utf-8',
  '/app.js': 'text/javascript; charset=utf-8',
  '/app.css': 'text/css; charset=utf-8',
};

/**
 * The web admin's static files (`static/`: plain HTML, CSS and one ES module, no build step, no
 * framework), read once when the server starts; the build copies them beside the compiled code.
 */
export function loadAssets(dir = new URL('./static/', import.meta.url)): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [path, type] of Object.entries(FILES)) {
    const file = path === '/' ? 'index.html' : path.slice(1);
    assets.set(path, { body: readFileSync(new URL(file, dir)), type });
  }
  return assets;
}
