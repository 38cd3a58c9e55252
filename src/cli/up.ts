// `ordinal up`: runs the whole cluster in the foreground. (Wired up by the API server work.)
export async function run(_args: string[]): Promise<number> {
  console.error('ordinal up: not implemented yet');
  return 1;
}
