/** App registration through GitHub's manifest flow (not yet implemented). */
export async function run(_env: NodeJS.ProcessEnv): Promise<number> {
  process.stderr.write("Ferry cannot start: APP_ID is not set\n");
  return 1;
}
