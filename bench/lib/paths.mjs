import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (bench/lib/../..). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
