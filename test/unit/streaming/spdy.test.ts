// SPDY/3.1 codec and session: frames round-trip, input may arrive in any fragmentation, header
// blocks share one zlib stream per direction (with the SPDY/3 dictionary), and garbage never
// throws out of the session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Duplex, PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from '../../../src/apiserver/streaming/spdy-dictionary.js';
import {
  FrameParser, encode, HeaderCompressor, HeaderDecompressor, SpdySession, serializeHeaders, parseHeaders, SpdyProtocolError,
  FLAG_FIN, type Frame, type SpdyStream,
} from '../../../src/apiserver/streaming/spdy.js';

test('the SPDY/3 dictionary is byte-exact (length and SHA-256 of the spec/spdystream bytes)', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
});

test('frames round-trip through the parser, whole and byte by byte', () => {
  const frames = [
    encode.synStream(1, Buffer.from('hdr'), FLAG_FIN, 0, 3),
    encode.synReply(1, Buffer.from('rep')),
    encode.headers(3, Buffer.from('h')),
    encode.data(1, Buffer.from('hello'), true),
    encode.data(5, Buffer.alloc(0)),
    encode.rstStream(7, 5),
    encode.settings([{ id: 7, value: 65536 }, { flags: 1, id: 4, value: 100 }]),
    encode.ping(42),
    encode.goaway(9, 1),
    encode.windowUpdate(3, 1000),
  ];
  const all = Buffer.concat(frames);
  const whole = new FrameParser().push(all);
  const p = new FrameParser();
  const bytewise: Frame[] = [];
  for (let i = 0; i < all.length; i++) bytewise.push(...p.push(all.subarray(i, i + 1)));
  assert.deepEqual(bytewise, whole);
  assert.equal(whole.length, frames.length);
  assert.deepEqual(whole[0], { type: 'syn_stream', streamId: 1, assocId: 0, priority: 3, flags: FLAG_FIN, block: Buffer.from('hdr') });
  assert.deepEqual(whole[3], { type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.from('hello') });
  assert.deepEqual(whole[5], { type: 'rst_stream', streamId: 7, status: 5 });
  assert.deepEqual(whole[6], { type: 'settings', flags: 0, entries: [{ flags: 0, id: 7, value: 65536 }, { flags: 1, id: 4, value: 100 }] });
  assert.deepEqual(whole[7], { type: 'ping', id: 42 });
  assert.deepEqual(whole[8], { type: 'goaway', lastStreamId: 9, status: 1 });
  assert.deepEqual(whole[9], { type: 'window_update', streamId: 3, delta: 1000 });
});

test('bad frames are protocol errors, not crashes', () => {
  const badVersion = encode.ping(1);
  badVersion.writeUInt16BE(0x8000 | 2, 0);
  assert.throws(() => new FrameParser().push(badVersion), SpdyProtocolError);
  const short = encode.ping(1).subarray(0, 10); // length says 4, only 2 body bytes: waits for more
  assert.deepEqual(new FrameParser().push(short), []);
  const truncatedBody = Buffer.from([0x80, 3, 0, 3, 0, 0, 0, 2, 0, 0]); // RST_STREAM with a 2-byte body
  assert.throws(() => new FrameParser().push(truncatedBody), SpdyProtocolError);
  assert.throws(() => parseHeaders(Buffer.from([0, 0, 0, 5, 0, 0, 0, 9, 0x61])), SpdyProtocolError);
  for (let i = 0; i < 200; i++) {
    try { new FrameParser().push(randomBytes(1 + (i % 64))); } catch (e) { assert.ok(e instanceof SpdyProtocolError, String(e)); }
  }
});

test('header blocks share one zlib stream per direction and read back', async () => {
  const c = new HeaderCompressor();
  const d = new HeaderDecompressor();
  const blocks = [
    [['streamtype', 'error'], ['port', '80'], ['requestid', '0']],
    [['streamtype', 'data'], ['port', '80'], ['requestid', '0']],
    [],
    [['X-Mixed-Case', 'v1\u0000v2']],
  ] as [string, string][][];
  for (const h of blocks) {
    const block = await c.compress(h);
    assert.deepEqual(await d.decompress(block), h.map(([k, v]) => [k.toLowerCase(), v]));
  }
  // The first block starts a zlib stream whose header names the dictionary (FDICT set).
  const first = await new HeaderCompressor().compress([['a', 'b']]);
  assert.equal(first[1]! & 0x20, 0x20);
  // A second, independent decompressor cannot read a continuation block: the context is shared.
  const second = await c.compress([['streamtype', 'stdout']]);
  await assert.rejects(new HeaderDecompressor().decompress(second), SpdyProtocolError);
  c.close();
  d.close();
});

