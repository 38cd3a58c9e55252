// Pure pieces of the streaming endpoints: channel framing and protocol choice, resize parsing,
// exit Status, CRI log reading (tail/since/timestamps/limit), and the upstream validation texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { channelFrame, chooseChannelProtocol } from '../../../src/apiserver/streaming/ws-channel.js';
import { parseResize, outcomeStatus, outcomeText, AsyncQueue } from '../../../src/apiserver/streaming/remotecommand.js';
import { chooseContainer, validateLogStatus, logOptions } from '../../../src/apiserver/streaming/handlers.js';
import { parseCriLine, splitEntries, tailEntries, LogFormatter } from '../../../src/node/streaming/cri-log.js';
import { ApiError } from '../../../src/machinery/errors.js';

test('channel frames and protocol choice', () => {
  assert.deepEqual(channelFrame(1, 'hi'), Buffer.from([1, 0x68, 0x69]));
  assert.deepEqual(channelFrame(3, Buffer.alloc(0)), Buffer.from([3]));
  assert.equal(chooseChannelProtocol(['v5.channel.k8s.io']), 'v5.channel.k8s.io');
  assert.equal(chooseChannelProtocol(['channel.k8s.io', 'v4.channel.k8s.io']), 'v4.channel.k8s.io');
  assert.equal(chooseChannelProtocol(['base64.channel.k8s.io']), undefined);
});

test('resize messages: JSON objects, one per line; junk ignored', () => {
  assert.deepEqual(parseResize('{"Width":100,"Height":30}\n'), [{ width: 100, height: 30 }]);
  assert.deepEqual(parseResize('{"Width":101,"Height":31}\n{"Width":100,"Height":30}\n'), [{ width: 101, height: 31 }, { width: 100, height: 30 }]);
  assert.deepEqual(parseResize('nope\n{"Width":-1,"Height":3}\n{"Width":"x"}'), []);
});

test('exit Status as the kubelet writes it (kubectl reads the ExitCode cause)', () => {
  assert.deepEqual(outcomeStatus({ exitCode: 0 }, ['ls']), { metadata: {}, status: 'Success' });
  const s = outcomeStatus({ exitCode: 3 }, ['sh', '-c', 'exit 3']) as { reason: string; message: string; details: { causes: { reason: string; message: string }[] } };
  assert.equal(s.reason, 'NonZeroExitCode');
  assert.deepEqual(s.details.causes, [{ reason: 'ExitCode', message: '3' }]);
  assert.match(s.message, /^command terminated with non-zero exit code: .*exit code 3$/);
  const e = outcomeStatus({ error: 'boom' }, []) as { status: string; message: string };
  assert.equal(e.status, 'Failure');
  assert.equal(e.message, 'Internal error occurred: boom');
  assert.equal(outcomeText({ exitCode: 0 }), undefined);
  assert.equal(outcomeText({ error: 'x' }), 'x');
});

test('AsyncQueue delivers pushed items in order and ends', async () => {
  const q = new AsyncQueue<number>();
  q.push(1);
  setTimeout(() => { q.push(2); q.end(); q.push(3); }, 5);
  const got: number[] = [];
  for await (const v of q) got.push(v);
  assert.deepEqual(got, [1, 2]);
});

test('CRI log lines: parse, timestamps normalised to 9 digits, junk skipped', () => {
  assert.deepEqual(parseCriLine('2026-11-27T10:10:15.123456789Z stdout F hello world'), {
    timestamp: '2026-11-27T10:10:15.123456789Z', ms: Date.parse('2026-11-27T10:10:15.123Z'), stream: 'stdout', partial: false, text: 'hello world',
  });
  assert.equal(parseCriLine('2026-11-27T10:10:15.1Z stderr P part')!.timestamp, '2026-11-27T10:10:15.100000000Z');
  assert.equal(parseCriLine('2026-11-27T10:10:15Z stdout F ')!.text, '');
  assert.equal(parseCriLine('not a log line'), undefined);
  const { entries, rest } = splitEntries(Buffer.from('2026-11-27T10:10:15Z stdout F a\ngarbage\n2026-11-27T10:10:16Z stdout F b\n2026-11-27T10:10:17Z std'));
  assert.deepEqual(entries.map((e) => e.text), ['a', 'b']);
  assert.equal(rest.toString(), '2026-11-27T10:10:17Z std');
});

