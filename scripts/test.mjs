// The whole test suite: type-check, then every test/**/*.test.ts with node's test runner (via tsx).
//   node scripts/test.mjs            everything
//   node scripts/test.mjs --unit     only test/unit
//   node scripts/test.mjs FILTER     only files whose path contains FILTER
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let files = walk(join(root, unitOnly ? 'test/unit' : 'test')).map((f) => relative(root, f)).sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));

if (!filters.length) {
  console.log('typecheck: tsc --noEmit');
  const tc = spawnSync(join(root, 'node_modules/.bin/tsc'), ['--noEmit', '-p', root], { stdio: 'inherit', cwd: root });
  if (tc.status !== 0) {
    console.log('typecheck failed');
    process.exit(1);
  }
}
const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(1);

console.log(`running ${files.length} test files`);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, ORDINAL_TEST: '1' },
});
process.exit(r.status ?? 1);
