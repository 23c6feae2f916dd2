import { z } from "zod";
import { ferryConfigSchema } from "./schema.js";

/** JSON Schema of ferry.yml for editors (yaml-language-server), generated from the zod schema. */
export function ferryJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ferryConfigSchema, { io: "input", unrepresentable: "any" }),
    title: "Ferry configuration (.github/ferry.yml)",
  };
}
