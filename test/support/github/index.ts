export { type AppKeyPair, generateAppKeyPair, signAppJwt } from "./auth.js";
export { HttpError } from "./errors.js";
export type { FaultRule } from "./faults.js";
export { githubGraphqlSchema } from "./graphql.js";
export type {
  CheckRunRecord,
  CommentRecord,
  IssueRecord,
  Permission,
  PullRecord,
  RepoRecord,
  RepoSettings,
} from "./model.js";
export type { Route } from "./router.js";
export {
  type GitHubServer,
  type GitHubServerOptions,
  type PushOptions,
  type RequestLogEntry,
  startGitHubServer,
} from "./server.js";
export {
  type Delivery,
  type DeliveryMode,
  sendWebhook,
  signPayload,
  signPayloadSha1,
  type WebhookTarget,
} from "./webhooks.js";
