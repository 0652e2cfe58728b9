// The client half of scripts/demo.sh: the official MCP SDK client talks to the
// official filesystem server through mcp-warden, and prints what happened.
// Usage: node demo-client.mjs MCP_WARDEN_BIN WORKSPACE DB POLICY
//   POLICY strict: reads, denials, a redacted result;
//   POLICY moderate: a write mcp-warden asks the person about (the demo answers
//   for them: once "deny", then "allow once").
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { fileURLToPath } from "node:url";
import path from "node:path";

const [bin, workspace, db, policy] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const server = path.join(here, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");

const transport = new StdioClientTransport({
  command: bin,
  args: ["proxy", "--policy", policy, "--db", db, "--server-name", "filesystem", "--log-level", "warn",
         "--", process.execPath, server, workspace],
  stderr: "inherit",
  // The SDK passes only a few variables (HOME, PATH, …) by default; without
  // MCP_WARDEN_HOME the proxy would keep its signing key in the user's real home.
  env: { ...process.env },
});
// Only the moderate session can be asked: it declares elicitation and answers
// mcp-warden's questions with the next scripted decision, printing each question.
const answers = ["deny", "once"];
const client = new Client({ name: "mcp-warden-demo", version: "1.0.0" },
                          { capabilities: policy === "moderate" ? { elicitation: { form: {} } } : {} });
if (policy === "moderate") client.setRequestHandler(ElicitRequestSchema, async (request) => {
  const decision = answers.shift() ?? "deny";
  console.log(`\n   ?? mcp-warden asks the person:\n      ${request.params.message.split("\n").join("\n      ")}`);
  console.log(`   -> the person answers: ${decision}`);
  return decision === "deny" ? { action: "decline" } : { action: "accept", content: { decision } };
});
await client.connect(transport);

const { tools } = await client.listTools();
console.log(`\n== tools/list through mcp-warden (--policy ${policy}): ${tools.length} tools offered`);
console.log("   " + tools.map((t) => t.name).join(", "));

function textOf(result) {
  return result.content.filter((c) => c.type === "text").map((c) => c.text).join("\n   ");
}

async function attempt(title, name, args) {
  const result = await client.callTool({ name, arguments: args });
  const verdict = result.isError ? "DENIED " : "ALLOWED";
  console.log(`\n== ${verdict} ${title}\n   ${name} ${JSON.stringify(args)}\n   ${textOf(result)}`);
  return result;
}

if (policy === "moderate") {
  await attempt("write a file (the person declines)", "write_file",
                { path: path.join(workspace, "new.txt"), content: "hello" });
  await attempt("write a file (the person allows it once)", "write_file",
                { path: path.join(workspace, "approved.txt"), content: "hello" });
  await client.close();
  process.exit(0);
}

await attempt("read a project file", "read_text_file", { path: path.join(workspace, "notes.txt") });
const leaky = await attempt("read a file holding a cloud key and a card number", "read_text_file",
                            { path: path.join(workspace, "deploy-notes.txt") });
console.log(`   _meta["mcp-warden"].redacted: ${JSON.stringify(leaky._meta?.["mcp-warden"]?.redacted)}`);
await attempt("list the workspace", "list_directory", { path: workspace });
await attempt("write a file", "write_file", { path: path.join(workspace, "new.txt"), content: "hello" });
await attempt("read a private key via ..", "read_text_file",
              { path: `${workspace}/src/../.ssh/id_rsa` });
await attempt("read .env inside an array argument", "read_multiple_files",
              { paths: [path.join(workspace, "notes.txt"), path.join(workspace, ".env")] });
await client.close();
