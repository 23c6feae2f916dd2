/**
 * node:http and node:https, taken with process.getBuiltinModule rather than `import`: an ES
 * import of node:http builds its module facade, which reads the lazy `http.WebSocket` export
 * and so loads undici (and compiles its WebAssembly parser), ~7 MB of RSS the agent never uses.
 */
export const http = process.getBuiltinModule("node:http");
export const https = process.getBuiltinModule("node:https");

export type Agent = import("node:http").Agent;
export type IncomingMessage = import("node:http").IncomingMessage;
export type RequestOptions = import("node:https").RequestOptions;
