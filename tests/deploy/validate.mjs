// node validate.mjs k8s FILE.yaml...     Kubernetes manifests
// node validate.mjs grafana FILE.json    a Grafana dashboard JSON model
//
// Two validators, both from the projects' own published definitions:
// * JSON Schema: kubernetes-models and @kubernetes-models/prometheus-operator
//   compile the Kubernetes OpenAPI schemas and the Prometheus Operator's CRD
//   schemas (ajv); Model.validate() checks types, required fields, enums and
//   formats.
// * Types, strictly: the same packages' TypeScript interfaces (IDaemonSet, ...)
//   and @grafana/schema's Dashboard (the dashboard schema of Grafana 11.6,
//   generated from its CUE definition). Each document becomes a typed object
//   literal and `tsc --strict` type-checks it: an unknown or misspelt field
//   anywhere in it is an error (TypeScript's excess property check), which the
//   OpenAPI schemas alone do not catch (they allow additional properties).
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

const here = dirname(fileURLToPath(import.meta.url));

const KINDS = {
  "v1/Namespace": ["kubernetes-models/v1/Namespace", "Namespace", "INamespace"],
  "v1/ServiceAccount": ["kubernetes-models/v1/ServiceAccount", "ServiceAccount", "IServiceAccount"],
  "v1/Service": ["kubernetes-models/v1/Service", "Service", "IService"],
  "v1/ConfigMap": ["kubernetes-models/v1/ConfigMap", "ConfigMap", "IConfigMap"],
  "apps/v1/DaemonSet": ["kubernetes-models/apps/v1/DaemonSet", "DaemonSet", "IDaemonSet"],
  "batch/v1/Job": ["kubernetes-models/batch/v1/Job", "Job", "IJob"],
  "batch/v1/CronJob": ["kubernetes-models/batch/v1/CronJob", "CronJob", "ICronJob"],
  "monitoring.coreos.com/v1/PodMonitor": ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor", "PodMonitor", "IPodMonitor"],
  "monitoring.coreos.com/v1/ServiceMonitor": ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor", "ServiceMonitor", "IServiceMonitor"],
  "monitoring.coreos.com/v1/PrometheusRule": ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule", "PrometheusRule", "IPrometheusRule"],
};

function typecheck(sources) {
  // Inside this folder, so that the packages resolve from node_modules.
  const dir = mkdtempSync(join(here, ".check-"));
  try {
    const files = sources.map(([name, text], i) => {
      const f = join(dir, `doc${i}.ts`);
      writeFileSync(f, `// ${name}\n${text}\n`);
      return f;
    });
    execFileSync(process.execPath, [join(here, "node_modules/typescript/bin/tsc"), "--noEmit", "--strict",
      "--skipLibCheck", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext",
      ...files], { cwd: here, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return [];
  } catch (e) {
    const out = (e.stdout || "") + (e.stderr || "");
    // doc3.ts(12,5): error TS2353: ... -> the document's name
    return out.trim().split("\n").map((line) => line.replace(/^.*?doc(\d+)\.ts/, (_, i) => sources[+i][0]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function k8s(files) {
  const errors = [], sources = [];
  let n = 0;
  for (const file of files) {
    const docs = yaml.loadAll(readFileSync(file, "utf8")).filter((d) => d !== null);
    for (const [i, doc] of docs.entries()) {
      const where = `${basename(file)} document ${i + 1} (${doc?.kind} ${doc?.metadata?.name})`;
      const key = `${doc?.apiVersion}/${doc?.kind}`;
      if (!KINDS[key]) {
        errors.push(`${where}: no schema for apiVersion/kind ${key}`);
        continue;
      }
      const [mod, cls, iface] = KINDS[key];
      const Model = (await import(mod))[cls];
      try {
        new Model(doc).validate();
      } catch (e) {
        errors.push(`${where}: ${e.message}`);
      }
      sources.push([where, `import type { ${iface} } from "${mod}";\nconst doc: ${iface} = ${JSON.stringify(doc, null, 2)};\nvoid doc;`]);
      n++;
    }
  }
  errors.push(...typecheck(sources));
  return [errors, `${n} documents`];
}

async function grafana(files) {
  const errors = [], sources = [];
  for (const file of files) {
    const dash = JSON.parse(readFileSync(file, "utf8"));
    // JSON has no TypeScript enums: Json<T> turns each enum (ThresholdsMode,
    // ...) into the union of its string values and keeps everything else,
    // optional and unknown fields included, as the schema has it.
    sources.push([basename(file), `import type { Dashboard } from "@grafana/schema/dist/esm/raw/dashboard/x/dashboard_types.gen.js";
type Json<T> = T extends string ? \`\${T}\` : T extends Array<infer U> ? Array<Json<U>> : T extends object ? { [K in keyof T]: Json<T[K]> } : T;
const dash: Json<Dashboard> = ${JSON.stringify(dash, null, 2)};\nvoid dash;`]);
  }
  errors.push(...typecheck(sources));
  const version = JSON.parse(readFileSync(join(here, "node_modules/@grafana/schema/package.json"), "utf8")).version;
  return [errors, `${files.length} dashboard(s) against @grafana/schema ${version}`];
}

const [what, ...files] = process.argv.slice(2);
const [errors, summary] = await (what === "k8s" ? k8s(files) : what === "grafana" ? grafana(files) : [["usage: validate.mjs k8s|grafana FILE..."], ""]);
if (errors.length) {
  console.error(errors.join("\n"));
  process.exit(1);
}
console.log(`valid: ${summary}`);