test('a block compressed by a plain zlib stream with the dictionary (as Go does) is read', async () => {
  const deflate = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY, level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (b: Buffer) => out.push(b));
  deflate.write(serializeHeaders([['streamtype', 'stdout']]));
  await new Promise<void>((r) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
  assert.deepEqual(await new HeaderDecompressor().decompress(Buffer.concat(out)), [['streamtype', 'stdout']]);
  deflate.close();
});

/** A client end and a server end joined back to back. */
function pipePair(): { client: Duplex; server: Duplex } {
  const a = new PassThrough();
  const b = new PassThrough();
  const client = Duplex.from({ readable: b, writable: a });
  const server = Duplex.from({ readable: a, writable: b });
  return { client, server };
}

test('session: client streams get replies, data both ways, FIN, ping answered, garbage closes it', async () => {
  const { client, server } = pipePair();
  const seen: SpdyStream[] = [];
  const session = new SpdySession(server, (s) => {
    seen.push(s);
    s.reply();
    s.on('data', (d: Buffer) => s.write(Buffer.from(d.toString().toUpperCase())));
    s.on('end', () => s.end());
  });
  const comp = new HeaderCompressor();
  const dec = new HeaderDecompressor();
  const parser = new FrameParser();
  const got: Frame[] = [];
  client.on('data', (b: Buffer) => got.push(...parser.push(b)));
  const block = await comp.compress([['streamtype', 'data'], ['port', '80']]);
  // Deliver in awkward fragments.
  const bytes = Buffer.concat([encode.synStream(1, block), encode.data(1, Buffer.from('abc')), encode.ping(7), encode.data(1, Buffer.alloc(0), true)]);
  for (let i = 0; i < bytes.length; i += 3) client.write(bytes.subarray(i, i + 3));
  await until(() => got.some((f) => f.type === 'data' && f.flags & FLAG_FIN));
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.header('streamtype'), 'data');
  assert.equal(seen[0]!.header('PORT'), '80');
  const reply = got.find((f) => f.type === 'syn_reply');
  assert.ok(reply && reply.type === 'syn_reply' && reply.streamId === 1);
  assert.deepEqual(await dec.decompress(reply.block), []);
  assert.ok(got.some((f) => f.type === 'ping' && f.id === 7));
  const data = got.filter((f) => f.type === 'data').map((f) => (f as { data: Buffer }).data.toString()).join('');
  assert.equal(data, 'ABC');
  // Even-numbered (server-side) ids from a client are refused with RST_STREAM.
  client.write(encode.synStream(2, await comp.compress([])));
  await until(() => got.some((f) => f.type === 'rst_stream' && f.streamId === 2));
  // Garbage: GOAWAY(PROTOCOL_ERROR) and the session closes; nothing throws.
  const badVersion = encode.ping(1);
  badVersion.writeUInt16BE(0x8000 | 2, 0);
  client.write(badVersion);
  await session.done();
  assert.ok(got.some((f) => f.type === 'goaway' && f.status === 1));
});

test('session: a corrupt header block is a protocol error (GOAWAY), not an exception', async () => {
  const { client, server } = pipePair();
  const session = new SpdySession(server, () => assert.fail('no stream expected'));
  const parser = new FrameParser();
  const got: Frame[] = [];
  client.on('data', (b: Buffer) => got.push(...parser.push(b)));
  client.write(encode.synStream(1, Buffer.from('definitely not zlib')));
  await session.done();
  assert.ok(got.some((f) => f.type === 'goaway' && f.status === 1));
});

test('session: large writes are split into frames and not held back by flow control', async () => {
  const { client, server } = pipePair();
  const comp = new HeaderCompressor();
  let stream: SpdyStream | undefined;
  new SpdySession(server, (s) => { stream = s; s.reply(); });
  const parser = new FrameParser();
  let received = 0;
  let fin = false;
  client.on('data', (b: Buffer) => {
    for (const f of parser.push(b)) if (f.type === 'data') { received += f.data.length; if (f.flags & FLAG_FIN) fin = true; }
  });
  client.write(encode.synStream(1, await comp.compress([['streamtype', 'stdout']])));
  await until(() => !!stream);
  stream!.end(Buffer.alloc(1_000_000, 1)); // far beyond a 64 KiB window; the Go client never sends WINDOW_UPDATE
  await until(() => fin);
  assert.equal(received, 1_000_000);
});

async function until(f: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
