// `npm run bench`: builds, then runs every bench/*.ts (or those whose name contains an argument)
// one after another. Each bench is bundled (dist/bench/<name>.mjs, as dist/ordinal.mjs is) and run
// with plain node, so in-process figures (CPU, RSS) are those of the code `ordinal up` runs, not of
// the tsx loader. Benchmarks print figures; they are not tests.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBundle } from './esbuild-options.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);
let files = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.ts')).sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));

const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(1);

const esbuild = await import('esbuild');
await esbuild.build({
  entryPoints: files.map((f) => join(root, 'bench', f)),
  outdir: join(root, 'dist', 'bench'),
  ...nodeBundle,
});

// the V8 flags bin/ordinal runs the server with
const nodeFlags = readFileSync(join(root, 'bin', 'node-flags'), 'utf8').trim().split(/\s+/);
let failed = 0;
for (const f of files) {
  console.log(`\n=== bench/${f} ===`);
  const r = spawnSync(process.execPath, [...nodeFlags, join('dist', 'bench', f.replace(/\.ts$/, '.mjs'))], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.log(`bench/${f} failed (exit ${r.status ?? r.signal})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
