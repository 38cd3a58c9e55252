// The Kubernetes version we report. kubectl on this machine dispatches on the minor: keep 1.32.
export const VERSION = {
  ordinal: '0.1.0',
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-ordinal',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-27T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
} as const;
