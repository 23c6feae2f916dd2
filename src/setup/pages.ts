/** The registration pages (pure HTML; every value from outside is escaped). */

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem}
code,pre{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}pre{padding:.75rem;overflow:auto}
button{font-size:1rem;padding:.5rem 1rem;cursor:pointer}</style></head>
<body>${body}</body>
</html>
`;

export function registerPage(options: {
  manifest: Record<string, unknown>;
  action: string;
  webhookUrl: string;
  owner: string;
}): string {
  return page(
    "Register Ferry",
    `<h1>Register Ferry as a GitHub App</h1>
<p>GitHub will create the app <strong>${escapeHtml(String(options.manifest.name))}</strong> for
${escapeHtml(options.owner)} with the permissions and events of <code>app.yml</code>, and send its
webhooks to <code>${escapeHtml(options.webhookUrl)}</code>.</p>
<form action="${escapeHtml(options.action)}" method="post">
<input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(options.manifest))}">
<button type="submit">Register on GitHub</button>
</form>
<p>After you confirm on GitHub, it sends you back here and Ferry writes the app's settings to files
only you can read.</p>`,
  );
}

export function donePage(options: {
  name: string;
  htmlUrl: string;
  envFile: string;
  keyFile: string;
}): string {
  return page(
    "Ferry is registered",
    `<h1>Ferry is registered as ${escapeHtml(options.name)}</h1>
<p>Its settings are in <code>${escapeHtml(options.envFile)}</code> and its private key in
<code>${escapeHtml(options.keyFile)}</code> (mode 0600: only you can read them; never commit them).</p>
<ol>
<li><a href="${escapeHtml(options.htmlUrl)}/installations/new">Install the app</a> on your config repo and app repos.</li>
<li>Give Ferry these settings, e.g. as a Kubernetes Secret:
<pre>kubectl -n ferry create secret generic ferry \\
  --from-env-file=${escapeHtml(options.envFile)} \\
  --from-file=PRIVATE_KEY=${escapeHtml(options.keyFile)}</pre></li>
<li>Then delete both files. This page's server has stopped.</li>
</ol>`,
  );
}

export function errorPage(message: string): string {
  return page("Ferry registration failed", `<h1>Registration failed</h1><p>${escapeHtml(message)}</p>`);
}
