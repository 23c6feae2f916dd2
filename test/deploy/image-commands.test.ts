/**
 * Every workload Ferry ships (the Kustomize bases and the Helm chart), run the way a cluster
 * would run it: the container's command and args resolved against the Dockerfile's ENTRYPOINT and
 * CMD, its environment built from the rendered ConfigMaps and the Secrets an operator creates,
 * against a build of dist/ in a temporary folder. The app must answer its probes; the agent must
 * reach the Kubernetes API (list, watch, its Lease) and answer its probes.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, sharedBuild } from "../support/build.js";
import {
  type Container,
  containerArgv,
  containerEnv,
  type ImageConfig,
  imageConfig,
  workloadContainers,
} from "../support/container.js";
import { type GitHubServer, generateAppKeyPair, startGitHubServer } from "../support/github/index.js";
import { ReportReceiver } from "../support/kube/report-receiver.js";
import { KubeTestServer, resources } from "../support/kube/server.js";
import { freePort, start, waitForStatus } from "../support/processes.js";
import { type K8sObject, shippedWorkloads } from "../support/workloads.js";

const ferryImage = "ghcr.io/ferry-gitops/ferry";
const agentSecret = "agent-shared-secret-0123456789";
const keys = generateAppKeyPair();
const redisServer = spawnSync("sh", ["-c", "command -v redis-server"]).status === 0;

let work: string;
let appDir: string;
let image: ImageConfig;
let github: GitHubServer;
let redisUrl: string | undefined;
const stops: (() => unknown)[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ferry-image-"));
  image = imageConfig(await readFile(join(repoRoot, "Dockerfile"), "utf8"));
  // The image's WORKDIR, rebuilt here: dist/, package.json and the production dependencies.
  appDir = await sharedBuild();
  github = await startGitHubServer({ appId: 1234, privateKey: keys.privateKey, account: "acme" });
  stops.push(() => github.close());
  if (redisServer) {
    const port = await freePort();
    const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", ""], {
      stdio: "ignore",
    });
    stops.push(() => redis.kill());
    redisUrl = `redis://127.0.0.1:${port}`;
  }
}, 120_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await rm(work, { recursive: true, force: true });
});

/** The host path of what the image runs: `ferry` is a link to /app/dist/cli.js, /app is appDir. */
function hostArgv(argv: string[]): string[] {
  const [executable = "", ...rest] = argv;
  const onPath = executable.includes("/") ? executable : `/usr/local/bin/${executable}`;
  const target = image.links.get(onPath) ?? (executable === "node" ? "node" : onPath);
  if (target === "node") return [process.execPath, ...rest.map(inApp)];
  if (!target.startsWith(`${image.workdir}/`))
    throw new Error(`the image runs ${target}, outside ${image.workdir}`);
  return [process.execPath, inApp(target), ...rest];
}

function inApp(path: string): string {
  return path.startsWith(`${image.workdir}/`) ? join(appDir, path.slice(image.workdir.length + 1)) : path;
}

function portNumber(container: Container, port: string | number | undefined): number {
  if (typeof port === "number") return port;
  const found = container.ports?.find((p) => p.name === port)?.containerPort;
  if (found === undefined) throw new Error(`container ${container.name} has no port named ${port}`);
  return found;
}

/** The probes' paths, and the container port they use (which must be the one the process listens on). */
function probes(container: Container) {
  const live = container.livenessProbe?.httpGet;
  const ready = container.readinessProbe?.httpGet;
  if (live === undefined || ready === undefined) throw new Error(`${container.name} lacks HTTP probes`);
  return { live: live.path, ready: ready.path, port: portNumber(container, live.port) };
}

const cases = Object.keys(shippedWorkloads) as (keyof typeof shippedWorkloads)[];

