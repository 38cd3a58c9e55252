// Where a cluster keeps its files.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(): string {
  return process.env.ORDINAL_HOME || join(homedir(), '.ordinal');
}

export function kubeconfigPath(dataDir: string): string {
  return join(dataDir, 'kubeconfig');
}
