// What every bundle of ours shares (dist/ordinal.mjs and the benches): ESM for Node 20, npm
// dependencies left in node_modules, source maps beside the bundle.
export const nodeBundle = {
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
};
