// A CouchDB-protocol push: change documents in the local PouchDB (not timed), then replicate
// the local database to the remote one (timed), as a CHT client uploads its edits. Prints one
// JSON line like replicate.js.
//
//   node push.js REMOTE_URL LOCAL_DIR IDS_JSON_FILE
"use strict";

const fs = require("fs");
const PouchDB = require("pouchdb");

async function main() {
  const [remoteUrl, localDir, idsFile] = process.argv.slice(2);
  if (!remoteUrl || !localDir || !idsFile) {
    console.error("usage: node push.js REMOTE_URL LOCAL_DIR IDS_JSON_FILE");
    process.exit(2);
  }
  const ids = JSON.parse(fs.readFileSync(idsFile, "utf8"));
  const local = new PouchDB(localDir);
  const remote = new PouchDB(remoteUrl);
  const found = await local.allDocs({ keys: ids, include_docs: true });
  const docs = found.rows.map((row, i) => ({ ...row.doc, address: `本机修改的地址${i}` }));
  await local.bulkDocs(docs);
  const t0 = process.hrtime.bigint();
  const result = await PouchDB.replicate(local, remote);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    JSON.stringify({
      ok: result.ok,
      docs_read: result.docs_read,
      docs_written: result.docs_written,
      errors: result.errors.length,
      ms,
    })
  );
  await local.close();
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
