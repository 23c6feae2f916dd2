/**
 * The GitHub API test server in a process of its own, for benchmarks that measure the app's event
 * loop: serving a 10,000-file PR is work the app's process must not be charged for. Driven over
 * IPC (process.send): hello when listening; start → ready {host}; webhook → webhook-set;
 * open → done {checks, requests}.
 */
import { githubGraphqlSchema, startGitHubServer } from "../../test/support/github/index.js";
import { prManifest, promotionRepo } from "./config-repo.js";

type Message =
  | { type: "start"; appId: number; publicKey: string; files: number }
  | { type: "webhook"; url: string; secret: string }
  | { type: "open" };

const repo = "acme/deploy";
let github: Awaited<ReturnType<typeof startGitHubServer>> | undefined;
const send = (message: object) => process.send?.(message);

process.on("message", (message: Message) => {
  handle(message).catch((error: unknown) => {
    send({ type: "error", message: (error as Error).stack });
  });
});
// The bench that started this process is gone: stop serving.
process.on("disconnect", () => process.exit(0));
// Messages that arrive before a listener exists are dropped: the parent waits for this.
send({ type: "hello" });

async function handle(message: Message): Promise<void> {
  if (message.type === "start") {
    githubGraphqlSchema();
    github = await startGitHubServer({ appId: message.appId, publicKey: message.publicKey, account: "acme" });
    const base: Record<string, string> = promotionRepo("single");
    const changed: Record<string, string> = {};
    for (let i = 0; i < message.files; i++) {
      if (i % 2 === 0) {
        const before = prManifest(i, 1);
        base[before.path] = before.text;
      }
      const after = prManifest(i, 2);
      changed[after.path] = after.text;
    }
    github.createRepo(repo, { files: base });
    github.push(repo, {
      branch: "bulk",
      files: changed,
      message: `Regenerate ${message.files} manifests`,
      author: { name: "Dev", email: "dev@acme.test", login: "dev" },
    });
    send({ type: "ready", host: github.host });
  } else if (message.type === "webhook" && github) {
    github.setWebhook({ url: message.url, secret: message.secret });
    send({ type: "webhook-set" });
  } else if (message.type === "open" && github) {
    const server = github;
    await server.idle();
    const from = server.requests.length;
    const response = await fetch(`${server.apiUrl}/repos/${repo}/pulls`, {
      method: "POST",
      headers: { authorization: `token ${server.userToken("dev")}`, "content-type": "application/json" },
      body: JSON.stringify({ head: "bulk", base: "main", title: "Regenerate manifests" }),
    });
    const pr = (await response.json()) as { head: { sha: string } };
    const concluded = () =>
      server.checkRuns(repo, pr.head.sha).find((c) => c.name === "Ferry / promotion")?.status === "completed";
    const deadline = Date.now() + 600_000;
    while (!concluded()) {
      if (Date.now() > deadline)
        throw new Error("the guard did not conclude Ferry / promotion in 10 minutes");
      await new Promise((r) => setTimeout(r, 20));
    }
    await server.idle();
    const checks = server.checkRuns(repo, pr.head.sha).map((c) => ({
      name: c.name,
      conclusion: c.conclusion,
      title: c.output.title,
      history: c.history,
    }));
    send({ type: "done", checks, requests: server.requests.length - from });
  }
}
