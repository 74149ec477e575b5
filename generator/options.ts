import type { ServiceTarget } from "./emit/service.js";
import { GenerateError } from "./errors.js";

/** How relative imports between generated modules end: `./x.js` (default), `./x.ts`, or `./x`. */
export type ImportExtension = "js" | "ts" | "none";

/**
 * The module system the output is written for. `module` (default): ES modules in `.ts` files, for a
 * `"type": "module"` package. `legacy_commonjs`: the same ES modules in `.mts` files (imports `./x.mjs`),
 * which are ES modules whatever the package's `"type"`, so they work in a `"type": "commonjs"` package,
 * under `verbatimModuleSyntax` and with Node's type stripping; CommonJS code loads them with `require()`
 * (Node ≥ 20.19) or `import()`.
 */
export type JsImportStyle = "module" | "legacy_commonjs";

/** Generator settings, from CLI flags, a configuration file or plugin parameters. */
export interface GenerateOptions {
  /** RPC code to generate for services: client and server (default), one of them, or none. */
  readonly services?: ServiceTarget;
  readonly importExtension?: ImportExtension;
  readonly jsImportStyle?: JsImportStyle;
  /** Also generate `grpc.health.v1.Health` (tristub's bundled official proto) and `tristub-health.ts` (`serveHealth`). */
  readonly health?: boolean;
  /** Embed file descriptors and generate `grpc.reflection.v1`/`v1alpha` with `tristub-reflection.ts` (`serveReflection`). */
  readonly reflection?: boolean;
  /**
   * Emit each file's custom options (the extension fields set on its file, messages, fields, oneofs,
   * enums, enum values, services and methods) as `file_…` trees that `getOption` reads.
   */
  readonly customOptions?: boolean;
}

/** One option: its plugin-parameter key, CLI flag, accepted values, default and meaning. */
export interface OptionSpec {
  readonly key: "services" | "import_extension" | "js_import_style" | "target" | "health" | "reflection" | "custom_options";
  readonly flag: string;
  readonly values: readonly string[];
  readonly defaultValue: string;
  readonly describe: string;
  /** On/off options: the value a bare flag (`--health`) stands for. */
  readonly bareFlagValue?: string;
}

/**
 * Every generator option, shared by `tristub generate` flags (`--import-extension ts`), plugin
 * parameters (`import_extension=ts`) and configuration files (`"import_extension": "ts"`), so the
 * three accept exactly the same names and values.
 */
export const optionSpecs: readonly OptionSpec[] = [
  {
    key: "services",
    flag: "services",
    values: ["both", "client", "server", "none"],
    defaultValue: "both",
    describe: "RPC code for services: both (client and server), client, server or none",
  },
  {
    key: "import_extension",
    flag: "import-extension",
    values: ["js", "ts", "none"],
    defaultValue: "js",
    describe: "extension of relative imports in the output: js (./x.js), ts (./x.ts) or none (./x, for bundlers)",
  },
  {
    key: "js_import_style",
    flag: "js-import-style",
    values: ["module", "legacy_commonjs"],
    defaultValue: "module",
    describe: 'module: ES modules in .ts files ("type": "module" packages); legacy_commonjs: ES modules in .mts files, for "type": "commonjs" packages',
  },
  {
    key: "target",
    flag: "target",
    values: ["ts"],
    defaultValue: "ts",
    describe: "what to write: ts (TypeScript) is the only target; accepted for protoc-gen-es compatibility",
  },
  {
    key: "health",
    flag: "health",
    values: ["false", "true"],
    defaultValue: "false",
    describe: "true: also generate grpc.health.v1.Health (bundled official proto) and tristub-health.ts (serveHealth)",
    bareFlagValue: "true",
  },
  {
    key: "reflection",
    flag: "reflection",
    values: ["false", "true"],
    defaultValue: "false",
    describe: "true: embed file descriptors and generate server reflection v1/v1alpha in tristub-reflection.ts (serveReflection)",
    bareFlagValue: "true",
  },
  {
    key: "custom_options",
    flag: "custom-options",
    values: ["false", "true"],
    defaultValue: "false",
    describe: "true: emit every element's custom options (file_… trees) for getOption/hasOption",
    bareFlagValue: "true",
  },
];

/** The option keys as a readable list, for error messages. */
export function knownOptionsText(): string {
  return optionSpecs.map((o) => `${o.key}=${o.values.join("|")}`).join(", ");
}

/** Raw option values by key (`services` → `client`), as read from flags, a parameter or a config file. */
export type RawOptions = ReadonlyMap<string, string>;

/**
 * Validates raw options and turns them into {@link GenerateOptions}. Unknown keys and values are
 * errors that list what is accepted; `where` says where they came from (`plugin option`, `--flag`, a
 * configuration file).
 */
export function resolveOptions(raw: RawOptions, where: (key: string) => string): GenerateOptions {
  const values = new Map<string, string>();
  for (const [key, given] of raw) {
    let value = given;
    const spec = optionSpecs.find((o) => o.key === key);
    if (spec === undefined) throw new GenerateError(`${where(key)}: unknown option (known: ${knownOptionsText()})`);
    // A yes/no option given without a value (`--custom-options`) means yes.
    if (value === "" && spec.values.includes("true")) value = "true";
    if (!spec.values.includes(value)) {
      const hint = spec.key === "target" ? "; tristub writes TypeScript only (protoc-gen-es's js and dts targets are not supported)" : "";
      throw new GenerateError(`${where(key)}: invalid value "${value}" (expected ${spec.values.join(", ")}${hint})`);
    }
    values.set(key, value);
  }
  const options: GenerateOptions = {
    services: (values.get("services") ?? "both") as ServiceTarget,
    importExtension: (values.get("import_extension") ?? "js") as ImportExtension,
    jsImportStyle: (values.get("js_import_style") ?? "module") as JsImportStyle,
    health: values.get("health") === "true",
    reflection: values.get("reflection") === "true",
    ...(values.get("custom_options") === "true" ? { customOptions: true } : {}),
  };
  if (options.jsImportStyle === "legacy_commonjs" && options.importExtension === "none") {
    throw new GenerateError(
      `${where("import_extension")}: import_extension=none cannot be combined with js_import_style=legacy_commonjs (.mts modules need an extension on every relative import)`,
    );
  }
  return options;
}

/**
 * Parses a plugin parameter (`--tristub_opt=services=client,import_extension=ts` or buf's `opt:`):
 * comma-separated `key=value` pairs; a key given twice keeps the last value.
 */
export function parsePluginParameter(parameter: string): GenerateOptions {
  const raw = new Map<string, string>();
  for (const part of parameter.split(",").map((p) => p.trim()).filter((p) => p.length > 0)) {
    const eq = part.indexOf("=");
    const bare = optionSpecs.find((o) => o.key === part)?.bareFlagValue;
    if (eq < 0 && bare !== undefined) {
      raw.set(part, bare); // `health` alone: health=true
      continue;
    }
    if (eq < 0) {
      const known = optionSpecs.some((o) => o.key === part);
      throw new GenerateError(
        known ? `plugin option "${part}": needs a value (${part}=…)` : `unknown plugin option "${part}" (known: ${knownOptionsText()})`,
      );
    }
    raw.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return resolveOptions(raw, (key) => `plugin option "${key}"`);
}
