// Builds a Kubernetes protobuf request body by hand (magic + runtime.Unknown envelope), as
// kubectl 1.32 sends for `kubectl create namespace NAME`.
import protobuf from 'protobufjs';

export function encodeForTest(apiVersion: string, kind: string, name: string): Buffer {
  const meta = protobuf.Writer.create().uint32((1 << 3) | 2).string(name).finish(); // ObjectMeta.name = 1
  const obj = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(meta).finish(); // <Kind>.metadata = 1
  const typeMeta = protobuf.Writer.create().uint32((1 << 3) | 2).string(apiVersion).uint32((2 << 3) | 2).string(kind).finish();
  const env = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(typeMeta).uint32((2 << 3) | 2).bytes(obj).finish();
  return Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), Buffer.from(env)]);
}
