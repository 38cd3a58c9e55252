// `ordinal image`: offline images for the CRI runtime. This machine kind cannot pull from
// registries, so images arrive as OCI/Docker archive tars imported into the node's private
// containerd, and busybox (+ the pause image) can be built from Debian's busybox-static.
import os from 'node:os';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDataDir } from './paths.js';
import { socketPath, which } from '../node/runtime/containerd.js';
import { writeImagesTar, importImagesTar, BUSYBOX } from '../node/runtime/images.js';

const USAGE = `Usage:
  ordinal image import FILE.tar [flags]      import an OCI or Docker image archive into the node's containerd
  ordinal image build-busybox [-o FILE]      build busybox (and the pause image) from /bin/busybox as an OCI tar
                                             (default ./ordinal-images.tar); --import also imports it

Flags:
  --data-dir DIR     the cluster's data dir (default $ORDINAL_HOME or ~/.ordinal)
  --node NAME        the in-process node agent's name (default: the hostname)
  --address SOCKET   containerd's socket (default <data dir>/agent/<node>/containerd/containerd.sock)
  -h, --help         show this help`;

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  let dataDir = defaultDataDir();
  let node = os.hostname().toLowerCase();
  let address: string | undefined;
  let out = 'ordinal-images.tar';
  let doImport = false;
  const files: string[] = [];
  try {
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      const val = () => {
        const v = rest[++i];
        if (v === undefined) throw new Error(`flag ${a} needs a value`);
        return v;
      };
      switch (a) {
        case '-h': case '--help': console.log(USAGE); return 0;
        case '--data-dir': dataDir = val(); break;
        case '--node': node = val().toLowerCase(); break;
        case '--address': address = val(); break;
        case '-o': case '--output': out = val(); break;
        case '--import': doImport = true; break;
        default:
          if (a.startsWith('-')) throw new Error(`unknown flag ${JSON.stringify(a)}`);
          files.push(a);
      }
    }
    if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
      console.log(USAGE);
      return 0;
    }
    if (sub !== 'import' && sub !== 'build-busybox') throw new Error(`unknown subcommand ${JSON.stringify(sub)}`);
    if (sub === 'import' && files.length === 0) throw new Error('import needs FILE.tar');
  } catch (e) {
    console.error(`ordinal image: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const socket = address ?? socketPath(join(dataDir, 'agent', node, 'containerd'));
  const ctr = which('ctr');
  const needContainerd = () => {
    if (!ctr) throw new Error('ctr not found (Debian package containerd)');
    if (!existsSync(socket)) throw new Error(`no containerd socket at ${socket}: start the cluster with \`ordinal up --runtime cri\` first (or pass --address)`);
  };
  try {
    if (sub === 'build-busybox') {
      if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} not found (Debian package busybox-static)`);
      const file = resolve(out);
      const images = writeImagesTar(file);
      console.log(`wrote ${file}: ${images.join(', ')}`);
      if (doImport) {
        needContainerd();
        process.stdout.write(importImagesTar(ctr!, socket, file));
      }
      return 0;
    }
    needContainerd();
    for (const f of files) process.stdout.write(importImagesTar(ctr!, socket, resolve(f)));
    return 0;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    console.error(`ordinal image: ${err.stderr?.trim() || err.message}`);
    return 1;
  }
}
