import { createHmac, randomUUID } from "node:crypto";

export interface WebhookTarget {
  url: string;
  secret: string;
}

export interface Delivery {
  id: string;
  event: string;
  action: string | undefined;
  payload: Record<string, unknown>;
  /** HTTP status the receiver answered, or 0 when the request failed. */
  status: number | undefined;
  error?: string;
}

export function signPayload(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * Signs and POSTs one delivery the way GitHub does; resolves to the receiver's HTTP status.
 * `raw` sends that exact body instead of the JSON of `payload` (still signed).
 */
export async function sendWebhook(
  url: string,
  secret: string,
  event: string,
  payload: unknown,
  opts: { id?: string; signature?: string; raw?: string } = {},
): Promise<number> {
  const body = opts.raw ?? JSON.stringify(payload);
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/test",
      "x-github-event": event,
      "x-github-delivery": opts.id ?? randomUUID(),
      "x-github-hook-id": "1",
      "x-github-hook-installation-target-type": "integration",
      "x-hub-signature-256": opts.signature ?? signPayload(secret, body),
    },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Deliveries go out one at a time, in the order the state changed, and each waits for the
 * receiver's answer (Probot answers after its handlers ran), so `idle()` means "the app has seen
 * and handled everything".
 */
export class WebhookQueue {
  readonly deliveries: Delivery[] = [];
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private waiters: (() => void)[] = [];

  constructor(public target: WebhookTarget | undefined) {}

  /** Whether deliveries are posted; when off, events are still recorded in `deliveries`. */
  enabled = true;

  enqueue(event: string, payload: Record<string, unknown>): void {
    const delivery: Delivery = {
      id: randomUUID(),
      event,
      action: typeof payload.action === "string" ? payload.action : undefined,
      payload,
      status: undefined,
    };
    this.deliveries.push(delivery);
    const target = this.target;
    if (!target || !this.enabled) return;
    this.pending++;
    this.chain = this.chain
      .then(async () => {
        try {
          delivery.status = await sendWebhook(target.url, target.secret, event, payload, { id: delivery.id });
        } catch (e) {
          delivery.status = 0;
          delivery.error = e instanceof Error ? e.message : String(e);
        }
      })
      .finally(() => {
        this.pending--;
        if (this.pending === 0) for (const w of this.waiters.splice(0)) w();
      });
  }

  /** Resolves once every queued delivery has been answered, including ones queued meanwhile. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
