// `node bench/profile-diff.mjs OLD.json NEW.json [--top N]`: two `bench/profile.mjs --json` summaries
// side by side, self time in µs per call by package and by function, largest growth first.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const [a, b] = argv.slice(0, 2).map((f) => JSON.parse(readFileSync(f, 'utf8')));
const top = argv.includes('--top') ? Number(argv[argv.indexOf('--top') + 1]) : 30;
console.log(
  `busy µs/call: old ${a.busyUsPerCall.toFixed(1)} new ${b.busyUsPerCall.toFixed(1)}; /proc CPU µs/call: old ${a.cpuPerCallUs.toFixed(0)} new ${b.cpuPerCallUs.toFixed(0)}`,
);
for (const key of ['packages', 'functions']) {
  const names = new Set([...Object.keys(a[key]), ...Object.keys(b[key])]);
  const rows = [...names].map((n) => [n, a[key][n] ?? 0, b[key][n] ?? 0]).sort((x, y) => Math.abs(y[2] - y[1]) - Math.abs(x[2] - x[1]));
  console.log(`\n${key} (µs/call: old, new, new − old)`);
  for (const [n, o, m] of rows.slice(0, top))
    console.log(`${o.toFixed(2).padStart(7)} ${m.toFixed(2).padStart(7)} ${(m - o >= 0 ? '+' : '') + (m - o).toFixed(2).padStart(6)}  ${n}`);
}
