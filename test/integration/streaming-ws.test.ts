// The WebSocket channel protocol frame by frame against the real API server: a pod bound to a
// node whose streamer is a RuntimeStreamer over a SimRuntime we drive ourselves (no node agent),
// so each frame kubectl would send — stdin, resize, v5 close, pings, text — is checked exactly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startCluster, type Cluster } from '../../src/cli/cluster.js';
import { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/types.js';
import type { KubeObject } from '../../src/machinery/object.js';
import { streamingFor } from '../../src/apiserver/streaming/handlers.js';
import { RuntimeStreamer } from '../../src/node/streaming/runtime-streamer.js';
import { SimRuntime } from '../../src/node/runtime/sim.js';
import type { StreamSet, PodSandboxConfig } from '../../src/node/runtime/types.js';

let dir: string;
let cluster: Cluster;
/** Resize events the runtime received, per exec. */
const resizes: { width: number; height: number }[][] = [];

class RecordingSim extends SimRuntime {
  override async exec(id: string, cmd: string[], streams: StreamSet): Promise<number> {
    const seen: { width: number; height: number }[] = [];
    resizes.push(seen);
    if (streams.resize) void (async () => { for await (const z of streams.resize!) seen.push(z); })();
    return super.exec(id, cmd, streams);
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordinal-streaming-ws-'));
  const runtime = new RecordingSim({ podCIDR: '10.250.0.0/24', pullDelayMs: 0, startDelayMs: 0 });
  cluster = await startCluster({
    dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'memory', log: () => {},
    components: [{ name: 'streaming', async start(ctx) { return { stop: streamingFor(ctx).register('sim-node', new RuntimeStreamer(runtime)) }; } }],
  });
  const client = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
  const pod = await client.create(R.pods, 'default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' },
    spec: { nodeName: 'sim-node', containers: [{ name: 'c', image: 'busybox', command: ['sleep', 'infinity'] }] },
  } as unknown as KubeObject);
  const uid = pod.metadata.uid!;
  const labels = { 'io.kubernetes.pod.uid': uid, 'io.kubernetes.pod.name': 'p', 'io.kubernetes.pod.namespace': 'default' };
  const sb: PodSandboxConfig = {
    metadata: { name: 'p', uid, namespace: 'default', attempt: 0 }, hostname: 'p', logDirectory: join(dir, 'logs'),
    dnsConfig: { servers: [], searches: [], options: [] }, portMappings: [], labels, annotations: {},
  };
  const sbId = await runtime.runPodSandbox(sb);
  const cid = await runtime.createContainer(sbId, {
    metadata: { name: 'c', attempt: 0 }, image: 'busybox', command: ['sleep', 'infinity'], args: [], envs: [], mounts: [],
    labels: { ...labels, 'io.kubernetes.container.name': 'c' }, annotations: {}, logPath: 'c/0.log',
  }, sb);
  await runtime.startContainer(cid);
  await client.updateStatus(R.pods, 'default', {
    ...pod, status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'busybox', imageID: '', containerID: `sim://${cid}`, state: { running: { startedAt: new Date().toISOString() } } }] },
  } as unknown as KubeObject);
});

after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Session { frames: Buffer[]; texts: string[]; close: Promise<number>; ws: WebSocket; protocol: string }