test('tail counts whole lines (P…F runs are one line); since/timestamps/limitBytes shape the output', () => {
  const file = [
    '2026-11-27T10:00:00.000000000Z stdout F one',
    '2026-11-27T10:00:01.000000000Z stdout P tw',
    '2026-11-27T10:00:01.500000000Z stdout F o',
    '2026-11-27T10:00:02.000000000Z stderr F three',
  ].join('\n') + '\n';
  const { entries } = splitEntries(Buffer.from(file));
  assert.deepEqual(tailEntries(entries, 1).map((e) => e.text), ['three']);
  assert.deepEqual(tailEntries(entries, 2).map((e) => e.text), ['tw', 'o', 'three']);
  assert.deepEqual(tailEntries(entries, 0), []);
  assert.equal(tailEntries(entries, 10).length, 4);
  assert.equal(new LogFormatter({}).format(entries).toString(), 'one\ntwo\nthree\n');
  assert.equal(new LogFormatter({ sinceTime: new Date('2026-11-27T10:00:01.200Z') }).format(entries).toString(), 'o\nthree\n');
  assert.equal(new LogFormatter({ timestamps: true }).format(entries.slice(0, 1)).toString(), '2026-11-27T10:00:00.000000000Z one\n');
  const f = new LogFormatter({ limitBytes: 6 });
  assert.equal(f.format(entries).toString(), 'one\ntw');
  assert.equal(f.full, true);
  assert.equal(f.format(entries).length, 0);
});

const pod = (spec: Pod['spec'], status?: Pod['status']): Pod => ({ metadata: { name: 'p' }, spec, status });
const badRequest = (f: () => unknown, message: string) => assert.throws(f, (e: unknown) => e instanceof ApiError && e.code === 400 && e.status.message === message);

test('container choice: the only one, else the upstream errors', () => {
  assert.equal(chooseContainer(pod({ containers: [{ name: 'a' }] }), ''), 'a');
  badRequest(() => chooseContainer(pod({ containers: [{ name: 'a' }, { name: 'b' }] }), ''), 'a container name must be specified for pod p, choose one of: [a b]');
  badRequest(() => chooseContainer(pod({ containers: [{ name: 'a' }, { name: 'b' }], initContainers: [{ name: 'i' }] }), ''),
    'a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [i]');
  badRequest(() => chooseContainer(pod({ containers: [{ name: 'a' }] }), 'x'), 'container x is not valid for pod p');
  assert.equal(chooseContainer(pod({ containers: [{ name: 'a' }], initContainers: [{ name: 'i' }] }), 'i'), 'i');
});

test('log status validation: waiting reasons, previous, terminated', () => {
  const spec = { containers: [{ name: 'c' }] };
  const st = (s: object) => pod(spec, { containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: false, restartCount: 0, ...s }] });
  badRequest(() => validateLogStatus(st({ state: { waiting: { reason: 'ContainerCreating' } } }), 'c', false), 'container "c" in pod "p" is waiting to start: ContainerCreating');
  badRequest(() => validateLogStatus(st({ state: { waiting: { reason: 'ErrImagePull' } } }), 'c', false), 'container "c" in pod "p" is waiting to start: image can\'t be pulled');
  badRequest(() => validateLogStatus(st({ state: { waiting: { reason: 'ImagePullBackOff' } } }), 'c', false), 'container "c" in pod "p" is waiting to start: trying and failing to pull image');
  badRequest(() => validateLogStatus(st({ state: { running: {} } }), 'c', true), 'previous terminated container "c" in pod "p" not found');
  badRequest(() => validateLogStatus(pod(spec, {}), 'c', false), 'container "c" in pod "p" is not available');
  validateLogStatus(st({ state: { running: {} } }), 'c', false);
  validateLogStatus(st({ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, containerID: 'sim://x' } } }), 'c', false);
  validateLogStatus(st({ state: { running: {} }, lastState: { terminated: { exitCode: 1, containerID: 'sim://x' } } }), 'c', true);
});

test('log options from the query, validated', () => {
  const o = logOptions(new URLSearchParams('follow=true&tailLines=10&timestamps=true&limitBytes=5&previous=true&sinceSeconds=300'));
  assert.equal(o.follow, true);
  assert.equal(o.tailLines, 10);
  assert.equal(o.limitBytes, 5);
  assert.equal(o.previous, true);
  assert.ok(Math.abs(o.sinceTime!.getTime() - (Date.now() - 300_000)) < 2000);
  assert.equal(logOptions(new URLSearchParams('sinceTime=2024-01-01T00:00:00Z')).sinceTime!.toISOString(), '2024-01-01T00:00:00.000Z');
  assert.throws(() => logOptions(new URLSearchParams('tailLines=-1')), ApiError);
  assert.throws(() => logOptions(new URLSearchParams('limitBytes=0')), ApiError);
  assert.throws(() => logOptions(new URLSearchParams('tailLines=abc')), ApiError);
  assert.throws(() => logOptions(new URLSearchParams('sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z')), ApiError);
});
