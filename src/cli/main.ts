// `ordinal` command dispatcher.
import { VERSION } from '../version.js';

const [cmd, ...rest] = process.argv.slice(2);

async function main(): Promise<number> {
  switch (cmd) {
    case 'version':
      console.log(`ordinal ${VERSION.ordinal} (Kubernetes API ${VERSION.gitVersion})`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(USAGE);
      return 0;
    default: {
      const mod = COMMANDS[cmd];
      if (!mod) {
        console.error(`ordinal: unknown command "${cmd}"\n\n${USAGE}`);
        return 2;
      }
      return (await mod()).run(rest);
    }
  }
}

interface Command { run(args: string[]): Promise<number> }
const COMMANDS: Record<string, () => Promise<Command>> = {
  up: () => import('./up.js'),
  kubectl: () => import('./kubectl.js'),
  agent: () => import('./agent.js'),
  image: () => import('./image.js'),
};

const USAGE = `ordinal — Kubernetes for stateful applications in one process

Usage:
  ordinal up [flags]        run the cluster in the foreground
  ordinal kubectl ARGS…     run the real kubectl against the cluster
  ordinal version           print the version

Run 'ordinal COMMAND --help' for a command's flags.`;

main().then((code) => process.exit(code), (err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