function open(query: string, protocols: string[]): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${cluster.url.replace('https', 'wss')}/api/v1/namespaces/default/pods/p/exec?${query}`, protocols, {
      ca: cluster.caPem, headers: { Authorization: `Bearer ${cluster.token}` },
    });
    const s: Session = { frames: [], texts: [], ws, protocol: '', close: new Promise((r) => ws.on('close', (code) => r(code))) };
    ws.on('message', (d: Buffer, binary: boolean) => (binary ? s.frames.push(d) : s.texts.push(d.toString())));
    ws.on('open', () => { s.protocol = ws.protocol; resolve(s); });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

const channel = (s: Session, ch: number) => Buffer.concat(s.frames.filter((f) => f[0] === ch).map((f) => f.subarray(1))).toString();

test('v5: stdin, the close-stream frame as EOF, stdout/stderr channels, Success status, close 1000', async () => {
  const s = await open('command=sh&stdin=true&stdout=true&stderr=true', ['v5.channel.k8s.io']);
  assert.equal(s.protocol, 'v5.channel.k8s.io');
  s.ws.send(Buffer.from([0, ...Buffer.from('echo one\ncat /nope\n')]));
  s.ws.send(Buffer.from([255, 0])); // v5 CLOSE of stream 0: stdin EOF
  assert.equal(await s.close, 1000);
  assert.equal(channel(s, 1), 'one\n');
  assert.match(channel(s, 2), /nope/);
  // The shell's last command failed: its status is the session's.
  const status = JSON.parse(channel(s, 3));
  assert.equal(status.reason, 'NonZeroExitCode');
  assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '1' }]);
  assert.deepEqual(s.texts, []);
});

test('v4 with a TTY: resize messages reach the runtime, output on stdout only, exit code in the Status', async () => {
  const before = resizes.length;
  const s = await open('command=sh&stdin=true&stdout=true&tty=true', ['v4.channel.k8s.io']);
  assert.equal(s.protocol, 'v4.channel.k8s.io');
  s.ws.send(Buffer.from([4, ...Buffer.from('{"Width":101,"Height":31}\n')]));
  s.ws.send(Buffer.from([4, ...Buffer.from('{"Width":100,"Height":30}\n')]));
  s.ws.send('a text frame is ignored');
  await new Promise((r) => setTimeout(r, 100));
  s.ws.send(Buffer.from([0, ...Buffer.from('hostname\r')]));
  s.ws.send(Buffer.from([0, ...Buffer.from('exit 7\r')]));
  assert.equal(await s.close, 1000);
  assert.deepEqual(resizes[before], [{ width: 101, height: 31 }, { width: 100, height: 30 }]);
  assert.equal(channel(s, 2), '');
  assert.match(channel(s, 1), /^\/ # hostname\r\np\r\n\/ # exit 7\r\n$/);
  const status = JSON.parse(channel(s, 3));
  assert.equal(status.status, 'Failure');
  assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '7' }]);
});

test('pings are answered (kubectl pings every 5 s and gives up without pongs)', async () => {
  const s = await open('command=sh&stdin=true&stdout=true', ['v5.channel.k8s.io']);
  const pong = new Promise<Buffer>((resolve) => s.ws.once('pong', resolve));
  s.ws.ping(Buffer.from('kubectl'));
  assert.equal((await pong).toString(), 'kubectl');
  s.ws.send(Buffer.from([0, ...Buffer.from('exit 0\n')]));
  assert.equal(await s.close, 1000);
  assert.deepEqual(JSON.parse(channel(s, 3)), { metadata: {}, status: 'Success' });
});

test('protocol choice: v5 preferred; the unversioned protocol reports failures as plain text', async () => {
  const s = await open('command=sh&command=-c&command=exit%203&stdout=true', ['channel.k8s.io']);
  await s.close;
  assert.equal(channel(s, 3), 'command terminated with non-zero exit code: exit code 3');
  const ok = await open('command=hostname&stdout=true', ['v4.channel.k8s.io', 'v5.channel.k8s.io']);
  assert.equal(ok.protocol, 'v5.channel.k8s.io');
  await ok.close;
  assert.equal(channel(ok, 1), 'p\n');
  assert.deepEqual(JSON.parse(channel(ok, 3)), { metadata: {}, status: 'Success' });
});

test('refused upgrades are Status responses (kubectl then tries SPDY and prints them)', async () => {
  await assert.rejects(open('command=ls&stdout=true&container=zz', ['v5.channel.k8s.io']), /upgrade refused: 400/);
  await assert.rejects(open('command=ls', ['v5.channel.k8s.io']), /upgrade refused: 400/); // no stdin/stdout/stderr
  await assert.rejects(open('command=ls&stdout=true', ['base64.channel.k8s.io']), /upgrade refused: 400/);
});

test('raw SPDY: garbage after the upgrade closes that connection and nothing else', async () => {
  const tls = await import('node:tls');
  const u = new URL(cluster.url);
  const badVersion = Buffer.from([0x80, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 1]); // a SPDY/2 PING
  const badBlock = Buffer.from([0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0e, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef]); // SYN_STREAM, header block not zlib
  for (const junk of [badVersion, badBlock]) {
    const sock = tls.connect({ host: u.hostname, port: Number(u.port), ca: cluster.caPem, servername: 'localhost', rejectUnauthorized: false });
    let got = '';
    sock.on('data', (d: Buffer) => { got += d.toString('latin1'); });
    await new Promise<void>((r) => sock.once('secureConnect', () => r()));
    sock.write(`POST /api/v1/namespaces/default/pods/p/portforward HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${cluster.token}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\nContent-Length: 0\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 200));
    assert.match(got, /^HTTP\/1.1 101 Switching Protocols\r\n/);
    assert.match(got, /X-Stream-Protocol-Version: portforward.k8s.io/);
    sock.write(junk);
    const closed = await new Promise<boolean>((resolve) => { sock.on('close', () => resolve(true)); sock.on('error', () => {}); setTimeout(() => { sock.destroy(); resolve(false); }, 3000); });
    assert.ok(closed, 'the server closes a connection that speaks broken SPDY');
    // Its last words: GOAWAY with status PROTOCOL_ERROR (1).
    const tail = Buffer.from(got, 'latin1').subarray(-16);
    assert.deepEqual([...tail.subarray(0, 4)], [0x80, 0x03, 0x00, 0x07]);
    assert.equal(tail.readUInt32BE(12), 1);
  }
  // The server is fine: a normal exec still works.
  const ok = await open('command=hostname&stdout=true', ['v5.channel.k8s.io']);
  await ok.close;
  assert.equal(channel(ok, 1), 'p\n');
});
