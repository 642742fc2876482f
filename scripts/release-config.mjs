// The release workflow's overlay for tauri.conf.json (`tauri build --config`), printed as JSON:
// the update endpoint of the repository being released, updater artifacts only when the
// signing key is set, and Authenticode signing when a certificate was imported.
// Reads GITHUB_REPOSITORY, HAS_UPDATER_KEY ("true"/"false") and THUMBPRINT (may be empty).
const repository = process.env.GITHUB_REPOSITORY;
if (!repository) {
  console.error('GITHUB_REPOSITORY is not set.');
  process.exit(1);
}
const overlay = {
  bundle: { createUpdaterArtifacts: process.env.HAS_UPDATER_KEY === 'true' },
  plugins: {
    updater: { endpoints: [`https://github.com/${repository}/releases/latest/download/latest.json`] },
  },
};
if (process.env.THUMBPRINT) {
  overlay.bundle.windows = {
    certificateThumbprint: process.env.THUMBPRINT,
    digestAlgorithm: 'sha256',
    timestampUrl: 'http://timestamp.digicert.com',
  };
}
console.log(JSON.stringify(overlay, null, 2));
