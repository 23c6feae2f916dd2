/** A redis-server of a test's own, for the tests that run Ferry with REDIS_URL. */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";

// .ci/run installs redis-server; a machine without it skips these tests and says so.
export const redisServer = spawnSync("sh", ["-c", "command -v redis-server"]).status === 0;

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** A redis-server of the test's own, on a fixed port so it can be stopped and started again (empty). */
export class RedisServer {
  private child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    this.child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`http://127.0.0.1:${this.port}`).then(
        () => true,
        (e: { cause?: { code?: string } }) => e.cause?.code !== "ECONNREFUSED",
      );
      if (up) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("redis-server did not start");
  }

  /** SIGSTOP/SIGCONT: Redis keeps its connections open but answers nothing. */
  freeze(frozen: boolean): void {
    this.child?.kill(frozen ? "SIGSTOP" : "SIGCONT");
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once("exit", resolve);
      child.kill("SIGKILL");
    });
  }
}
