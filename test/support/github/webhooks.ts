import { createHmac, randomUUID } from "node:crypto";
import type { AppRecord } from "./model.js";

export interface WebhookTarget {
  url: string;
  secret: string;
}

export interface Delivery {
  id: string;
  /** Slug of the app the delivery is for. */
  app: string;
  event: string;
  action: string | undefined;
  payload: Record<string, unknown>;
  /** HTTP status the receiver answered, or 0 when the request failed. */
  status: number | undefined;
  error?: string;
}

/**
 * How deliveries go out. GitHub posts each event on its own, without waiting for the receiver to
 * finish with the previous one, and gives no ordering guarantee ("concurrent"); "shuffled" also
 * reorders what was queued together; "serial" posts one at a time in order (a debugging aid).
 */
export type DeliveryMode = "concurrent" | "shuffled" | "serial";

export function signPayload(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** The legacy SHA-1 signature GitHub still sends beside the SHA-256 one. */
export function signPayloadSha1(secret: string, body: string): string {
  return `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`;
}

export interface HookHeaders {
  id?: string;
  signature?: string;
  /** `X-GitHub-Hook-Installation-Target-ID`: the app's id for an app's webhook. */
  appId?: number;
  hookId?: number;
  /** Send this exact body instead of the JSON of `payload` (still signed). */
  raw?: string;
}

/** Signs and POSTs one delivery with the headers GitHub sends; resolves to the receiver's HTTP status. */
export async function sendWebhook(
  url: string,
  secret: string,
  event: string,
  payload: unknown,
  opts: HookHeaders = {},
): Promise<number> {
  const body = opts.raw ?? JSON.stringify(payload);
  const res = await fetch(url, {
    method: "POST",
    headers: {
      accept: "*/*",
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/7f3a2c1",
      "x-github-event": event,
      "x-github-delivery": opts.id ?? randomUUID(),
      "x-github-hook-id": String(opts.hookId ?? 1),
      "x-github-hook-installation-target-id": String(opts.appId ?? 1),
      "x-github-hook-installation-target-type": "integration",
      "x-hub-signature": signPayloadSha1(secret, body),
      "x-hub-signature-256": opts.signature ?? signPayload(secret, body),
    },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** mulberry32: a small seeded PRNG. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deliveries of every installed app, posted to the apps that have a webhook URL. */
export class WebhookQueue {
  readonly deliveries: Delivery[] = [];
  readonly targets = new Map<number, WebhookTarget>();
  mode: DeliveryMode = "concurrent";
  /** Whether deliveries are posted; when off, events are still recorded in `deliveries`. */
  enabled = true;
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private waiters: (() => void)[] = [];
  /** Deliveries queued in the current tick, posted together (and reordered when shuffled). */
  private batch: (() => Promise<void>)[] = [];

  /** Seeded, so an out-of-order run can be repeated. */
  private random: () => number = seeded(1);

  constructor(
    private readonly mainAppId: number,
    target: WebhookTarget | undefined,
  ) {
    if (target) this.targets.set(mainAppId, target);
  }

  setMode(mode: DeliveryMode, seed = 1): void {
    this.mode = mode;
    this.random = seeded(seed);
  }

  /** The main app's webhook. */
  get target(): WebhookTarget | undefined {
    return this.targets.get(this.mainAppId);
  }

  set target(target: WebhookTarget | undefined) {
    if (target) this.targets.set(this.mainAppId, target);
    else this.targets.delete(this.mainAppId);
  }

  enqueue(app: AppRecord, event: string, payload: Record<string, unknown>): void {
    const delivery: Delivery = {
      id: randomUUID(),
      app: app.slug,
      event,
      action: typeof payload.action === "string" ? payload.action : undefined,
      payload,
      status: undefined,
    };
    this.deliveries.push(delivery);
    const target = this.targets.get(app.id);
    if (!target || !this.enabled) return;
    this.pending++;
    const post = async () => {
      try {
        delivery.status = await sendWebhook(target.url, target.secret, event, payload, {
          id: delivery.id,
          appId: app.id,
          hookId: app.id,
        });
      } catch (e) {
        delivery.status = 0;
        delivery.error = e instanceof Error ? e.message : String(e);
      } finally {
        this.pending--;
        if (this.pending === 0) for (const w of this.waiters.splice(0)) w();
      }
    };
    if (this.mode === "serial") {
      this.chain = this.chain.then(post);
      return;
    }
    // Everything one state change queues (e.g. push + synchronize) leaves together, after the
    // API answer that caused it, in any order.
    this.batch.push(post);
    if (this.batch.length === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const batch = this.batch.splice(0);
    if (this.mode === "shuffled")
      for (let i = batch.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [batch[i], batch[j]] = [batch[j] as () => Promise<void>, batch[i] as () => Promise<void>];
      }
    for (const post of batch) void post();
  }

  /** Resolves once every queued delivery has been answered, including ones queued meanwhile. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
