import { chmodSync, cpSync } from 'node:fs';
chmodSync(new URL('../dist/cli.js', import.meta.url), 0o755);
// The web admin's static files (SPEC §16) are served from beside the compiled code.
cpSync(new URL('../src/inbound/ui/static/', import.meta.url), new URL('../dist/inbound/ui/static/', import.meta.url), { recursive: true });
