/** Where Ferry's config lives in a config repo (and, optionally, in an app repo). */
export const configPath = ".github/ferry.yml";