describe("the image", () => {
  it("has a ferry entrypoint on PATH, a numeric non-root user and a base pinned to an exact release", () => {
    expect(image.entrypoint).toEqual(["ferry"]);
    expect(image.links.get("/usr/local/bin/ferry")).toBe(`${image.workdir}/dist/cli.js`);
    expect(image.cmd).toEqual(["serve"]);
    expect(image.user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(image.base).toMatch(/^node:\d+\.\d+\.\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/);
  });
});

describe("docker run IMAGE <command>", () => {
  it("runs validate and plan on a mounted checkout (ENTRYPOINT + the arguments, WORKDIR, image ENV)", async () => {
    const repo = join(repoRoot, "examples", "config-repo");
    const run = async (args: string[]) => {
      const running = start(hostArgv([...image.entrypoint, ...args]), {
        cwd: appDir,
        env: { ...image.env, PATH: process.env.PATH ?? "" },
      });
      return { code: await running.exited, output: running.output() };
    };
    const validated = await run(["validate", repo]);
    expect(validated.output).toMatch(/files checked, 0 errors/);
    expect(validated.code).toBe(0);
    const planned = await run(["plan", "--image", "ghcr.io/acme/api:1.5.0", "--env", "staging", repo]);
    expect(planned.output).toContain("2 references in 2 files to change");
    expect(planned.code).toBe(0);
  });
});

describe.each(cases)("%s", (source) => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = (await shippedWorkloads[source]()).objects;
  });

  const ours = () =>
    workloadContainers(objects).filter(({ container }) => container.image.startsWith(ferryImage));

  it("runs every Ferry container as non-root on a read-only root filesystem", () => {
    expect(ours().length).toBeGreaterThan(0);
    for (const { pod, container } of ours()) {
      expect(pod.securityContext?.runAsNonRoot, container.name).toBe(true);
      expect(container.securityContext?.readOnlyRootFilesystem, container.name).toBe(true);
      expect(container.securityContext?.allowPrivilegeEscalation, container.name).toBe(false);
    }
  });

  it("starts each container's command from the image: the app answers its probes, the agent reaches the API server", async () => {
    for (const { deployment, container } of ours()) {
      const argv = containerArgv(container, image);
      const pod = {
        namespace: deployment.metadata.namespace ?? "ferry",
        podName: `${deployment.metadata.name}-7d9f-abcde`,
        objects,
        secrets: {
          ferry: {
            APP_ID: "1234",
            PRIVATE_KEY: keys.privateKey,
            WEBHOOK_SECRET: "webhook-secret",
            FERRY_CLUSTER_SECRETS: `prod-eu-1=${agentSecret}`,
          },
          "ferry-agent": { secret: agentSecret },
        },
      };
      const env = containerEnv(container, image, pod);
      const probe = probes(container);
      const port = await freePort();
      if (argv.at(-1) === "serve") {
        // The process listens where the probes look.
        expect(Number(env.PORT)).toBe(probe.port);
        const running = start(hostArgv(argv), {
          cwd: appDir,
          env: {
            ...env,
            PORT: String(port),
            HOST: "127.0.0.1",
            GHE_HOST: github.host,
            GHE_PROTOCOL: "http",
            ...(env.REDIS_URL !== undefined && redisUrl !== undefined ? { REDIS_URL: redisUrl } : {}),
          },
        });
        stops.push(() => running.stop());
        if (env.REDIS_URL !== undefined && redisUrl === undefined) {
          // No redis-server on this machine: start-up must fail clearly instead.
          expect(await running.exited).toBe(1);
          continue;
        }
        await waitForStatus(`http://127.0.0.1:${port}${probe.live}`, 200, running);
        await waitForStatus(`http://127.0.0.1:${port}${probe.ready}`, 200, running);
        expect(await running.stop()).toBe(0);
      } else if (argv.at(-1) === "agent") {
        expect(Number(env.HEALTH_PORT)).toBe(probe.port);
        const kube = await KubeTestServer.start();
        const receiver = await ReportReceiver.start({ [env.FERRY_CLUSTER ?? ""]: agentSecret });
        stops.push(
          () => kube.close(),
          () => receiver.close(),
        );
        const kubeconfig = join(work, `${deployment.metadata.name}.kubeconfig`);
        await writeFile(kubeconfig, kube.kubeconfig());
        const running = start(hostArgv(argv), {
          cwd: appDir,
          // In a cluster the service account is used; here the API server is the test server.
          env: { ...env, FERRY_URL: receiver.url, KUBECONFIG: kubeconfig, HEALTH_PORT: String(port) },
        });
        stops.push(() => running.stop());
        await waitForStatus(`http://127.0.0.1:${port}${probe.ready}`, 200, running);
        await waitForStatus(`http://127.0.0.1:${port}${probe.live}`, 200, running);
        expect(kube.requests.some((r) => r.path.includes("/applications") && r.watch)).toBe(true);
        // The Lease it leads under is the one its Role lets it update.
        const lease = kube.get(resources.leases, pod.namespace, env.FERRY_LEASE_NAME ?? "");
        expect((lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity).toBe(pod.podName);
        expect(await running.stop()).toBe(0);
      } else {
        throw new Error(
          `${deployment.metadata.name}/${container.name} runs ${argv.join(" ")}: neither serve nor agent`,
        );
      }
    }
  }, 60_000);
});
