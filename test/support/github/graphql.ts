import type { Actor } from "./model.js";
import type { Reply } from "./router.js";
import type { GitHubState } from "./state.js";

export class GraphqlEndpoint {
  constructor(readonly state: GitHubState) {}

  names(_body: Record<string, unknown>): string[] {
    return [];
  }

  async execute(_body: Record<string, unknown>, _actor: Actor): Promise<Reply> {
    return { status: 404, body: { message: "Not Found" } };
  }
}
