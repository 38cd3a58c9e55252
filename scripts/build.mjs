// Bundles our sources into dist/ordinal.mjs (dependencies stay in node_modules) for a fast cold
// start. Code splitting keeps what is only sometimes needed (etcd, containerd, protobuf decoding)
// in chunks that load on first use, with their npm dependencies.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { nodeBundle } from './esbuild-options.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Chunk names carry a content hash and old ones are kept: a running cluster may still load them.
await build({
  entryPoints: { ordinal: join(root, 'src/cli/main.ts') },
  outdir: join(root, 'dist'),
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  ...nodeBundle,
});
