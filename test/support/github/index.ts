export { type AppKeyPair, generateAppKeyPair, signAppJwt } from "./auth.js";
export type { FaultRule } from "./faults.js";
export type { CheckRunRecord, CommentRecord, IssueRecord, PullRecord, RepoRecord } from "./model.js";
export type { Route } from "./router.js";
export {
  type GitHubServer,
  type GitHubServerOptions,
  type PushOptions,
  type RequestLogEntry,
  startGitHubServer,
} from "./server.js";
export { type Delivery, sendWebhook, signPayload } from "./webhooks.js";
