export async function statusMain(_argv: string[]): Promise<number> {
  process.stderr.write('launcher status: not built yet\n');
  return 2;
}
