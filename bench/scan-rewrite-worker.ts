/** Worker side of bench/scan-rewrite's parallel scan: scans its share, replies with the count. */
import { parentPort, workerData } from "node:worker_threads";
import { findImageReferences } from "../src/manifests/find.js";
import type { SourceFile } from "../src/manifests/sites.js";

const { files, image } = workerData as { files: SourceFile[]; image: string };
parentPort?.postMessage(findImageReferences(files, { image }).references.length);
