// derive_server_name: the default --server-name, read from the server's command line.
//
// The name keys the server's trust record, its audit entries and its
// `servers:` entry in a policy, so it must tell servers apart: two different
// packages never get the same name, and a value given to an option (`-e VAR`,
// `-v a:b`, `--from pkg`, `--require x.js`) is never taken for one.
//
// What a name keeps, by launcher (launchers may be chained behind `env`):
//   npx / bunx / npm exec / pnpm dlx / yarn dlx / bun x  → "npm:<@scope/package>"
//       (the `--package` value when given, else the first word that is not an
//       option; a registry version or tag after the name's last '@' is dropped)
//   node / tsx / ts-node / bun / deno with a script under node_modules →
//       "npm:<@scope/package>" of the package holding it; deno's "npm:"/"jsr:"
//       specifiers are kept as written, version dropped
//   python -m module → "python:<module>"
//   uvx / uv tool run / pipx run → "pypi:<distribution>" (`--from`/`--spec`
//       when given; version specifiers, extras and "@version" dropped; a URL
//       is kept whole)
//   docker / podman run → "docker:<registry/namespace/image>" (tag and digest dropped)
//   anything else → the script's or program's name ("index", "main", "server",
//       "dist", … give way to the directory above them)
// A command none of these can read falls back to its program's name. Names of
// local scripts are only as distinct as their directories: give
// --server-name when two such servers must be told apart.
// Pure function.
#pragma once

#include <string>
#include <vector>

namespace mcp_warden::proxy {

std::string derive_server_name(const std::vector<std::string>& command);

}  // namespace mcp_warden::proxy
