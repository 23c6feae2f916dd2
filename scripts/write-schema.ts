/** Regenerates docs/ferry.schema.json from the zod schema: `npm run schema`. */
import { writeFileSync } from "node:fs";
import { ferryJsonSchema } from "../src/config/json-schema.js";

writeFileSync(
  new URL("../docs/ferry.schema.json", import.meta.url),
  `${JSON.stringify(ferryJsonSchema(), null, 2)}\n`,
);
